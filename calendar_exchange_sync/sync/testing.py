"""In-memory ``Side`` and ``StatusStore`` for tests and benchmarks, with fault injection.

``MemorySide`` behaves like a careful Exchange mailbox: every write gets a new version, updates
and deletes check the version they name (``StaleVersion``), creates remember their identity,
and a change log gives incremental listings whose tokens can be invalidated
(``SyncStateInvalid``). ``user_*`` methods play a person editing the calendar directly.

Faults are queued with ``faults.add(op, mode)`` and hit the next matching call:

* ``"fail"``: nothing is done; batch operations answer a ``TransientError`` per item, reads
  raise it;
* ``"lost"``: the operation is done, then ``TransientError`` is raised (the answer was lost);
* ``"down"``: nothing is done and ``ConnectionFailed`` (mailbox-wide) is raised;
* ``"crash"`` / ``"crash_before"``: ``SimulatedCrash`` (not a ``SyncError``: the process
  died) after or before doing the operation.
"""

import copy
import dataclasses
import itertools
from datetime import datetime

from . import span
from .engine import ChangeSet, Fetched, OpResult, Remote
from .errors import ConnectionFailed, ItemNotFound, StaleVersion, SyncStateInvalid, TransientError
from .tz import UTC


class SimulatedCrash(Exception):
    """The worker died at this point (deliberately not a SyncError)."""


class Faults:
    """A queue of faults, each hitting the ``after``-th next call of ``op`` ``count`` times.

    ``op`` ``"*"`` matches any operation of that side or store.
    """

    def __init__(self):
        self.queue = []  # [op, mode, after, count]

    def add(self, op, mode, after=0, count=1):
        self.queue.append([op, mode, after, count])

    def clear(self):
        self.queue.clear()

    def take(self, op):
        """The mode of the fault hitting this call of ``op``, or None."""
        for fault in self.queue:
            if fault[0] not in (op, "*"):
                continue
            if fault[2] > 0:
                fault[2] -= 1
                return None
            fault[3] -= 1
            if fault[3] <= 0:
                self.queue.remove(fault)
            return fault[1]
        return None


def _before(mode, op):
    if mode == "crash_before":
        raise SimulatedCrash("crash before %s" % op)
    if mode == "down":
        raise ConnectionFailed("The simulated server is unreachable (%s)." % op)


def _after(mode, op):
    if mode == "lost":
        raise TransientError("The answer to %s was lost on the way back." % op)
    if mode == "crash":
        raise SimulatedCrash("crash after %s" % op)


@dataclasses.dataclass
class Stored:
    version: str
    item: object
    identity: str | None = None
    uid: str | None = None
    last_modified: datetime | None = None


class MemorySide:
    """A calendar held in a dict (see the module docstring)."""

    def __init__(self, name, prefix=None, clock=None, batch_size=50):
        self.name = name
        self.prefix = prefix or name[:1].upper()
        self.batch_size = batch_size
        self.clock = clock or (lambda: datetime.now(UTC))
        self.items = {}  # id -> Stored
        self.by_identity = {}  # identity -> id
        # (id, existed before this change) in change order; a token is an index into it
        self.log = []
        self.epoch = 0  # bumped to invalidate every token handed out
        self.faults = Faults()
        self.calls = {}  # op -> number of calls (tests assert on traffic)
        self.filter_window = True  # False: complete listings include entries of any age
        # True: a create naming the identity of an item still here answers that item and
        # creates nothing (Graph's transactionId); the engine then skips its look-ups.
        self.idempotent_creates = False
        self._ids = itertools.count(1)
        self._versions = itertools.count(1)

    # -- what a person does directly in this calendar -----------------------------------

    def user_create(self, item, uid=None):
        id_ = "%s%d" % (self.prefix, next(self._ids))
        self._store(id_, item, None, uid)
        return id_

    def user_update(self, id_, item):
        self._store(id_, item, self.items[id_].identity, self.items[id_].uid)

    def user_delete(self, id_):
        self._drop(id_)

    def user_move(self, id_):
        """The item gets a new id, keeping everything else (EWS: moved between folders)."""
        stored = self.items[id_]
        self._drop(id_)
        new_id = "%s%d" % (self.prefix, next(self._ids))
        self._store(new_id, stored.item, stored.identity, stored.uid)
        return new_id

    def invalidate_tokens(self):
        self.epoch += 1

    def snapshot(self):
        """The calendar's state, for ``restore`` (tests: a rolled-back Odoo transaction)."""
        return (dict(self.items), dict(self.by_identity), list(self.log))

    def restore(self, state):
        """Back to a ``snapshot`` (ids and versions handed out stay used, like sequences)."""
        items, by_identity, log = state
        self.items, self.by_identity, self.log = dict(items), dict(by_identity), list(log)

    def contents(self):
        return [stored.item for stored in self.items.values()]

    def _store(self, id_, item, identity, uid):
        version = "%sv%d" % (self.prefix, next(self._versions))
        self.log.append((id_, id_ in self.items))
        self.items[id_] = Stored(version, item, identity, uid, self.clock())
        if identity:
            self.by_identity.setdefault(identity, id_)
        return Remote(id_, version)

    def _drop(self, id_):
        stored = self.items.pop(id_)
        if stored.identity and self.by_identity.get(stored.identity) == id_:
            del self.by_identity[stored.identity]
        self.log.append((id_, True))

    def _count(self, op):
        self.calls[op] = self.calls.get(op, 0) + 1
        return self.faults.take(op)

    # -- the Side interface ----------------------------------------------------------------

    def list_changes(self, token, window):
        mode = self._count("list_changes")
        _before(mode, "list_changes")
        if mode == "fail":
            raise TransientError("The simulated server failed to list changes.")
        current = "%d:%d" % (self.epoch, len(self.log))
        if token is None:
            changed = {
                id_: s.version
                for id_, s in self.items.items()
                if not (self.filter_window and span.ended_before(s.item, window.start))
            }
            result = ChangeSet(changed, set(), current, True)
        else:
            epoch, _, position = token.partition(":")
            if int(epoch) != self.epoch:
                raise SyncStateInvalid("The simulated sync state expired.")
            existed = {}  # id -> did it exist when the token was handed out?
            for id_, before in self.log[int(position) :]:
                existed.setdefault(id_, before)
            changed = {i: self.items[i].version for i in existed if i in self.items}
            # Like EWS and Graph, an item created and deleted since the token is not reported.
            removed = {i for i, before in existed.items() if before and i not in self.items}
            result = ChangeSet(changed, removed, current, False)
        _after(mode, "list_changes")
        return result

    def fetch(self, ids):
        mode = self._count("fetch")
        _before(mode, "fetch")
        if mode == "fail":
            raise TransientError("The simulated server failed to read items.")
        result = {}
        for id_ in ids:
            stored = self.items.get(id_)
            if stored is not None:
                result[id_] = Fetched(
                    stored.version, stored.item, stored.identity, stored.uid, stored.last_modified
                )
        _after(mode, "fetch")
        return result

    def find_by_identity(self, identities):
        mode = self._count("find_by_identity")
        _before(mode, "find_by_identity")
        if mode == "fail":
            raise TransientError("The simulated server failed to search.")
        result = {}
        for identity in identities:
            id_ = self.by_identity.get(identity)
            if id_ is not None:
                result[identity] = Remote(id_, self.items[id_].version)
        _after(mode, "find_by_identity")
        return result

    def _batch(self, op, batch, one):
        mode = self._count(op)
        _before(mode, op)
        if mode == "fail":
            error = TransientError("The simulated server failed to %s." % op)
            return [OpResult.failure(error) for _ in batch]
        results = [one(*args) for args in batch]
        _after(mode, op)
        return results

    def create(self, batch):
        def one(identity, item):
            if self.idempotent_creates and identity in self.by_identity:
                id_ = self.by_identity[identity]
                return OpResult.success(Remote(id_, self.items[id_].version))
            id_ = "%s%d" % (self.prefix, next(self._ids))
            return OpResult.success(self._store(id_, item, identity, None))

        return self._batch("create", batch, one)

    def _check(self, id_, version):
        stored = self.items.get(id_)
        if stored is None:
            return ItemNotFound("Item %s no longer exists." % id_, item=id_)
        if stored.version != version:
            return StaleVersion("Item %s changed since it was read." % id_, item=id_)
        return None

    def update(self, batch):
        def one(id_, version, item):
            error = self._check(id_, version)
            if error:
                return OpResult.failure(error)
            stored = self.items[id_]
            return OpResult.success(self._store(id_, item, stored.identity, stored.uid))

        return self._batch("update", batch, one)

    def delete(self, batch):
        def one(id_, version):
            error = self._check(id_, version)
            if error:
                return OpResult.failure(error)
            self._drop(id_)
            return OpResult.success()

        return self._batch("delete", batch, one)


def _copy(row):
    # Rows hold only immutable values besides this dict: a shallow copy is a full copy.
    # (copy.copy, not dataclasses.replace: stores copy every row in and out, and replace runs
    # __init__ through reflection: a tenth of a 10,000-entry initial sync in bench/engine.py.)
    new = copy.copy(row)
    new.field_hashes = dict(row.field_hashes)
    return new


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
        rows = [_copy(row) for row in rows]
        self.saves += 1

        def apply():
            for row in rows:
                self.rows[row.identity] = row

        self._hit("save", apply)

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
            for role in ("local", "remote"):
                id_ = row.id_on(role)
                if id_ is not None and self.by_id[role].get(id_) == identity:
                    del self.by_id[role][id_]

    def save(self, rows):
        rows = list(rows)
        for row in rows:
            self._unindex(row.identity)
        try:
            super().save(rows)
        finally:
            for row in rows:  # index what is stored now (a crash_before left the old rows)
                stored = self.rows.get(row.identity)
                for role in ("local", "remote"):
                    id_ = stored.id_on(role) if stored is not None else None
                    if id_ is not None:
                        self.by_id[role][id_] = stored.identity

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

    def forget_everything(self):
        super().forget_everything()
        self.by_id = {"local": {}, "remote": {}}

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
