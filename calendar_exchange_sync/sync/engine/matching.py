"""Pairing entries that already exist on both sides instead of copying them.

Initial matching: when a listing is complete (first sync of a mailbox, a lost status, an
expired token), new entries of both sides are compared on subject (ignoring case), start, end,
all-day and recurrence rule; equal keys pair one to one, in id order.

Pairing by identity: when the status store may have lost rows (a run killed before its
transaction committed, while the creates it sent had happened), a new entry whose identity is
already carried by an entry on the other side is that entry's twin, not something to create.

A pair formed either way has no agreed content yet, so every field in which the two differ is
settled by the conflict policy.
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
            recheck=True,  # new on both sides: see _twins
        )
        run.rows[row.identity] = row  # reserve the identity
        local, remote = Seen(CHANGED, got), Seen(CHANGED, remote_got)
        plan = decide({}, local, remote, run.opt.policy, run.opt.clock_skew)
        plans.append((row, plan, local, remote))
        run.report.matched += 1
    return plans


def _twins(run, new, planned, role, other):
    """Plans pairing new ``role`` entries with ``other`` entries carrying their identity."""
    by_identity = {identity: id_ for id_, identity in planned.items() if id_ in new[role]}
    found = {}
    for batch in run.batches(other, sorted(by_identity)):
        found.update(run.sides[other].find_by_identity(batch))
    run.more_rows(**{other + "_ids": [r.id for r in found.values()]})  # paired already?
    twins = {i: r.id for i, r in found.items() if r.id not in run.index[other]}
    unread = sorted(t for t in twins.values() if t not in new[other])
    read = {}
    for batch in run.batches(other, unread):
        read.update(run.sides[other].fetch(batch))
    plans = []
    for identity, twin_id in sorted(twins.items()):
        twin = new[other].pop(twin_id, None) or read.get(twin_id)
        if twin is None:
            continue  # gone meanwhile: create as planned
        got = new[role].pop(by_identity[identity])
        pair = {role: (by_identity[identity], got), other: (twin_id, twin)}
        row = StatusRow(
            identity,
            local_id=pair["local"][0],
            remote_id=pair["remote"][0],
            local_version=pair["local"][1].version,
            remote_version=pair["remote"][1].version,
            # Both entries are new since the stored tokens, like a create: read them again
            # until a token newer than they are is kept (``Applier.release``), or a deletion
            # of one of them before that would go unreported (created-then-deleted is silent).
            recheck=True,
        )
        run.rows[identity] = row
        local, remote = Seen(CHANGED, pair["local"][1]), Seen(CHANGED, pair["remote"][1])
        plans.append(
            (row, decide({}, local, remote, run.opt.policy, run.opt.clock_skew), local, remote)
        )
        run.report.matched += 1
    return plans


def pair_by_identity(run, new, outgoing, incoming):
    """Pair new entries with twins already carrying their identity on the other side.

    ``outgoing`` / ``incoming`` map new local / remote ids to the identity their create would
    carry; paired entries are removed from ``new``.
    """
    return _twins(run, new, outgoing, "local", "remote") + _twins(
        run, new, incoming, "remote", "local"
    )
