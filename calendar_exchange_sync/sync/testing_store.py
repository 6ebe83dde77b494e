"""In-memory ``StatusStore``s for tests and benchmarks (see ``testing`` for the sides).

``MemoryStatusStore`` copies rows in and out like a database would, takes the same faults as
the sides on ``save``, ``remove`` and ``set_token``, and can play a store that is not durable
per save (``durable = False``); ``IndexedMemoryStatusStore`` adds the targeted look-ups.
"""

import dataclasses
import operator

from .engine import StatusRow
from .items import FieldHashes
from .testing_faults import Faults
from .testing_faults import after as _after
from .testing_faults import before as _before

_ROW_VALUES = operator.attrgetter(*(f.name for f in dataclasses.fields(StatusRow)))
_FILL = StatusRow.__init__  # (sets every field of an existing row: an UPDATE, see _copy_into)


def _copy(row):
    # Rows hold only immutable values besides the field hashes, and those are read-only when
    # an item made them (``FieldHashes``): only a plain dict is copied. (Built through
    # __init__ from the values in field order: copy.copy and dataclasses.replace go through
    # reflection, and stores copy every row in and out, twice per pair in an initial sync.)
    new = StatusRow(*_ROW_VALUES(row))
    if type(new.field_hashes) is not FieldHashes:
        new.field_hashes = dict(new.field_hashes)
    return new


def _copy_into(stored, row):
    """``stored`` made a copy of ``row`` (an UPDATE, where ``_copy`` is an INSERT): a row saved
    again (every new pair, twice in a run) costs no new object."""
    _FILL(stored, *_ROW_VALUES(row))
    if type(stored.field_hashes) is not FieldHashes:
        stored.field_hashes = dict(stored.field_hashes)


class MemoryStatusStore:
    """Status rows and tokens in dicts; rows are copied in and out like a database would.

    ``durable`` False plays a store whose writes only last if the whole run ends well (the
    Odoo store: one transaction per run); tests then ``restore`` a ``snapshot`` after a crash.
    """

    durable = True

    def __init__(self):
        self.rows = {}
        self.tokens = {}
        self.faults = Faults()
        self.saves = 0
        self.loads = 0  # full loads (tests check that quiet runs avoid them)

    def _hit(self, op, apply):
        mode = self.faults.take(op)
        _before(mode, op)
        apply()
        _after(mode, op)

    def load(self):
        self.loads += 1
        return [_copy(row) for row in self.rows.values()]

    def save(self, rows):
        rows = list(rows)
        self.saves += 1

        self._hit("save", lambda: self._store(rows))

    def _store(self, rows):
        """Write ``rows`` (once the save's fault, if any, lets it happen)."""
        stored_rows = self.rows
        for row in rows:
            stored = stored_rows.get(row.identity)
            if stored is None:
                stored_rows[row.identity] = _copy(row)
            else:
                _copy_into(stored, row)

    def remove(self, identities):
        identities = list(identities)
        self._hit("remove", lambda: [self.rows.pop(i, None) for i in identities])

    def get_token(self, side):
        return self.tokens.get(side)

    def set_token(self, side, token):
        self._hit("set_token", lambda: self.tokens.__setitem__(side, token))

    def forget_everything(self):
        """As if the status table were lost (a reinstall): the next run matches from scratch."""
        self.rows.clear()
        self.tokens.clear()

    def snapshot(self):
        return ({i: _copy(r) for i, r in self.rows.items()}, dict(self.tokens))

    def restore(self, state):
        rows, tokens = state
        self.rows = {i: _copy(r) for i, r in rows.items()}
        self.tokens = dict(tokens)


class IndexedMemoryStatusStore(MemoryStatusStore):
    """A status store that also offers the optional targeted look-ups of ``StatusStore``,
    answered from indexes the way a database would."""

    def __init__(self):
        super().__init__()
        self.by_id = {"local": {}, "remote": {}}  # id -> identity

    def _unindex(self, identity):
        row = self.rows.get(identity)
        if row is not None:
            for index, id_ in (
                (self.by_id["local"], row.local_id),
                (self.by_id["remote"], row.remote_id),
            ):
                if id_ is not None and index.get(id_) == identity:
                    del index[id_]

    def _store(self, rows):
        """Write ``rows`` and their index entries in one pass (a fault that stops the save
        before it happens leaves both as they were)."""
        stored_rows, by_local, by_remote = self.rows, self.by_id["local"], self.by_id["remote"]
        for row in rows:
            identity = row.identity
            stored = stored_rows.get(identity)
            if stored is None:
                stored = stored_rows[identity] = _copy(row)
            else:
                # A row saved again under the same ids (most saves) keeps its index entries.
                if (stored.local_id, stored.remote_id) != (row.local_id, row.remote_id):
                    self._unindex(identity)
                _copy_into(stored, row)
            if stored.local_id is not None:
                by_local[stored.local_id] = identity
            if stored.remote_id is not None:
                by_remote[stored.remote_id] = identity

    # Returns nothing, as the method it extends.
    # pylint: disable-next=missing-return
    def remove(self, identities):
        identities = list(identities)
        backup = {i: self.rows.get(i) for i in identities}
        for identity in identities:
            self._unindex(identity)
        try:
            super().remove(identities)
        finally:
            for identity, row in backup.items():  # re-index rows a crash left in place
                if row is not None and identity in self.rows:
                    for role in ("local", "remote"):
                        id_ = row.id_on(role)
                        if id_ is not None:
                            self.by_id[role][id_] = identity

    # Returns nothing, as the method it extends.
    # pylint: disable-next=missing-return
    def forget_everything(self):
        super().forget_everything()
        self.by_id = {"local": {}, "remote": {}}

    # Returns nothing, as the method it extends.
    # pylint: disable-next=missing-return
    def restore(self, state):
        super().restore(state)
        self.by_id = {"local": {}, "remote": {}}
        for identity, row in self.rows.items():
            for role in ("local", "remote"):
                id_ = row.id_on(role)
                if id_ is not None:
                    self.by_id[role][id_] = identity

    def lookup(self, local_ids, remote_ids, identities):
        wanted = set(identities)
        wanted.update(self.by_id["local"][i] for i in local_ids if i in self.by_id["local"])
        wanted.update(self.by_id["remote"][i] for i in remote_ids if i in self.by_id["remote"])
        return [_copy(self.rows[i]) for i in wanted if i in self.rows]

    def unsettled(self):
        # Few rows are unsettled at any time; a real store keeps a partial index on them.
        return [_copy(r) for r in self.rows.values() if r.recheck or r.pending]

    def totals(self):
        return len(self.by_id["local"]), len(self.by_id["remote"])
