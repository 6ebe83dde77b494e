"""Initial matching: pairing entries that already exist on both sides instead of copying them.

When a listing is complete (first sync of a mailbox, a lost status, an expired token), new
entries of both sides are compared on subject (ignoring case), start, end, all-day and
recurrence rule; equal keys pair one to one, in id order. A pair has no agreed content yet, so
every field in which the two differ is settled by the conflict policy.
"""

import dataclasses

from .decisions import CHANGED, Seen, decide
from .sides import StatusRow


def typed(fetched, activity_type):
    """``fetched`` with its item's activity type set (no copy when it already is)."""
    if fetched.item.activity_type == activity_type or activity_type is None:
        return fetched
    return dataclasses.replace(fetched, item=fetched.item.replace(activity_type=activity_type))


def match_key(item):
    """What initial matching compares: subject, start, end, all-day and the recurrence rule."""
    rule = item.recurrence.rrule if item.recurrence else None
    return (item.subject.casefold(), item.start, item.end, item.all_day, rule)


def pair_new(run, new):
    """Pair new local and remote entries of an ``engine._Run`` that look the same.

    ``new`` maps "local"/"remote" to ``{id: Fetched}``; paired entries are removed from it.
    Returns the plans of the pairs, as ``(row, plan, local_seen, remote_seen)``.
    """
    key = run.opt.match_key
    by_key = {}
    for id_ in sorted(new["remote"]):
        by_key.setdefault(key(new["remote"][id_].item), []).append(id_)
    plans = []
    for id_ in sorted(new["local"]):
        got = new["local"][id_]
        candidates = by_key.get(key(got.item))
        if not candidates:
            continue
        remote_id = candidates.pop(0)
        remote_got = new["remote"].pop(remote_id)
        del new["local"][id_]
        if remote_got.item.activity_type is None:  # unknown to Exchange: keep Odoo's
            remote_got = typed(remote_got, got.item.activity_type)
        row = StatusRow(
            run.identity_for(got.identity or id_, "local", id_),
            local_id=id_,
            remote_id=remote_id,
            local_version=got.version,
            remote_version=remote_got.version,
        )
        run.rows[row.identity] = row  # reserve the identity
        local, remote = Seen(CHANGED, got), Seen(CHANGED, remote_got)
        plan = decide({}, local, remote, run.opt.policy, run.opt.clock_skew)
        plans.append((row, plan, local, remote))
        run.report.matched += 1
    return plans
