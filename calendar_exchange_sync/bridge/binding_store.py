"""The engine's ``StatusStore`` for one mailbox, kept in ``calendar.exchange.binding`` rows and
the mailbox's two tokens. Durable means "in this transaction": the cron commits per mailbox."""

from ..sync.sides import StatusRow
from .mapper import as_utc, naive_utc
from .odoo_side import parse_id

ROW_FIELDS = (
    "local_id",
    "remote_id",
    "local_version",
    "remote_version",
    "item_hash",
    "uid",
    "recheck",
)


def _utc(value):
    return as_utc(value) if value else None


class BindingStore:
    def __init__(self, mailbox):
        self.mailbox = mailbox
        self.Binding = mailbox.env["calendar.exchange.binding"]
        self._records = {}

    def load(self):
        records = self.Binding.search([("mailbox_id", "=", self.mailbox.id)])
        self._records = {r.identity: r for r in records}
        rows = []
        for record in records:
            row = StatusRow(identity=record.identity)
            for name in ROW_FIELDS:
                setattr(row, name, record[name] or (False if name == "recheck" else None))
            row.field_hashes = dict(record.field_hashes or {})
            row.local_modified = _utc(record.local_modified)
            row.remote_modified = _utc(record.remote_modified)
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
            record = self._records.get(row.identity)
            if record:
                record.write(values)
            else:
                creates.append(dict(values, mailbox_id=self.mailbox.id, identity=row.identity))
        for record in self.Binding.create(creates):
            self._records[record.identity] = record
        self.Binding.flush_model()

    def remove(self, identities):
        doomed = self.Binding
        for identity in identities:
            doomed |= self._records.pop(identity, self.Binding)
        doomed.unlink()

    def get_token(self, side):
        return self.mailbox[side + "_token"] or None

    def set_token(self, side, token):
        self.mailbox[side + "_token"] = token or False
