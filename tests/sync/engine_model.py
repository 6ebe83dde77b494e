"""An independent statement of what one synchronisation must produce, for the property test.

Given what both sides agreed on (``base``) and what each side holds now, ``expected`` says what
both sides must hold once the engine has run to quiet, straight from the behaviour in the brief:
the decision table, modify beats delete, fields changed on one side are merged, the policy
decides fields changed on both sides (start/end/zone/recurrence as one group), "newest" by the
last-modified stamps with the remote clock corrected by the skew, a tie going to Odoo. It shares
no code with the engine on purpose.
"""

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
GROUPS = [WHEN] + [(name,) for name in OTHER]


def _values(item, group):
    content = item.content()
    return tuple(content[name] for name in group)


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
    remote_wins_conflicts = policy == "exchange" or (
        policy == "newest" and right_time - skew > left_time
    )
    changes = {}
    for group in GROUPS:
        here, there, agreed = _values(left, group), _values(right, group), _values(base, group)
        if there == agreed or there == here:
            continue  # Exchange left it alone, or both agree
        if here == agreed or remote_wins_conflicts:
            changes.update({name: getattr(right, name) for name in group})
    return left.replace(**changes) if changes else left
