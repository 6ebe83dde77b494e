"""The deletion guard: a run holds deletions back instead of deleting too much of one side.

A failing server may answer "nothing" where there is a calendar; that must never wipe the other
side. When a run would delete more than ``deletion_limit`` of the paired entries of a side (and
at least ``deletion_min`` of them), or empty a side because the other one read empty in a
complete listing, those deletions are *held back*: nothing is deleted, every other change of the
run goes through, and the run reports what it held (``SyncReport.held``). Explicit deletions
listed incrementally are trusted below ``deletion_min``, so a user deleting their last two
entries is not held up.

A held deletion stays held, run after run (its row is flagged to be read again, so the side it
was deleted from keeps being checked, and the caller passes it back as ``held_deletions``, so
that it is held again whatever the share: deciding on some never lets the others through),
until someone decides (``SyncOptions``):

* ``confirmed_deletions``: these entries are deleted, whatever the share;
* ``restored_deletions``: these entries are created again on the side they were deleted from,
  from the side that still has them (never deleted, even when the guard would let them through).

``force_deletions`` of ``Engine.run`` lets every deletion of the run through (tests, scripts).
"""

import dataclasses

from .decisions import UNCHANGED, Plan, Seen
from .sides import ROLES, Unreadable, other


@dataclasses.dataclass(frozen=True)
class HeldDeletion:
    """One deletion the guard held back: the entry would be deleted on ``side`` (it is gone
    from the other side)."""

    side: str  # "local" or "remote": where the entry still is, and would be deleted
    identity: str
    item_id: str | None
    subject: str = ""
    start: object = None  # datetime or date, when the entry was read
    private: bool = False

    def to_dict(self):
        return dataclasses.asdict(self) | {"start": str(self.start) if self.start else None}


def deleting_side(decision):
    """The role a decision deletes an entry on ("local" or "remote"; an extra copy's removal
    is no deletion of an entry), or None."""
    if decision.plan.copy:
        return None
    for role in ROLES:
        if decision.plan.op_on(role) == "delete":
            return role
    return None


def restore(decision):
    """The decision that creates the entry again where it was deleted, instead of deleting it
    where it still is; None when that side was not read this run (the entry stays held)."""
    role = deleting_side(decision)
    fetched = decision.fetched_on(role)
    if fetched is None:
        return None
    target = other(role)
    ops = {"local_op": None, "remote_op": None, "%s_op" % target: "create"}
    return dataclasses.replace(decision, plan=Plan(item=fetched.item, **ops))


def read_restored(decisions, sides, restored):
    """``decisions`` with the entries to restore read where they still are (a restore needs
    their content; a pair whose other side was deleted is often not read otherwise)."""
    wanted = {}
    for index, decision in enumerate(decisions):
        role = deleting_side(decision)
        if role and decision.row.identity in restored and decision.fetched_on(role) is None:
            wanted.setdefault(role, []).append(index)
    decisions = list(decisions)
    for role, indexes in wanted.items():
        for batch in sides.batches(role, indexes):
            found = sides[role].fetch([decisions[i].row.id_on(role) for i in batch])
            for i in batch:
                got = found.get(decisions[i].row.id_on(role))
                if got is not None and not isinstance(got, Unreadable):
                    decisions[i] = dataclasses.replace(decisions[i], **{role: Seen(UNCHANGED, got)})
    return decisions


def hold_deletions(decisions, changes, total, options, force=False):
    """Split ``decisions`` into ``(to apply, held back)``.

    ``changes`` maps each role to its ``ChangeSet``, ``total(role)`` counts the paired entries
    of a side; ``options`` is the run's ``SyncOptions`` (limit, minimum, and the held,
    confirmed and restored identities).
    """
    confirmed, restored = options.confirmed_deletions, options.restored_deletions
    kept, held, deleting = [], [], {role: [] for role in ROLES}
    for decision in decisions:
        role = deleting_side(decision)
        identity = decision.row.identity
        if role is None or force or identity in confirmed:
            kept.append(decision)
        elif identity in restored:
            again = restore(decision)
            (kept if again is not None else held).append(again or decision)
        elif identity in options.held_deletions:
            held.append(decision)
        else:
            deleting[role].append(decision)
    for role in ROLES:
        count = len(deleting[role])
        if not count:
            continue
        paired = total(role)
        emptied = changes[other(role)].complete and count >= paired
        too_many = count > options.deletion_limit * paired
        if emptied or (too_many and count >= options.deletion_min):
            held += deleting[role]
        else:
            kept += deleting[role]
    return kept, held


def record_held(held, sides, rows, report):
    """Report the held ``Decision`` list (``report.held``) and flag their rows so that both
    sides are read again next run: the deletion is seen again, or it has been undone.

    ``sides`` and ``rows`` are the run's ``SidePair`` and ``RunRows``; an entry the run did not
    read is read here, only to name it."""
    read = {}
    for role in ROLES:
        unread = [d.row.id_on(role) for d in held
                  if deleting_side(d) == role and d.fetched_on(role) is None]  # fmt: skip
        for batch in sides.batches(role, unread):
            found = sides[role].fetch(batch)
            read.update((i, got) for i, got in found.items() if not isinstance(got, Unreadable))
    for decision in held:
        role = deleting_side(decision)
        row = decision.row
        fetched = decision.fetched_on(role) or read.get(row.id_on(role))
        item = fetched.item if fetched is not None else None
        report.held.append(
            HeldDeletion(
                side=role,
                identity=row.identity,
                item_id=row.id_on(role),
                subject=item.subject if item is not None else "",
                # a contact has neither a start nor a privacy of its own
                start=getattr(item, "start", None),
                private=item is None or getattr(item, "privacy", "") == "private",
            )
        )
        row.recheck, row.verify_side = True, None
    if held:
        rows.save([d.row for d in held])
