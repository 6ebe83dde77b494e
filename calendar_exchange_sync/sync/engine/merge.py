"""Merging *when* an entry happens: its timing, and for a series each occurrence on its own.

The timing of an entry is its start, end, all-day flag, zone and recurrence rule; these only
make sense together. For a series, each occurrence is in one of three states, keyed by its
original start: regular, modified (with its own content) or deleted. The merge:

* one side changed nothing of this: the other side's timing and occurrences are taken;
* both changed, with the same timing on both sides (unchanged, or moved the same way): each
  occurrence merges on its own, like a field: one side changed it -> that side's state; both
  changed it differently -> the policy decides that occurrence;
* both changed and the timings differ (one side moved the series or changed its rule, the
  other changed the rule too or changed occurrences keyed by the old timing): a conflict,
  decided by the policy for the timing and the occurrences together.

Everything is compared through ``CalendarItem.field_hashes()``, so the agreed state needs no
more than the status row keeps.
"""

from ..items import DELETED_KEY, EXCEPTION_KEY, RULE_KEY, Recurrence
from ..normalize import when_text

TIMING = ("start", "end", "all_day", "timezone", RULE_KEY)


def _timing(hashes):
    return tuple(hashes.get(key) for key in TIMING)


def _occurrences(hashes):
    """original start key -> state hash ("deleted", or the modified occurrence's digest)."""
    states = {}
    for key, value in hashes.items():
        if key.startswith(EXCEPTION_KEY):
            states[key[len(EXCEPTION_KEY) :]] = value
        elif key.startswith(DELETED_KEY):
            states[key[len(DELETED_KEY) :]] = value
    return states


def _parts(item):
    """original start key -> Occurrence, and key -> deleted original start, of a series."""
    rec = item.recurrence
    if rec is None:
        return {}, {}
    exceptions = {when_text(e.original_start): e for e in rec.exceptions}
    return exceptions, {when_text(d): d for d in rec.deleted}


def merge_when(base, local, remote, remote_wins):
    """Merge the *when* of two changed items against the agreed ``base`` field hashes.

    Returns ``(side, recurrence, conflict)``: take the timing (and occurrences) from ``side``
    (``"local"`` or ``"remote"``); when ``recurrence`` is not None it replaces the local
    item's, with occurrences merged one by one; ``conflict`` tells whether the policy decided
    something. ``remote_wins`` is the policy's answer for this pair.
    """
    lh, rh = local.field_hashes(), remote.field_hashes()
    lt, rt, bt = _timing(lh), _timing(rh), _timing(base)
    lo, ro, bo = _occurrences(lh), _occurrences(rh), _occurrences(base)
    local_changed, remote_changed = (lt, lo) != (bt, bo), (rt, ro) != (bt, bo)
    if not remote_changed or (lt, lo) == (rt, ro):
        return "local", None, False
    if not local_changed:
        return "remote", None, False
    if lt != rt:
        return ("remote" if remote_wins else "local"), None, True
    conflict = False
    chosen = {}  # occurrence key -> "local" / "remote": whose state the merge keeps
    for key in lo.keys() | ro.keys() | bo.keys():
        here, there, agreed = lo.get(key), ro.get(key), bo.get(key)
        if there == agreed or there == here:
            chosen[key] = "local"
        elif here == agreed:
            chosen[key] = "remote"
        else:
            conflict = True
            chosen[key] = "remote" if remote_wins else "local"
    if local.recurrence is None:  # both single entries: nothing to merge occurrence-wise
        return "local", None, conflict
    parts = {"local": _parts(local), "remote": _parts(remote)}
    exceptions, deleted = [], set()
    for key, side in chosen.items():
        side_exceptions, side_deleted = parts[side]
        if key in side_exceptions:
            exceptions.append(side_exceptions[key])
        elif key in side_deleted:
            deleted.add(side_deleted[key])
    merged = Recurrence(local.recurrence.rrule, tuple(exceptions), frozenset(deleted))
    return "local", merged, conflict
