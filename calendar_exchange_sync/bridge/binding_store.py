"""The engine's ``StatusStore`` for one mailbox, kept in ``calendar.exchange.binding`` rows and
the mailbox's two tokens. Saved means "in this transaction": the cron commits per mailbox.

It is an ``IndexedStatusStore``: besides ``load()`` (every binding of the mailbox, for complete
listings) it answers the engine's targeted look-ups (``lookup``, ``unsettled``, ``totals``) with
one query each on the binding table's indexes, so that a run over a large mailbox reads only
the bindings its listings touch.
"""

from ..sync.engine import StatusRow
from . import binding_sql
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


def queries_for(table, fields):
    """The store's queries on ``table`` (the binding table of one item kind)."""
    select = """
    SELECT id, identity, %s, field_hashes, local_modified, remote_modified
      FROM %s
     WHERE mailbox_id = %%s
""" % (", ".join(fields), table)
    # Each condition has an index of the binding table behind it: (mailbox_id, local_id),
    # remote_id, the unique (mailbox_id, identity), and the partial index of unsettled bindings.
    return {
        "load": select,
        "lookup": select
        + "       AND (local_id = ANY(%s) OR remote_id = ANY(%s) OR identity = ANY(%s))\n",
        "unsettled": select + "       AND (recheck OR local_id IS NULL OR remote_id IS NULL)\n",
        "totals": "SELECT count(local_id), count(remote_id) FROM %s WHERE mailbox_id = %%s" % table,
        "ids": "SELECT identity, id FROM %s WHERE mailbox_id = %%s AND identity = ANY(%%s)" % table,
    }


def _utc(value):
    return as_utc(value) if value else None


class BindingStore:
    """``state`` (a ``MailboxState``) holds the tokens as the run found them; the tokens the
    engine sets are kept in ``token_changes`` for the runner's one write of the mailbox.

    The calendar's store; another item kind (contacts) subclasses it with its own table,
    columns, local record and tokens."""

    # Saves last only once the transaction commits (at the end of the run, or at the cron's
    # checkpoints between batches): a worker killed after Exchange accepted creates loses
    # their rows, so the engine must look those creates up by the identity each carries
    # before creating anything again.
    durable = False
    MODEL = "calendar.exchange.binding"
    ROW_FIELDS = ROW_FIELDS
    QUERIES = queries_for("calendar_exchange_binding", ROW_FIELDS)
    LOCAL_RECORD = "event_id"  # the binding's many2one to the Odoo record it pairs

    def __init__(self, mailbox, state, checkpoint=None):
        self.mailbox = mailbox
        self.state = state
        self._checkpoint = checkpoint  # the runner's: commits in the cron, see there
        self.token_changes = {}
        self.Binding = mailbox.env[self.MODEL]
        self.cr = mailbox.env.cr
        self._ids = {}  # identity -> binding id, of the bindings read or written
        self._saved = {}  # identity -> the column values last read or written
        self._complete = False  # _ids holds every binding of the mailbox (after load())
        self._unsaved = False  # rows saved or removed since the last checkpoint
        self._saved_any = False  # rows saved or removed by this run

    @staticmethod
    def _local_record_id(local_id):
        return parse_id(local_id)

    # -- reading ------------------------------------------------------------------------

    def _row(self, values):
        """The ``StatusRow`` of one binding, read as a dict of its columns."""
        row = StatusRow(identity=values["identity"])
        for name in self.ROW_FIELDS:
            setattr(row, name, values[name] or (False if name == "recheck" else None))
        row.field_hashes = dict(values["field_hashes"] or {})
        row.local_modified = _utc(values["local_modified"])
        row.remote_modified = _utc(values["remote_modified"])
        if "activity_type" in self.ROW_FIELDS and row.activity_type is None:
            # Saved before the column existed: the type was kept as text ("s" + name) among
            # the field hashes (a hash never starts with "s"). The next save writes the column.
            text = row.field_hashes.get("activity_type") or ""
            row.activity_type = text[1:] if text.startswith("s") else None
        return row

    def _select(self, query, params):
        # One query: a run that finds nothing to do must stay cheap (the cron runs every
        # few minutes for every mailbox).
        self.Binding.flush_model()
        self.cr.execute(self.QUERIES[query], [self.mailbox.id, *params])
        rows = []
        for values in self.cr.dictfetchall():
            row = self._row(values)
            self._ids[row.identity] = values["id"]
            self._saved[row.identity] = self._values(row)
            rows.append(row)
        return rows

    def load(self):
        rows = self._select("load", [])
        self._complete = True
        return rows

    def lookup(self, local_ids, remote_ids, identities):
        wanted = [list(local_ids), list(remote_ids), list(identities)]
        return self._select("lookup", wanted) if any(wanted) else []

    def unsettled(self):
        if self.MODEL == BindingStore.MODEL and not self._may_be_unsettled():
            return []  # the lock query found none, and this run saved none since
        return self._select("unsettled", [])

    def _may_be_unsettled(self):
        return getattr(self.state, "has_unsettled", True) or self._saved_any

    def totals(self):
        self.Binding.flush_model()
        self.cr.execute(self.QUERIES["totals"], [self.mailbox.id])
        return tuple(self.cr.fetchone())

    def _known(self, identities):
        """Binding ids of these identities, asking the database for those not read yet."""
        missing = [i for i in identities if i not in self._ids]
        if missing and not self._complete:
            self.cr.execute(self.QUERIES["ids"], [self.mailbox.id, missing])
            self._ids.update(self.cr.fetchall())
        return {i: self._ids[i] for i in identities if i in self._ids}

    # -- writing ------------------------------------------------------------------------

    def _values(self, row):
        values = {name: getattr(row, name) or False for name in self.ROW_FIELDS}
        values["field_hashes"] = dict(row.field_hashes or {})
        values["local_modified"] = row.local_modified and naive_utc(row.local_modified)
        values["remote_modified"] = row.remote_modified and naive_utc(row.remote_modified)
        values[self.LOCAL_RECORD] = self._local_record_id(row.local_id) or False
        return values

    def save(self, rows):
        rows = list(rows)
        self._unsaved = self._unsaved or bool(rows)
        self._saved_any = self._saved_any or bool(rows)
        known = self._known([row.identity for row in rows])
        creates, writes = [], {}
        for row in rows:
            values = self._values(row)
            if row.identity in known:
                # Only the columns that changed, and rows changed alike in one write: the run
                # after an import clears the flags of a thousand rows in one UPDATE.
                saved = self._saved.get(row.identity, {})
                changed = {k: v for k, v in values.items() if k not in saved or saved[k] != v}
                if changed:
                    key = repr(sorted(changed.items()))
                    writes.setdefault(key, (changed, []))[1].append(known[row.identity])
            else:
                creates.append(dict(values, mailbox_id=self.mailbox.id, identity=row.identity))
            self._saved[row.identity] = values
        # In SQL, a statement for many rows (see binding_sql): pending ORM writes go first.
        self.Binding.flush_model()
        binding_sql.update(self.Binding, list(writes.values()))
        self._ids.update(binding_sql.insert(self.Binding, creates, self.mailbox))

    def remove(self, identities):
        known = self._known(list(identities))
        self._unsaved = self._unsaved or bool(known)
        for identity in known:
            del self._ids[identity]
            self._saved.pop(identity, None)
        self.Binding.browse(list(known.values())).unlink()

    def checkpoint(self):
        """Between two batches of writes (see ``sync.engine.sides.StatusStore``). Nothing
        saved since the last one: nothing to make durable, no commit (the run still holds
        the mailbox's lock), as for the quiet runs of most mailboxes."""
        if self._checkpoint is None or not self._unsaved:
            return True
        self._unsaved = False
        return self._checkpoint()

    def get_token(self, side):
        return getattr(self.state, side + "_token") or None

    def set_token(self, side, token):
        if token != self.get_token(side):
            setattr(self.state, side + "_token", token)
            self.token_changes[side + "_token"] = token or False
