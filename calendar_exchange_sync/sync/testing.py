"""In-memory ``Side`` and ``StatusStore`` for tests and benchmarks, with fault injection.

``MemorySide`` behaves like a careful Exchange mailbox: every write gets a new version, updates
and deletes check the version they name (``StaleVersion``), creates remember their identity,
and a change log gives incremental listings whose tokens can be invalidated
(``SyncStateInvalid``). ``user_*`` methods play a person editing the calendar directly;
``user_break`` makes an item one the product cannot read (``Unreadable``) until it is edited.

Faults are queued with ``faults.add(op, mode)`` and hit the next matching call:

* ``"fail"``: nothing is done; batch operations answer a ``TransientError`` per item, reads
  raise it;
* ``"lost"``: the operation is done, then ``TransientError`` is raised (the answer was lost);
* ``"dup"``: a create is done twice (the second item, an extra copy with the same identity, is
  listed in ``extra_copies``), then its answer is lost: a create sent again blindly;
* ``"late"``: nothing is done now and ``TransientError`` is raised; the creates are carried out
  when the next call reaches this side (an answer that came after the client's time-out);
* ``"down"``: nothing is done and ``ConnectionFailed`` (mailbox-wide) is raised;
* ``"crash"`` / ``"crash_before"``: ``SimulatedCrash`` (not a ``SyncError``: the process
  died) after or before doing the operation.
"""

import itertools
from datetime import datetime

from . import span
from .engine import ChangeSet, Fetched, OpResult, Remote, Unreadable
from .errors import ItemNotFound, PermanentError, StaleVersion, SyncStateInvalid, TransientError
from .testing_faults import Faults, SimulatedCrash
from .testing_faults import after as _after
from .testing_faults import before as _before
from .testing_store import IndexedMemoryStatusStore, MemoryStatusStore
from .tz import UTC

# Tests import everything from here.
__all__ = [
    "Faults",
    "IndexedMemoryStatusStore",
    "MemorySide",
    "MemoryStatusStore",
    "SimulatedCrash",
]


class MemorySide:
    """A calendar held in a dict (see the module docstring).

    Each item is held as what ``fetch`` answers for it (a ``Fetched``: immutable, made anew by
    every write), so a read hands out the item as it is, as a server sends what it stores,
    instead of a copy of it per read (a first sync reads every item, and holds what it read
    until its end).
    """

    def __init__(self, name, prefix=None, clock=None, batch_size=50):
        self.name = name
        self.prefix = prefix or name[:1].upper()
        self.batch_size = batch_size
        self.clock = clock or (lambda: datetime.now(UTC))
        self.items = {}  # id -> Fetched (version, item, identity, uid, last_modified)
        self.by_identity = {}  # identity -> id
        # (id, existed before this change) in change order; a token is an index into it
        self.log = []
        self.epoch = 0  # bumped to invalidate every token handed out
        self.faults = Faults()
        self.calls = {}  # op -> number of calls (tests assert on traffic)
        self.filter_window = True  # False: complete listings include entries of any age
        self.broken = set()  # ids of items the product cannot read (see user_break)
        self.extra_copies = set()  # ids of items a "dup" or "late" fault made a second time
        self._late = []  # creates a "late" fault carries out when the next call comes
        # True: a create naming the identity of an item still here answers that item and
        # creates nothing (Graph's transactionId); the engine then skips its look-ups.
        self.idempotent_creates = False
        # True: like the Odoo side, an incremental listing also names the items created and
        # deleted since its token (Exchange's deltas stay silent about those).
        self.lists_every_removal = False
        # True: like the Odoo side, its writes and the status store's are one transaction (the
        # test world rolls both back on a crash); its creates are not announced.
        self.writes_with_status = False
        self._ids = itertools.count(1)
        self._versions = itertools.count(1)

    # -- what a person does directly in this calendar -----------------------------------

    def user_create(self, item, uid=None, identity=None):
        """A new item; ``identity``: it carries one, as Outlook's copy of an item keeps its
        extended properties (the item first given the identity stays the one found by it)."""
        id_ = "%s%d" % (self.prefix, next(self._ids))
        self._store(id_, item, identity, uid)
        return id_

    def user_update(self, id_, item):
        self.broken.discard(id_)
        self._store(id_, item, self.items[id_].identity, self.items[id_].uid)

    def user_break(self, id_):
        """The item becomes one the product cannot read (as an end before its start would)."""
        self.broken.add(id_)
        stored = self.items[id_]
        self._store(id_, stored.item, stored.identity, stored.uid)

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
        self.items[id_] = Fetched(version, item, identity, uid, self.clock())
        if identity:
            self.by_identity.setdefault(identity, id_)
        return Remote(id_, version)

    def _drop(self, id_):
        self.extra_copies.discard(id_)
        self.broken.discard(id_)
        stored = self.items.pop(id_)
        if stored.identity and self.by_identity.get(stored.identity) == id_:
            del self.by_identity[stored.identity]
        self.log.append((id_, True))

    def _count(self, op):
        self.calls[op] = self.calls.get(op, 0) + 1
        late, self._late = self._late, []
        for identity, item in late:  # carried out after the client had given up
            self._new(identity, item, copy=True)
        return self.faults.take(op)

    def _new(self, identity, item, copy=False):
        """Create an item; ``copy``: made by a fault, an extra copy if the identity is taken."""
        id_ = "%s%d" % (self.prefix, next(self._ids))
        if copy and identity in self.by_identity:
            self.extra_copies.add(id_)
        return self._store(id_, item, identity, None)

    # -- the Side interface ----------------------------------------------------------------

    def list_changes(self, token, window):
        mode = self._count("list_changes")
        _before(mode, "list_changes")
        if mode == "fail":
            raise TransientError("The simulated server failed to list changes.")
        current = "%d:%d" % (self.epoch, len(self.log))
        if token is None:
            if self.filter_window:  # (span's own function: no method call per item)
                ended, start = span.ended_before, window.start
                changed = {i: s.version for i, s in self.items.items() if not ended(s.item, start)}
            else:
                changed = {id_: s.version for id_, s in self.items.items()}
            result = ChangeSet(changed, set(), current, True)
        else:
            epoch, _, position = token.partition(":")
            if int(epoch) != self.epoch:
                raise SyncStateInvalid("The simulated sync state expired.")
            existed = {}  # id -> did it exist when the token was handed out?
            for id_, before in self.log[int(position) :]:
                existed.setdefault(id_, before)
            changed = {i: self.items[i].version for i in existed if i in self.items}
            # Like EWS and Graph, an item created and deleted since the token is not reported
            # (unless the side is one that lists every removal).
            removed = {
                i
                for i, before in existed.items()
                if (before or self.lists_every_removal) and i not in self.items
            }
            result = ChangeSet(changed, removed, current, False)
        _after(mode, "list_changes")
        return result

    def fetch(self, ids):
        mode = self._count("fetch")
        _before(mode, "fetch")
        if mode == "fail":
            raise TransientError("The simulated server failed to read items.")
        items, broken = self.items, self.broken
        result = {id_: items[id_] for id_ in ids if id_ in items}
        for id_ in broken.intersection(result) if broken else ():
            error = PermanentError("Item %s cannot be read." % id_, item=id_)
            result[id_] = Unreadable(error, items[id_].item.subject)
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

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, batch):
        mode = self.faults.queue and self._peek("create")
        if mode == "late":
            self._count("create")
            self._late.extend(batch)
            raise TransientError("The simulated server answered after the time-out.")

        def one(identity, item):
            if self.idempotent_creates and identity in self.by_identity:
                id_ = self.by_identity[identity]
                return OpResult.success(Remote(id_, self.items[id_].version))
            remote = self._new(identity, item)
            if mode == "dup":
                self._new(identity, item, copy=True)
            return OpResult.success(remote)

        return self._batch("create", batch, one)

    def _peek(self, op):
        """The mode the next call of ``op`` will meet, without using the fault up."""
        for fault in self.faults.queue:
            if fault[0] in (op, "*"):
                return fault[1] if fault[2] <= 0 else None
        return None

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
