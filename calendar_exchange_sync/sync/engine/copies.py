"""Extra copies: an item carrying the identity of an entry that is already paired elsewhere.

Every item the engine creates carries its entry's identity. A second item with that identity,
while the paired one still exists, is the same entry made twice: a create whose answer was lost
and that was sent again (by a client retrying, or a proxy), or carried out late after the run
had given up on it. Importing it as a new entry would put the entry twice on both sides (the
copy imported, then exported again), so the copy is removed instead, when it holds nothing the
entry does not: its content is the content both sides agreed on, or that of the paired item
as read this run.

A copy that differs from both is somebody's work (Outlook's "copy" keeps the item's properties,
ours included, and the user may have moved it to another day): it is left to be a new entry of
its own, as before.
"""

from .decisions import CHANGED, Decision, Plan, Seen
from .sides import ROLES, StatusRow


def is_extra_copy(got, row, original):
    """Whether ``got`` (``Fetched``) is an extra copy of ``row``'s entry whose item on the same
    side is ``original`` (its ``Fetched`` this run, or None when it was not read)."""
    digest = got.item.content_hash()
    if digest == row.item_hash:
        return True
    return original is not None and digest == original.item.content_hash()


def removal(role, name, item_id, got):
    """The decision that deletes the extra copy ``item_id`` on ``role`` (its side is called
    ``name``). The row is a throwaway one: the entry's own row stays as it is."""
    row = StatusRow("copy:%s:%s" % (name, item_id), **{"%s_id" % role: item_id})
    plan = Plan(forget=True, copy=True, **{"%s_op" % role: "delete"})
    return Decision(row, plan, **{role: Seen(CHANGED, got)})


def of_new_pairs(new, seen, rows, sides):
    """The removals of new items (``new``: role -> {id: Fetched}, taken out of it) that carry
    the identity of a pair made this run, beside that pair's item on the same side: a create
    carried out twice whose run then lost its status, found again by a first sync. (A pair of
    an earlier run is ``_Run._adopt``'s.) ``seen`` holds what each side read this run."""
    removals = []
    for role in ROLES:
        for id_ in sorted(new[role]):
            got = new[role][id_]
            row = rows.get(got.identity) if got.identity else None
            if row is None or row.id_on(role) in (None, id_):
                continue
            if is_extra_copy(got, row, seen[role][0].get(row.id_on(role))):
                del new[role][id_]
                removals.append(removal(role, sides.name(role), id_, got))
    return removals
