"""Moving a mailbox from one simulated server to another (on premises -> Exchange Online).

What a hybrid mailbox move does to the items, as far as a synchronising client sees it:
every item arrives in the target mailbox under a new id (ids are store ids: they never cross
servers), with its properties as they were: the UID (and so the Global Object Ids), the
extended properties (a client's own named properties travel with the item), the recurrence
with its modified and deleted occurrences, the attendees and responses, the times created
and last modified. The source server keeps the user but no mailbox any more: EWS
impersonation of it answers ErrorNonExistentMailbox there.

During a hybrid migration the target tenant knows every user (directory synchronisation) but
holds only the mailboxes already moved: Graph answers the others 404
MailboxNotEnabledForRESTAPI "The mailbox is either inactive, soft-deleted, or is hosted
on-premise." (seed users with ``"mailbox": false``; :func:`move_mailbox` turns that on).

``move_mailbox(source, target, smtp)`` takes two :class:`~exchange_simulator.simulator.Simulator`
objects (or anything with ``store`` and ``seed``) and answers ``{old id: new id}``.
"""

import copy

from .store_model import _new_id


def move_mailbox(source, target, smtp):
    """Move ``smtp``'s mailbox with everything in it from ``source`` to ``target``."""
    user = source.seed.find_user(smtp)
    display = source.store.display_name(smtp)
    # The stores' internals are used on purpose: a move is a server-side copy, below any
    # protocol (no change key, created or last-modified time is touched on the way).
    with source.store._lock:
        box = source.store._mailbox(smtp)
        folders = {fid: name for name, fid in box.folders.items()}
        items = [copy.deepcopy(item) for item in box.items.values()]
        del source.store._mailboxes[smtp.lower()]
    target.store.add_mailbox(smtp, display)
    id_map = {item.id: _new_id("I") for item in items}
    with target.store._lock:
        target_box = target.store._mailbox(smtp)
        for item in sorted(items, key=lambda i: (i.created, i.id)):
            item.id = id_map[item.id]
            item.folder_id = target_box.folders[folders.get(item.folder_id, "calendar")]
            if item.associated_id:
                item.associated_id = id_map.get(item.associated_id, "")
            target_box.items[item.id] = item
            target.store._log(target_box, item.folder_id, item.id, "create")
    target_user = target.seed.find_user(smtp)
    if target_user is not None:
        target_user.mailbox = True
    if user is not None and user.password and target_user is None:
        target.seed.users.append(copy.deepcopy(user))
    return id_map
