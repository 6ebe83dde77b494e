"""What to do with one pair of items, from what each side did since both last agreed.

Each side of a known pair is in one of three states, judged against the status row:
*unchanged* (same version, or a new version with the agreed content), *changed* (content differs
from the agreed content) or *gone* (deleted). The decision table:

================  =======================  =======================  =======================
local \\ remote    unchanged                changed                  gone
================  =======================  =======================  =======================
unchanged         nothing                  update local ← remote    delete local
changed           update remote ← local    merge (see below)        recreate remote ← local
gone              delete remote            recreate local ← remote  forget the pair
================  =======================  =======================  =======================

Modify beats delete: a change on one side brings back an entry deleted on the other.

Merge: fields changed on one side only are taken from that side; fields changed on both sides
to different values are *conflicts*, decided by the policy: ``"local"`` (Odoo wins),
``"remote"`` (Exchange wins) or ``"newest"`` (the later last-modified wins, the remote clock
corrected by the measured skew; a tie goes to Odoo). *When* the entry happens (start, end,
all-day, zone, recurrence) merges as described in ``merge``: the timing as one unit, and
each occurrence of a series on its own. Items paired by initial matching have no agreed
content: every field in which they differ is a conflict.

New items (no status row) are handled by the engine: create on the other side, or pair by
initial matching.
"""

import dataclasses
from datetime import timedelta

from ..items import TIME_FIELDS
from .merge import merge_when

UNCHANGED = "unchanged"
CHANGED = "changed"
GONE = "gone"

POLICIES = ("newest", "local", "remote")

# Fields that merge as one unit: "when" the entry happens.
WHEN = TIME_FIELDS | {"recurrence"}
_NO_CONFLICTS = frozenset()  # one object for the plans of every pair without a conflict


@dataclasses.dataclass(frozen=True, slots=True)
class Seen:
    """One side of a pair this run: its state and, when read, what ``Side.fetch`` answered."""

    state: str
    fetched: object = None  # sides.Fetched, present for CHANGED (and UNCHANGED when read)


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    """The decision for one pair: an operation per side and the content both should hold.

    ``local_op`` / ``remote_op`` are None, ``"update"``, ``"create"`` or ``"delete"``.
    ``item`` is the content agreed after the operations (None when the pair disappears).
    """

    local_op: str | None = None
    remote_op: str | None = None
    item: object = None
    forget: bool = False
    conflicts: frozenset = _NO_CONFLICTS
    # Removes an extra copy of an entry (a create the server carried out twice), not the entry:
    # the deletion guard does not count it.
    copy: bool = False

    @property
    def writes(self):
        return (self.local_op is not None) + (self.remote_op is not None)

    def op_on(self, role):
        return self.local_op if role == "local" else self.remote_op

    @property
    def creates_on(self):
        """The side this plan creates an entry on, or None."""
        if self.remote_op == "create":
            return "remote"
        return "local" if self.local_op == "create" else None


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    """One pair of this run: its status row, its plan, and what each side showed (``Seen``,
    None for the side a new entry does not exist on yet)."""

    row: object  # sides.StatusRow
    plan: Plan
    local: Seen | None = None
    remote: Seen | None = None

    def seen_on(self, role):
        return self.local if role == "local" else self.remote

    def fetched_on(self, role):
        """What ``Side.fetch`` answered for that side this run, or None when it was not read."""
        seen = self.seen_on(role)
        return seen.fetched if seen is not None else None


def _groups(fields):
    return {"when" if name in WHEN else name for name in fields}


def winner(policy, local_fetched, remote_fetched, clock_skew):
    """``"local"`` or ``"remote"``: whose value a conflicting field keeps under ``policy``.

    ``clock_skew`` is the remote clock minus the local clock (a timedelta), measured by the
    caller; the remote last-modified is brought onto the local clock before comparing.
    """
    if policy in ("local", "remote"):
        return policy
    if policy != "newest":
        raise ValueError("unknown conflict policy %r (use one of %s)" % (policy, POLICIES))
    # To the second: EWS writes whole seconds and the skew comes from Date headers (no
    # fraction either), so the order of two edits within one second is unknown: a tie.
    clock_skew = timedelta(seconds=round((clock_skew or timedelta(0)).total_seconds()))
    local_time = local_fetched.last_modified
    remote_time = remote_fetched.last_modified
    if local_time is None or remote_time is None:
        return "local" if remote_time is None else "remote"
    later = (remote_time - clock_skew).replace(microsecond=0) > local_time.replace(microsecond=0)
    return "remote" if later else "local"


def merge(base_fields, local_fetched, remote_fetched, policy, clock_skew):
    """Three-way merge of two changed versions of an item; returns ``(item, conflicts)``.

    ``base_fields`` is the agreed ``field_hashes()`` (empty when there is no agreed state).
    """
    local, remote = local_fetched.item, remote_fetched.item
    if not base_fields and hasattr(local, "fill_gaps"):
        # A pair just found by initial matching, of an item kind that says how: what only one
        # side has is no conflict (a contact's phone known on one side only is kept).
        local, remote = local.fill_gaps(remote), remote.fill_gaps(local)
    if local == remote:  # e.g. a pair found by initial matching: nothing to merge
        return local, _NO_CONFLICTS
    remote_wins = winner(policy, local_fetched, remote_fetched, clock_skew) == "remote"
    local_changed = _groups(local.changed_fields(base_fields)) - {"when"}
    remote_changed = _groups(remote.changed_fields(base_fields)) - {"when"}
    local_content, remote_content = local.content(), remote.content()
    conflicts = {
        group
        for group in local_changed & remote_changed
        if local_content.get(group) != remote_content.get(group)  # "response": copies only
    }
    take_remote = remote_changed - local_changed
    if remote_wins:
        take_remote |= conflicts
    changes = {name: getattr(remote, name) for name in take_remote}
    side, recurrence, when_conflict = merge_when(base_fields, local, remote, remote_wins)
    if when_conflict:
        conflicts.add("when")
    if side == "remote":
        changes.update({name: getattr(remote, name) for name in WHEN})
    elif recurrence is not None and recurrence != local.recurrence:
        changes["recurrence"] = recurrence
    conflicts = frozenset(conflicts) if conflicts else _NO_CONFLICTS
    if not changes:
        return local, conflicts
    try:
        return local.replace(**changes), conflicts
    except (TypeError, ValueError):
        # The mix is not a valid entry (should not happen: timing travels as one unit): keep
        # the policy winner's whole item rather than invent one.
        return (remote if remote_wins else local), conflicts


def decide(base_fields, local, remote, policy="newest", clock_skew=None):
    """The ``Plan`` for a known pair from its two ``Seen`` states (the table above)."""
    states = (local.state, remote.state)
    if states == (UNCHANGED, UNCHANGED):
        return Plan(item=None)
    if states == (GONE, GONE):
        return Plan(forget=True)
    if states == (UNCHANGED, CHANGED):
        return Plan(local_op="update", item=remote.fetched.item)
    if states == (CHANGED, UNCHANGED):
        return Plan(remote_op="update", item=local.fetched.item)
    if states == (UNCHANGED, GONE):
        return Plan(local_op="delete", forget=True)
    if states == (GONE, UNCHANGED):
        return Plan(remote_op="delete", forget=True)
    if states == (CHANGED, GONE):
        return Plan(remote_op="create", item=local.fetched.item)
    if states == (GONE, CHANGED):
        return Plan(local_op="create", item=remote.fetched.item)
    # Changed on both sides.
    item, conflicts = merge(base_fields, local.fetched, remote.fetched, policy, clock_skew)
    # Compared with what each side holds: a gap filled by the merge is a write as well.
    return Plan(
        local_op="update" if item != local.fetched.item else None,
        remote_op="update" if item != remote.fetched.item else None,
        item=item,
        conflicts=conflicts,
    )
