"""The status rows one run works with, read from its ``StatusStore`` and saved back through it.

A run reads all the rows of the mailbox, or (when the store can look rows up, see
``sides.IndexedStatusStore``, and both listings are incremental) only the rows its listings and
unfinished work touch, so that a quiet run over a large mailbox stays cheap. Rows are kept by
identity and indexed by each side's id; the engine's helpers ask here instead of holding their
own copies.
"""

from .sides import ROLES

_TARGETED = ("lookup", "unsettled", "totals")


class RunRows:
    """The rows of one run (see the module docstring); ``names`` maps a role to its side's name,
    which fallback identities are made of."""

    def __init__(self, store, names):
        self.store = store
        self.names = names
        self._rows = {}  # identity -> StatusRow
        self._index = {role: {} for role in ROLES}  # role -> {id on that side: StatusRow}
        self._totals = None
        self.targeted = False
        # New pairs found equal on both sides, completed without a decision (see matching):
        # the applier saves them with the decisions that write nothing.
        self.agreed = []

    # -- reading ------------------------------------------------------------------------

    def load(self, changes):
        """Read the rows a run needs for ``changes`` (role -> ``ChangeSet``): all of them when
        a listing is complete, else (when the store can) the unsettled ones and those listed."""
        complete = any(c.complete for c in changes.values())
        self.targeted = not complete and all(hasattr(self.store, n) for n in _TARGETED)
        if self.targeted:
            self._add(self.store.unsettled())
            ids = {role: set(changes[role].changed) | set(changes[role].removed) for role in ROLES}
            self.more(ids["local"], ids["remote"])
        else:
            self._add(self.store.load())

    def more(self, local_ids=(), remote_ids=(), identities=()):
        """With targeted loading, read rows the run discovers it needs after all."""
        if self.targeted and (local_ids or remote_ids or identities):
            self._add(self.store.lookup(local_ids, remote_ids, identities))

    def more_on(self, role, ids):
        """``more`` for ids of one side."""
        if role == "local":
            self.more(local_ids=ids)
        else:
            self.more(remote_ids=ids)

    def _add(self, rows):
        for row in rows:
            if row.identity not in self._rows:
                self._rows[row.identity] = row
                self.index(row)

    def get(self, identity):
        return self._rows.get(identity)

    def all(self):
        return list(self._rows.values())

    def known(self, role):
        """``{id on that side: row}`` of the rows paired with an entry of that side."""
        return self._index[role]

    def total(self, role):
        """How many entries of that side are paired (the deletion guard's denominator)."""
        if not self.targeted:
            return len(self._index[role])
        if self._totals is None:  # asked only when a run deletes something
            self._totals = dict(zip(ROLES, self.store.totals(), strict=True))
        return self._totals[role]

    # -- keeping track ------------------------------------------------------------------

    def index(self, row):
        """Find ``row`` by its ids from now on."""
        for role in ROLES:
            if row.id_on(role) is not None:
                self._index[role][row.id_on(role)] = row

    def unindex(self, role, item_id):
        self._index[role].pop(item_id, None)

    def put(self, row):
        """Keep ``row`` under its identity (which no other new row may take now)."""
        self._rows[row.identity] = row

    def drop(self, identity):
        self._rows.pop(identity, None)

    def identity_for(self, preferred, role, item_id):
        """A free identity for a new pair: ``preferred`` if free, else ``"<side>:<id>"``."""
        if preferred and preferred not in self._rows:
            return preferred  # (every new pair asks: the fallback is only written when needed)
        name = self.names[role]
        fallback = "%s:%s" % (name, item_id)
        if fallback not in self._rows:
            return fallback
        n = 2
        while "%s:%s:%d" % (name, item_id, n) in self._rows:
            n += 1
        return "%s:%s:%d" % (name, item_id, n)

    # -- the store ----------------------------------------------------------------------

    def save(self, rows):
        self.store.save(rows)

    def remove(self, identities):
        self.store.remove(identities)

    def checkpoint(self):
        """The store's optional ``checkpoint()`` (see ``sides.StatusStore``): True to go on."""
        checkpoint = getattr(self.store, "checkpoint", None)
        return checkpoint() if checkpoint is not None else True
