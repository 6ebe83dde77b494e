"""Re-pairing a mailbox's entries when their Exchange ids changed under the sync.

When a company moves from Exchange on premises to Office 365 (or from EWS to Graph on the
same Exchange), every item keeps its UID and its extended properties (the Odoo identity of
the entries Odoo created), but the ids the status table holds are no longer valid: an EWS id
sent to Graph is "Id is malformed", and a moved mailbox's items have new ids anyway. Before
the first run on the new protocol every stored pair is found again:

1. a translated id (Graph's translateExchangeIds, where the mailbox is the same and Graph
   offers it) is taken when the listing has that item with the pair's UID or identity;
2. else the item carrying the pair's Odoo identity;
3. else the one item with the pair's UID.

A pair found keeps its row (its history: agreed content, field hashes, times), with the new
id and no known version, so the next run reads the item and compares it with what both
sides last agreed, exactly as after a change: nothing is created, deleted or sent. A pair not
found is reported: its item is not in the new mailbox.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class StoredPair:
    identity: str
    remote_id: str
    uid: str | None = None


@dataclasses.dataclass
class Repair:
    found: dict = dataclasses.field(default_factory=dict)  # identity -> Remote
    missing: list = dataclasses.field(default_factory=list)  # identities
    translated: int = 0  # how many were found through a translated id
    by_identity: int = 0
    by_uid: int = 0


def repair(pairs, listing, translated=None):
    """Match ``pairs`` (``StoredPair``) to ``listing`` ([(Remote, identity, uid)]).

    ``translated`` maps old ids to candidate new ids (from translateExchangeIds).
    """
    translated = translated or {}
    by_id = {remote.id: (remote, identity, uid) for remote, identity, uid in listing}
    by_identity = {identity: remote for remote, identity, _uid in listing if identity}
    by_uid = {}
    for remote, _identity, uid in listing:
        if uid:
            by_uid.setdefault(uid, []).append(remote)
    taken, result = set(), Repair()
    pending = []
    for pair in pairs:
        candidate = by_id.get(translated.get(pair.remote_id))
        if candidate is not None and candidate[0].id not in taken:
            remote, identity, uid = candidate
            if (pair.uid and uid == pair.uid) or (identity and identity == pair.identity):
                result.found[pair.identity] = remote
                result.translated += 1
                taken.add(remote.id)
                continue
        pending.append(pair)
    still = []
    for pair in pending:
        remote = by_identity.get(pair.identity)
        if remote is not None and remote.id not in taken:
            result.found[pair.identity] = remote
            result.by_identity += 1
            taken.add(remote.id)
        else:
            still.append(pair)
    for pair in still:
        free = [r for r in by_uid.get(pair.uid or "", ()) if r.id not in taken]
        if len(free) == 1:
            result.found[pair.identity] = free[0]
            result.by_uid += 1
            taken.add(free[0].id)
        else:
            result.missing.append(pair.identity)
    return result
