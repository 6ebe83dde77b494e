"""The mail folders of a mailbox and moving items between them.

Every mailbox has, besides ``calendar``, the folders meetings need: ``inbox`` (meeting
requests, responses and cancellations arrive there), ``sentitems`` (the copies a sender keeps),
``deleteditems`` (where Exchange moves a declined or cancelled meeting and a processed
request) and ``drafts`` (a response saved without sending). The names are EWS's
DistinguishedFolderId names.

A mixin of :class:`~exchange_simulator.store.Store` (it uses the store's lock, mailboxes and
change log).
"""

import copy

from .store_model import ItemNotFound, _new_change_key, _new_id

MAIL_FOLDERS = ("inbox", "sentitems", "deleteditems", "drafts")


class FoldersMixin:
    def move_item(self, smtp, item_id, folder):
        """Move a single item or a whole series to ``folder``; returns it under its new id.

        As on Exchange the moved item gets a new ItemId ("the item is copied and deleted rather
        than simply moved", EWS docs) and keeps its change key; the source folder's change
        log sees a delete and the target folder's a create.
        """
        with self._lock:
            box = self._mailbox(smtp)
            item = box.items.pop(item_id, None)
            if item is None:
                raise ItemNotFound(item_id)
            self._log(box, item.folder_id, item_id, "delete")
            item.id = _new_id("I")
            item.folder_id = box.folders[folder]
            item.last_modified = self.clock.now()
            box.items[item.id] = item
            self._log(box, item.folder_id, item.id, "create")
            return copy.deepcopy(item)

    def recreate_item(self, smtp, item_id):
        """Give an item a new id in its own folder (delete + create in the change log).

        Exchange 2007 and 2010 delete and re-create an attendee's calendar item each time a
        response is sent, so the item's id changes (EWS Managed API 2.0 documentation).
        """
        with self._lock:
            box = self._mailbox(smtp)
            item = box.items.pop(item_id, None)
            if item is None:
                raise ItemNotFound(item_id)
            self._log(box, item.folder_id, item_id, "delete")
            item.id = _new_id("I")
            item.change_key = _new_change_key()
            item.created = item.last_modified = self.clock.now()
            box.items[item.id] = item
            self._log(box, item.folder_id, item.id, "create")
            return copy.deepcopy(item)

    def folder_of(self, smtp, item_id):
        """The folder name an item lives in (occurrence ids: their master's folder)."""
        item = self.get_item(smtp, item_id)
        return self.folder_name(smtp, item.folder_id)
