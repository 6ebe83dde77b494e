"""An independent statement of what one synchronisation must produce, for the property test.

Given what both sides agreed on (``base``) and what each side holds now, ``expected`` says what
both sides must hold once the engine has run to quiet, straight from the behaviour in the brief:
the decision table, modify beats delete, fields changed on one side are merged, the policy
decides fields changed on both sides, "newest" by the last-modified stamps with the remote clock
corrected by the skew, a tie going to Odoo. *When* an entry happens merges as a unit (start,
end, all-day, zone, rule) except that, when both sides kept the same timing, each occurrence of
a series (regular, modified or deleted, keyed by its original start) merges on its own. It
shares no code with the engine on purpose: it compares values, the engine compares digests.
"""

from calendar_exchange_sync.sync.items import Occurrence, Recurrence

WHEN = ("start", "end", "all_day", "timezone", "recurrence")
OTHER = (
    "subject",
    "body",
    "location",
    "privacy",
    "show_as",
    "reminder_minutes",
    "organizer",
    "attendees",
    "categories",
    "activity_type",
)
GROUPS = [(name,) for name in OTHER]


def _values(item, group):
    content = item.content()
    return tuple(content[name] for name in group)


def _timing(item):
    content = item.content()
    rule = item.recurrence.rrule if item.recurrence else None
    return (content["start"], content["end"], content["all_day"], content["timezone"], rule)


def _occurrences(item):
    if item.recurrence is None:
        return {}
    states = {e.original_start: ("modified", e.item) for e in item.recurrence.exceptions}
    states.update(dict.fromkeys(item.recurrence.deleted, ("deleted",)))
    return states


def _when(base, left, right, remote_wins):
    """The values of WHEN both sides must end with."""
    here, there, agreed = ((_timing(x), _occurrences(x)) for x in (left, right, base))
    if there == agreed or here == there:
        source = left
    elif here == agreed:
        source = right
    elif here[0] != there[0]:
        source = right if remote_wins else left
    else:
        exceptions, deleted = [], set()
        for key in here[1].keys() | there[1].keys() | agreed[1].keys():
            mine, theirs, was = here[1].get(key), there[1].get(key), agreed[1].get(key)
            if theirs == was or theirs == mine:
                state = mine
            elif mine == was:
                state = theirs
            else:
                state = theirs if remote_wins else mine
            if state and state[0] == "modified":
                exceptions.append(Occurrence(key, state[1]))
            elif state:
                deleted.add(key)
        if left.recurrence is None:
            return {name: getattr(left, name) for name in WHEN}
        recurrence = Recurrence(left.recurrence.rrule, tuple(exceptions), frozenset(deleted))
        return dict({name: getattr(left, name) for name in WHEN}, recurrence=recurrence)
    return {name: getattr(source, name) for name in WHEN}


def expected(base, local, remote, policy, skew):
    """The item both sides must hold, or None when the entry must be gone.

    ``local`` / ``remote`` are ``(item, last_modified)`` or None when deleted; ``base`` is the
    agreed item or None for an entry created since.
    """
    if base is None:  # new on one side: copied to the other
        holder = local or remote
        return holder[0] if holder else None
    if local is None and remote is None:
        return None
    if local is None:  # deleted in Odoo: gone unless Exchange changed it meanwhile
        return remote[0] if remote[0] != base else None
    if remote is None:
        return local[0] if local[0] != base else None
    (left, left_time), (right, right_time) = local, remote
    remote_wins_conflicts = policy == "remote" or (
        policy == "newest" and right_time - skew > left_time
    )
    changes = _when(base, left, right, remote_wins_conflicts)
    for group in GROUPS:
        here, there, agreed = _values(left, group), _values(right, group), _values(base, group)
        if there == agreed or there == here:
            continue  # Exchange left it alone, or both agree
        if here == agreed or remote_wins_conflicts:
            changes.update({name: getattr(right, name) for name in group})
    return left.replace(**changes)
