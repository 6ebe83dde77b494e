"""The engine's ``StatusStore`` for one mailbox, kept in ``calendar.exchange.binding`` rows and
the mailbox's two tokens. Saved means "in this transaction": the cron commits per mailbox."""

from ..sync.engine import StatusRow
from .mapper import as_utc, naive_utc
from .odoo_side import parse_id

ROW_FIELDS = (
    "local_id",
    "remote_id",
    "local_version",
    "remote_version",
    "item_hash",
    "activity_type",
    "uid",
    "recheck",
    "verify_side",
)


def _utc(value):
    return as_utc(value) if value else None


def _row(values):
    """The ``StatusRow`` of one binding, read as a dict of its columns."""
    row = StatusRow(identity=values["identity"])
    for name in ROW_FIELDS:
        setattr(row, name, values[name] or (False if name == "recheck" else None))
    row.field_hashes = dict(values["field_hashes"] or {})
    row.local_modified = _utc(values["local_modified"])
    row.remote_modified = _utc(values["remote_modified"])
    if row.activity_type is None:
        # Saved before the column existed: the type was kept as text ("s" + name) among the
        # field hashes (a hash never starts with "s"). The next save writes the column.
        text = row.field_hashes.get("activity_type") or ""
        row.activity_type = text[1:] if text.startswith("s") else None
    return row


LOAD_QUERY = """
    SELECT id, identity, %s, field_hashes, local_modified, remote_modified
      FROM calendar_exchange_binding
     WHERE mailbox_id = %%s
""" % ", ".join(ROW_FIELDS)


class BindingStore:
    """``state`` (a ``MailboxState``) holds the tokens as the run found them; the tokens the
    engine sets are kept in ``token_changes`` for the runner's one write of the mailbox."""

    # Saves last only if the whole run commits (one transaction per mailbox): a worker killed
    # after Exchange accepted creates loses their rows, so the engine must look those creates
    # up by the identity each carries before creating anything again.
    durable = False

    def __init__(self, mailbox, state):
        self.mailbox = mailbox
        self.state = state
        self.token_changes = {}
        self.Binding = mailbox.env["calendar.exchange.binding"]
        self._ids = {}  # identity -> binding id

    def load(self):
        # One query: a run that finds nothing to do must stay cheap (the cron runs every
        # few minutes for every mailbox).
        self.Binding.flush_model()
        self.mailbox.env.cr.execute(LOAD_QUERY, [self.mailbox.id])
        rows = []
        for values in self.mailbox.env.cr.dictfetchall():
            row = _row(values)
            self._ids[row.identity] = values["id"]
            rows.append(row)
        return rows

    def _values(self, row):
        values = {name: getattr(row, name) or False for name in ROW_FIELDS}
        values["field_hashes"] = row.field_hashes or {}
        values["local_modified"] = row.local_modified and naive_utc(row.local_modified)
        values["remote_modified"] = row.remote_modified and naive_utc(row.remote_modified)
        values["event_id"] = parse_id(row.local_id) or False
        return values

    def save(self, rows):
        creates = []
        for row in rows:
            values = self._values(row)
            if row.identity in self._ids:
                self.Binding.browse(self._ids[row.identity]).write(values)
            else:
                creates.append(dict(values, mailbox_id=self.mailbox.id, identity=row.identity))
        for record in self.Binding.create(creates):
            self._ids[record.identity] = record.id
        self.Binding.flush_model()

    def remove(self, identities):
        ids = [self._ids.pop(identity) for identity in identities if identity in self._ids]
        self.Binding.browse(ids).unlink()

    def get_token(self, side):
        return getattr(self.state, side + "_token") or None

    def set_token(self, side, token):
        if token != self.get_token(side):
            setattr(self.state, side + "_token", token)
            self.token_changes[side + "_token"] = token or False
