"""Contacts in the simulated mailboxes: Contacts folders and the contact items they hold.

A protocol-neutral shape (:class:`Contact`) both front ends map their wire formats to, so a
contact written through EWS reads back through Graph and the other way round, as on one real
mailbox. Every mailbox has its distinguished ``contacts`` folder (created with the mailbox's
first use of contacts) and may have folders of contacts under it (``create_contact_folder``),
as Outlook's "New Folder" makes them. Contacts share the mailbox's change log with the
calendar, each folder synchronising its own items (EWS SyncFolderItems, Graph delta).

The indexed fields keep Exchange's keys: ``emails`` by EmailAddress1..3, ``phones`` by
BusinessPhone, MobilePhone, HomePhone …, ``addresses`` by Business, Home, Other (each a dict of
street, city, state, country, postal_code). ``extra`` keeps what a client set that is not
modelled here, untouched.

A mixin of :class:`~exchange_simulator.store.Store` (its lock, mailboxes and change log).
Contacts are not written by ``--save`` (see persist.py): a restarted server has none.
"""

import copy
from dataclasses import dataclass, field, fields

from .store_model import ChangeKeyMismatch, ItemNotFound, StoreError, _new_change_key, _new_id

EMAIL_KEYS = ("EmailAddress1", "EmailAddress2", "EmailAddress3")
PHONE_KEYS = (
    "AssistantPhone BusinessFax BusinessPhone BusinessPhone2 Callback CarPhone CompanyMainPhone "
    "HomeFax HomePhone HomePhone2 Isdn MobilePhone OtherFax OtherTelephone Pager PrimaryPhone "
    "RadioPhone Telex TtyTddPhone"
).split()
ADDRESS_KEYS = ("Business", "Home", "Other")
ADDRESS_PARTS = ("street", "city", "state", "country", "postal_code")


class FolderExists(StoreError):
    """A folder of that name already exists under that parent (ErrorFolderExists)."""


@dataclass
class Contact:
    id: str = ""
    change_key: str = ""
    folder_id: str = ""
    created: object = None
    last_modified: object = None
    item_class: str = "IPM.Contact"
    given_name: str = ""
    middle_name: str = ""
    surname: str = ""
    display_name: str = ""
    file_as: str = ""
    company_name: str = ""
    job_title: str = ""
    department: str = ""
    nickname: str = ""
    emails: dict = field(default_factory=dict)  # EmailAddress1..3 -> address
    phones: dict = field(default_factory=dict)  # BusinessPhone, MobilePhone ... -> number
    addresses: dict = field(default_factory=dict)  # Business/Home/Other -> {part: text}
    business_home_page: str = ""
    body: str = ""
    body_type: str = "Text"  # Text or HTML
    categories: list = field(default_factory=list)
    extended_properties: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    # What the calendar code asks of any item of a mailbox.
    master_id: str = ""
    item_type: str = "Contact"
    is_read: bool = True


CONTACT_FIELDS = {f.name for f in fields(Contact)}
_ASSIGNED = {"id", "change_key", "folder_id", "created", "last_modified", "master_id"}


class ContactsMixin:
    """Contacts folders and items (see the module docstring)."""

    def _contact_folders(self, box):
        """{folder id: {"name", "parent"}} of a mailbox's contacts folders (created lazily)."""
        folders = self.__dict__.setdefault("_contacts", {})
        known = folders.get(box.smtp.lower())
        if known is None:
            contacts = box.folders.setdefault("contacts", _new_id("FC"))
            known = folders[box.smtp.lower()] = {contacts: {"name": "Contacts", "parent": None}}
        return known

    def contact_folders(self, smtp):
        """{folder id: {"name", "parent"}}: the Contacts folder (parent None) and those under."""
        with self._lock:
            return copy.deepcopy(self._contact_folders(self._mailbox(smtp)))

    def contacts_folder_id(self, smtp):
        with self._lock:
            box = self._mailbox(smtp)
            self._contact_folders(box)
            return box.folders["contacts"]

    def is_contact_folder(self, smtp, folder_id):
        with self._lock:
            return folder_id in self._contact_folders(self._mailbox(smtp))

    def create_contact_folder(self, smtp, parent_id, name):
        """A new contacts folder under ``parent_id`` (a contacts folder); returns its id."""
        with self._lock:
            box = self._mailbox(smtp)
            known = self._contact_folders(box)
            if parent_id not in known:
                raise ItemNotFound(parent_id)
            siblings = [f for f in known.values() if f["parent"] == parent_id]
            if any(f["name"].casefold() == name.casefold() for f in siblings):
                raise FolderExists(name)
            folder_id = _new_id("FC")
            known[folder_id] = {"name": name, "parent": parent_id}
            box.folders[folder_id] = folder_id  # items(), changes_since() know it by its id
            return folder_id

    def delete_contact_folder(self, smtp, folder_id):
        """Delete a folder under Contacts with its contacts (as a user may in Outlook)."""
        with self._lock:
            box = self._mailbox(smtp)
            known = self._contact_folders(box)
            if known.get(folder_id, {}).get("parent") is None:
                raise ItemNotFound(folder_id)
            for item_id in [i for i, c in box.items.items() if c.folder_id == folder_id]:
                del box.items[item_id]
                self._log(box, folder_id, item_id, "delete")
            del known[folder_id]
            box.folders.pop(folder_id, None)

    def create_contact(self, smtp, values, folder_id):
        unknown = set(values) - CONTACT_FIELDS
        if unknown:
            raise ValueError("unknown contact fields: %s" % ", ".join(sorted(unknown)))
        with self._lock:
            box = self._mailbox(smtp)
            if folder_id not in self._contact_folders(box):
                raise ItemNotFound(folder_id)
            item = Contact(**{k: copy.deepcopy(v) for k, v in values.items() if k not in _ASSIGNED})
            item.id = _new_id("C")
            item.change_key = _new_change_key()
            item.folder_id = folder_id
            item.created = item.last_modified = self.clock.now()
            box.items[item.id] = item
            self._log(box, folder_id, item.id, "create")
            return copy.deepcopy(item)

    def update_contact(self, smtp, item_id, changes, change_key=None):
        unknown = set(changes) - CONTACT_FIELDS
        if unknown:
            raise ValueError("unknown contact fields: %s" % ", ".join(sorted(unknown)))
        with self._lock:
            box = self._mailbox(smtp)
            item = box.items.get(item_id)
            if not isinstance(item, Contact):
                raise ItemNotFound(item_id)
            if change_key is not None and change_key != item.change_key:
                raise ChangeKeyMismatch(item_id)
            for name, value in changes.items():
                if name not in _ASSIGNED:
                    setattr(item, name, copy.deepcopy(value))
            self._touch(box, item)
            return copy.deepcopy(item)

    def is_contact(self, smtp, item_id):
        with self._lock:
            return isinstance(self._mailbox(smtp).items.get(item_id), Contact)

    def contacts(self, smtp, folder_id=None):
        """The contacts of one folder (default: the Contacts folder), oldest first."""
        with self._lock:
            box = self._mailbox(smtp)
            self._contact_folders(box)
            folder_id = folder_id or box.folders["contacts"]
            found = [c for c in box.items.values() if c.folder_id == folder_id]
            found.sort(key=lambda c: (c.created, c.id))
            return [copy.deepcopy(c) for c in found]
