"""Pairing entries that already exist on both sides instead of copying them.

Initial matching: when a listing is complete (first sync of a mailbox, a lost status, an
expired token), new entries of both sides are compared on subject (ignoring case), start, end,
all-day and recurrence rule; equal keys pair one to one, in id order.

Pairing by identity: when the status store may have lost rows (a run killed before its
transaction committed, while the creates it sent had happened), a new entry whose identity is
already carried by an entry on the other side is that entry's twin, not something to create.
Towards a side whose creates are idempotent by identity (``idempotent_creates``, Graph's
transactionId) the twins come from this run's listing alone, with no look-up per entry.

A pair formed either way has no agreed content yet, so every field in which the two differ is
settled by the conflict policy. A pair whose two entries already hold the same content (most
of a first sync) needs no decision at all: its row is completed as agreed here and handed to
the applier as it is (``RunRows.agreed``), without a plan and two ``Seen`` per pair.
"""

import dataclasses
from itertools import repeat

from .decisions import CHANGED, Decision, Seen, decide
from .sides import ROLES, Remote, StatusRow, other


def typed(fetched, activity_type):
    """``fetched`` with its item's activity type set (no copy when it already is)."""
    if fetched.item.activity_type == activity_type or activity_type is None:
        return fetched
    return dataclasses.replace(fetched, item=fetched.item.replace(activity_type=activity_type))


def match_key(item):
    """What initial matching compares: subject, start, end, all-day and the recurrence rule."""
    rule = item.recurrence.rrule if item.recurrence else None
    return (item.subject.casefold(), item.start, item.end, item.all_day, rule)


def _key_at(keys, stage):
    """The key of one stage from what ``SyncOptions.match_key`` answered: one key, or a list
    of keys tried one after the other (contacts: the e-mail address, then name and phone); a
    None key matches nothing."""
    if isinstance(keys, list):
        return keys[stage] if stage < len(keys) else None
    return keys if stage == 0 else None


def pair_new(new, rows, key, policy, clock_skew):
    """Pair new local and remote entries that look the same (initial matching).

    ``new`` maps "local"/"remote" to ``{id: Fetched}``; paired entries are removed from it.
    ``rows`` (``rows.RunRows``) gives the pairs free identities, ``key`` is
    ``SyncOptions.match_key`` (one key per item, or a list of keys tried in turn: every
    entry is first matched on its first key, the rest then on their second, and so on);
    ``policy`` and ``clock_skew`` settle the fields the two differ in. An entry pairs with
    one entry at most, the lowest remote id of its key first. Returns a ``Decision`` per pair
    that needs one; the rows of pairs already equal go to ``rows.agreed`` instead.
    """
    keys = {role: {id_: key(got.item) for id_, got in new[role].items()} for role in ROLES}
    everyone = list(keys["local"].values()) + list(keys["remote"].values())
    staged = any(map(isinstance, everyone, repeat(list)))  # (no Python call per entry)
    if staged:
        depth = max(len(k) if isinstance(k, list) else 1 for k in everyone)
    else:
        depth = 1 if everyone else 0
    del everyone
    local_new, remote_new = new["local"], new["remote"]
    decisions = []
    for stage in range(depth):
        if staged:
            at = {role: {i: _key_at(k, stage) for i, k in keys[role].items()} for role in ROLES}
        else:
            at = keys  # one key per entry: the keys of the only stage
        local_keys, remote_keys = at["local"], at["remote"]
        # key -> the remote id waiting for it, or a list of them when several share a key
        # (rare: no list per entry, a first sync of a large mailbox keeps memory for better).
        waiting = {}
        for id_ in sorted(remote_new):
            stage_key = remote_keys[id_]
            if stage_key is None:
                continue
            there = waiting.setdefault(stage_key, id_)
            if there is not id_:  # the key was taken: it is shared (a list of its ids)
                if type(there) is list:
                    there.append(id_)
                else:
                    waiting[stage_key] = [there, id_]
        for id_ in sorted(local_new):
            stage_key = local_keys[id_]
            there = waiting.pop(stage_key, None) if stage_key is not None else None
            if there is None:
                continue
            if type(there) is list:
                remote_id = there.pop(0)
                if there:
                    waiting[stage_key] = there
            else:
                remote_id = there
            got, remote_got = local_new.pop(id_), remote_new.pop(remote_id)
            decision = _pair(id_, got, remote_id, remote_got, rows, policy, clock_skew)
            if decision is not None:
                decisions.append(decision)
    return decisions


def _pair(id_, got, remote_id, remote_got, rows, policy, clock_skew):
    """The decision pairing new local entry ``id_`` with new remote entry ``remote_id`` (None
    when the two are equal: see ``_decision``)."""
    if remote_got.item.activity_type is None and got.item.activity_type is not None:
        remote_got = typed(remote_got, got.item.activity_type)  # unknown to Exchange: Odoo's
    identity = rows.identity_for(got.identity or id_, "local", id_)
    return _decision(identity, id_, got, remote_id, remote_got, policy, clock_skew, rows)


def _decision(identity, local_id, local_got, remote_id, remote_got, policy, clock_skew, rows):
    """The decision for a pair formed this run, whose row (``identity``, new on both sides so
    flagged ``recheck``: see ``_twins``) it makes and keeps in ``rows``. There is no agreed
    content, so every difference is a conflict the policy settles.

    When both entries hold the same content, no policy is asked and nothing is written: the
    row is made complete, as ``Applier`` would settle that decision (versions, last-modified
    times, UID, agreed content), kept in ``rows.agreed`` and None is returned. Item kinds that
    fill gaps from each other (contacts) always take the decision.
    """
    item = local_got.item
    if item == remote_got.item and not hasattr(item, "fill_gaps"):
        row = StatusRow(  # (every field in order, in one call: most of a first sync is here)
            identity,
            local_id,
            remote_id,
            local_got.version,
            remote_got.version,
            item.content_hash(),  # the agreed content, as row.agree(item)
            item.field_hashes(),
            item.activity_type,
            local_got.last_modified,
            remote_got.last_modified,
            remote_got.uid or local_got.uid or None,  # as Applier._settle: the remote UID first
            True,  # recheck
        )
        rows.put(row)
        rows.agreed.append(row)
        return None
    row = StatusRow(
        identity,
        local_id=local_id,
        remote_id=remote_id,
        local_version=local_got.version,
        remote_version=remote_got.version,
        recheck=True,
    )
    rows.put(row)  # reserve the identity
    local, remote = Seen(CHANGED, local_got), Seen(CHANGED, remote_got)
    return Decision(row, decide({}, local, remote, policy, clock_skew), local, remote)


def _twins(new, planned, role, sides, rows, policy, clock_skew):
    """Decisions pairing new ``role`` entries with entries of the other side carrying their
    identity."""
    other_role = other(role)
    by_identity = {identity: id_ for id_, identity in planned.items() if id_ in new[role]}
    found = {}
    if getattr(sides[other_role], "idempotent_creates", False):
        # A create on that side names its identity and is carried out at most once (Graph's
        # transactionId): a twin outside this run's listing is what the create answers. Only
        # the twins the listing brought need pairing, or they would come back as new entries.
        for twin_id in sorted(new[other_role], reverse=True):  # the lowest id wins
            identity = new[other_role][twin_id].identity
            if identity in by_identity:
                found[identity] = Remote(twin_id, new[other_role][twin_id].version)
    else:
        for batch in sides.batches(other_role, sorted(by_identity)):
            found.update(sides[other_role].find_by_identity(batch))
    rows.more_on(other_role, [r.id for r in found.values()])  # paired already?
    known = rows.known(other_role)
    twins = {i: r.id for i, r in found.items() if r.id not in known}
    unread = sorted(t for t in twins.values() if t not in new[other_role])
    read = {}
    for batch in sides.batches(other_role, unread):
        read.update(sides[other_role].fetch(batch))
    decisions = []
    for identity, twin_id in sorted(twins.items()):
        twin = new[other_role].pop(twin_id, None) or read.get(twin_id)
        if twin is None:
            continue  # gone meanwhile: create as planned
        got = new[role].pop(by_identity[identity])
        pair = {role: (by_identity[identity], got), other_role: (twin_id, twin)}
        # The row is flagged recheck: both entries are new since the stored tokens, like a
        # create, so they are read again until a token newer than they are is kept
        # (``Applier.release``), or a deletion of one of them before that would go unreported
        # (created-then-deleted is silent).
        (local_id, local_got), (remote_id, remote_got) = pair["local"], pair["remote"]
        decision = _decision(
            identity, local_id, local_got, remote_id, remote_got, policy, clock_skew, rows
        )
        if decision is not None:
            decisions.append(decision)
    return decisions


def pair_by_identity(new, outgoing, incoming, sides, rows, policy, clock_skew):
    """Pair new entries with twins already carrying their identity on the other side.

    ``outgoing`` / ``incoming`` map new local / remote ids to the identity their create would
    carry; paired entries are removed from ``new``. ``sides`` is the run's ``SidePair``, the
    rest as for ``pair_new``.
    """
    return _twins(new, outgoing, "local", sides, rows, policy, clock_skew) + _twins(
        new, incoming, "remote", sides, rows, policy, clock_skew
    )
