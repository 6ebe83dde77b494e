"""Odoo as the master of some pairs: their edits and deletions on the Exchange side are undone.

``SyncOptions.masters(local_ids)`` answers which of these Odoo ids overrule Exchange (all of
them when the company made Odoo the master for contacts; or the contacts the mailbox's owner may
not edit in Odoo). For such a pair whose Exchange side changed or went, the run does not take
the change: it writes Odoo's content back (an update, or a create for a deleted item), and the
report names it in ``overruled`` so the log says so. A pair whose Odoo side is gone is deleted
as usual; fields changed in Odoo travel as usual.
"""

from .decisions import GONE, UNCHANGED, Plan


def mastered(run, touched, seen, seen_of):
    """Identities of the ``touched`` rows whose Exchange change Odoo overrules; their Odoo side
    is read (into ``seen``) when the listing did not already. ``seen_of(role, row, seen)``
    is the run's judgement of one side of a row."""
    masters = run.opt.masters
    if masters is None:
        return set()
    candidates = []
    for row in touched:
        if row.pending or seen_of("remote", row, seen).state == UNCHANGED:
            continue
        if seen_of("local", row, seen).state != GONE:
            candidates.append(row)
    if not candidates:
        return set()
    chosen = set(masters([row.local_id for row in candidates]))
    rows = [row for row in candidates if row.local_id in chosen]
    fetched, gone = seen["local"]
    unread = [row.local_id for row in rows if row.local_id not in fetched]
    for batch in run.sides.batches("local", unread):
        answer = run.sides["local"].fetch(batch)
        fetched.update((i, answer[i]) for i in batch if i in answer)
    gone.update(i for i in unread if i not in fetched)  # vanished meanwhile: deleted as usual
    return {row.identity for row in rows if row.local_id in fetched}


def plan(local, remote, report):
    """The plan putting Odoo's content back on the Exchange side."""
    item = local.fetched.item
    if remote.state == GONE:
        report.overruled.append(item.subject)
        return Plan(remote_op="create", item=item)
    if remote.fetched.item == item:  # both ended up the same: nothing to undo
        return Plan(item=item)
    report.overruled.append(item.subject)
    return Plan(remote_op="update", item=item)
