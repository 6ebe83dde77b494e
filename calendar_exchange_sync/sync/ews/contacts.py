"""The contacts of one on-premises mailbox as a ``Side``, through exchangelib (EWS).

* The folder: a folder of contacts named by the company (``folder_name``, "Odoo" by default)
  under the mailbox's Contacts folder, found with FindFolder and created with CreateFolder when
  missing; or the Contacts folder itself (``folder_name`` None). Its id travels in the token
  (``{"folder": id, "state": SyncState}``), so a quiet run is one SyncFolderItems request. A
  folder that vanished (the user deleted it) answers ``SyncStateInvalid``: the engine then
  lists again from scratch, where the deletion guard stands between an empty folder and Odoo.
* Listing: SyncFolderItems (ids and change keys only). Reading: GetItem in batches of
  ``batch_size`` (SyncFolderItems cannot return a contact's body, the notes).
* Writing: CreateItem, UpdateItem and DeleteItem (to Deleted Items) in batches. An update sets
  only the mapped fields whose value changed since the contact was read, each with its own
  SetItemField or DeleteItemField, and of the dictionaries only the entries we map
  (EmailAddress1-3, BusinessPhone, MobilePhone, the Business address): a home phone, a home
  address, a nickname, a photo … stay as they are.
"""

import json

from exchangelib import Contact, ExtendedProperty, Q
from exchangelib.folders import Contacts, FolderCollection, Root
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress
from exchangelib.properties import DistinguishedFolderId, Mailbox
from exchangelib.services import CreateFolder

from .. import errors
from ..contacts.items import MAX_EMAILS, Address, ContactItem, file_as, join_name, split_name
from ..engine import ChangeSet, Fetched, OpResult, Remote
from ..tz import plain_utc
from .account import _UpdateItem, bulk_delete, make_account
from .errors import gone, item_error, mailbox_error, stale
from .mapping import PROPERTY_SET, body_html

EMAIL_LABELS = tuple("EmailAddress%d" % n for n in range(1, MAX_EMAILS + 1))
PHONE_LABELS = {"business_phone": "BusinessPhone", "mobile_phone": "MobilePhone"}
# The entries of exchangelib's indexed fields this side owns; the others are never written.
OWNED = {
    "email_addresses": set(EMAIL_LABELS),
    "phone_numbers": set(PHONE_LABELS.values()),
    "physical_addresses": {"Business"},
}
# ContactItem field -> the exchangelib fields it is written to.
WRITES = {
    "name": ("given_name", "middle_name", "surname", "display_name", "file_as"),
    "company": ("company_name", "display_name", "file_as"),
    "job_title": ("job_title",),
    "emails": ("email_addresses",),
    "business_phone": ("phone_numbers",),
    "mobile_phone": ("phone_numbers",),
    "address": ("physical_addresses",),
    "website": ("business_homepage",),
    "notes": ("body",),
    "categories": ("categories",),
}
READ = sorted({f for fields in WRITES.values() for f in fields})
READ += ["last_modified_time", "odoo_identity"]
MAX_CHANGES = 512
MANY = 20  # find_by_identity of this many identities lists the folder once instead
MAIN = "contacts"  # the token's folder when the Contacts folder itself is synchronised


class OdooContactIdentity(ExtendedProperty):
    property_set_id = PROPERTY_SET
    property_name = "OdooIdentity"
    property_type = "String"


if "odoo_identity" not in {f.name for f in Contact.FIELDS}:
    Contact.register("odoo_identity", OdooContactIdentity)


class _UpdateContacts(_UpdateItem):
    """UpdateItem writing only the dictionary entries this side owns (``OWNED``).

    exchangelib writes a whole dictionary: every label it did not get is deleted, which would
    wipe the user's home phone or home address. Here an owned label without a value is
    deleted, and the other labels are left alone.
    """

    def _owned(self, field):
        return OWNED.get(field.name, set())

    def _set_field_elems(self, target_model, field, value):
        owned = self._owned(field)
        if not owned:
            yield from super()._set_field_elems(target_model, field, value)
            return
        from exchangelib.fields import FieldPath

        subfields = field.value_cls.supported_fields(version=self.account.version)
        given = {v.label: v for v in value}
        for label in sorted(owned):
            entry = given.get(label)
            for subfield in subfields:
                path = FieldPath(field=field, label=label, subfield=subfield)
                part = getattr(entry, subfield.name) if entry is not None else None
                if part:
                    yield self._set_field_elem(
                        target_model=target_model,
                        field_path=path,
                        value=field.value_cls(**{"label": label, subfield.name: part}),
                    )
                else:
                    yield self._delete_field_elem(field_path=path)

    def _delete_field_elems(self, field):
        if not self._owned(field):
            yield from super()._delete_field_elems(field)
            return
        yield from self._set_field_elems(None, field, [])


def read_item(contact):
    """Our ``ContactItem`` of an exchangelib ``Contact``."""
    name = join_name(contact.given_name, contact.middle_name, contact.surname)
    emails = {e.label: e.email for e in contact.email_addresses or ()}
    phones = {p.label: p.phone_number for p in contact.phone_numbers or ()}
    business = next((a for a in contact.physical_addresses or () if a.label == "Business"), None)
    address = Address()
    if business is not None:
        address = Address(
            street=business.street or "",
            city=business.city or "",
            zip=business.zipcode or "",
            state=business.state or "",
            country=business.country or "",
        )
    return ContactItem(
        name=name or contact.display_name or "",
        company=contact.company_name or "",
        job_title=contact.job_title or "",
        emails=tuple(emails[label] for label in EMAIL_LABELS if emails.get(label)),
        business_phone=phones.get("BusinessPhone") or "",
        mobile_phone=phones.get("MobilePhone") or "",
        address=address,
        website=contact.business_homepage or "",
        notes=_text(contact.body),
        categories=tuple(contact.categories or ()),
    )


def _text(body):
    """A contact's notes as text: an HTML body (Outlook writes them) loses its markup."""
    if body is None:
        return ""
    if type(body).__name__ == "HTMLBody":
        from lxml import html

        try:
            root = html.fromstring(body_html(body) or "<p></p>")
        except ValueError:
            return ""
        for br in root.iter("br"):
            br.tail = "\n" + (br.tail or "")
        for block in root.iter("p", "div", "li", "tr"):
            block.tail = "\n" + (block.tail or "")
        return root.text_content()
    return str(body)


def fill(contact, item):
    """Set every written field of ``contact`` from ``item``."""
    given, middle, surname = ("", "", "") if item.is_company else split_name(item.name)
    contact.given_name, contact.middle_name = given or None, middle or None
    contact.surname = surname or None
    contact.display_name = item.name or item.company or None
    contact.file_as = file_as(given, surname, item.company) or None
    contact.company_name = item.company or None
    contact.job_title = item.job_title or None
    contact.email_addresses = [
        EmailAddress(label=label, email=email)
        for label, email in zip(EMAIL_LABELS, item.emails, strict=False)
    ] or None
    phones = [
        PhoneNumber(label=label, phone_number=getattr(item, attr))
        for attr, label in PHONE_LABELS.items()
        if getattr(item, attr)
    ]
    contact.phone_numbers = phones or None
    a = item.address
    contact.physical_addresses = (
        [
            PhysicalAddress(
                label="Business",
                street=a.street or None,
                city=a.city or None,
                state=a.state or None,
                country=a.country or None,
                zipcode=a.zip or None,
            )
        ]
        if a
        else None
    )
    contact.business_homepage = item.website or None
    contact.body = item.notes or None  # a str is a text body for exchangelib
    contact.categories = list(item.categories) or None
    return contact


def written_fields(item, before):
    """The exchangelib fields to write for ``item``; ``before`` is the contact as last read
    (None: unknown, write them all)."""
    names = item.changed_fields(before) if before is not None else set(WRITES)
    return sorted({f for name in names for f in WRITES[name]})


class EwsContactsSide:
    """The contacts folder of one mailbox (see the module docstring)."""

    name = "exchange"
    batch_size = 100

    def __init__(self, settings, mailbox, folder_name="Odoo", account=None):
        self.settings = settings
        self.mailbox = mailbox
        self.folder_name = folder_name
        self.account = account or make_account(settings, mailbox)
        self._folder = None
        self._current = {}  # id -> ContactItem as last read (for minimal updates)
        self._identities = None  # identity -> Remote of the whole folder, once listed

    def fail(self, exc):
        error = mailbox_error(exc, self.settings.endpoint, self.mailbox)
        if error is None:
            raise exc
        raise error from exc

    # -- the folder ------------------------------------------------------------------------

    def _root(self):
        owner = Mailbox(email_address=self.account.primary_smtp_address)
        return Root(
            account=self.account, _distinguished_id=DistinguishedFolderId(id="root", mailbox=owner)
        )

    def _contacts_root(self):
        owner = Mailbox(email_address=self.account.primary_smtp_address)
        return Contacts(
            root=self._root(),
            _distinguished_id=DistinguishedFolderId(id="contacts", mailbox=owner),
        )

    def _by_id(self, folder_id):
        return Contacts(root=self._root(), id=folder_id)

    def _find_or_create(self):
        """The folder to synchronise, found or created (two requests at most)."""
        contacts = self._contacts_root()
        if not self.folder_name:
            return contacts
        try:
            found = list(
                FolderCollection(account=self.account, folders=[contacts]).find_folders(
                    q=Q(name=self.folder_name), depth="Shallow"
                )
            )
            found = [f for f in found if not isinstance(f, Exception)]
            if found:
                return self._by_id(found[0].id)
            [created] = CreateFolder(account=self.account).call(
                parent_folder=contacts,
                folders=[Contacts(root=contacts.root, name=self.folder_name)],
            )
            if isinstance(created, Exception):
                raise created
            return self._by_id(created.id)
        except Exception as exc:
            self.fail(exc)

    def folder(self):
        if self._folder is None:
            self._folder = self._find_or_create()
        return self._folder

    # -- listing ---------------------------------------------------------------------------

    def list_changes(self, token, window):
        state = None
        if token:
            try:
                saved = json.loads(token)
                folder_id = saved["folder"]
                self._folder = (
                    self._contacts_root() if folder_id == MAIN else self._by_id(folder_id)
                )
                state = saved["state"]
            except (ValueError, TypeError, KeyError):
                raise errors.SyncStateInvalid(
                    "The stored contacts sync state of %s is not an EWS one; the contacts are "
                    "read again in full." % self.mailbox,
                    mailbox=self.mailbox,
                ) from None
        folder = self.folder()
        changes = ChangeSet(complete=token is None)
        try:
            for kind, obj in folder.sync_items(
                sync_state=state, only_fields=["id"], max_changes_returned=MAX_CHANGES
            ):
                if kind == "delete":
                    changes.removed.add(obj.id)
                    changes.changed.pop(obj.id, None)
                elif kind in ("create", "update"):
                    changes.changed[obj.id] = obj.changekey
                    changes.removed.discard(obj.id)
        except Exception as exc:
            if type(exc).__name__ == "ErrorFolderNotFound":
                self._folder = None
                raise errors.SyncStateInvalid(
                    "The contacts folder of %s is gone; it is looked up again." % self.mailbox,
                    mailbox=self.mailbox,
                ) from None
            self.fail(exc)
        folder_id = folder.id if self.folder_name else MAIN
        changes.token = json.dumps({"folder": folder_id, "state": folder.item_sync_state})
        return changes

    # -- reading ---------------------------------------------------------------------------

    def _read(self, ids, fields):
        found = {}
        if not ids:
            return found
        try:
            answers = list(
                self.account.fetch(
                    ids=[(i, None) for i in ids], folder=self.folder(), only_fields=fields
                )
            )
        except Exception as exc:
            self.fail(exc)
        for wanted, answer in zip(ids, answers, strict=True):
            if isinstance(answer, Exception):
                error = item_error(answer, wanted, self.mailbox)
                if isinstance(error, errors.ItemNotFound):
                    continue
                raise errors.TransientError(
                    "Exchange could not read a contact: %s" % error, item=wanted
                )
            if isinstance(answer, Contact):  # anything else in the folder is no contact
                found[wanted] = answer
        return found

    def fetch(self, ids):
        out = {}
        for item_id, contact in self._read(list(ids), READ).items():
            item = read_item(contact)
            self._current[item_id] = item
            out[item_id] = Fetched(
                version=contact.changekey,
                item=item,
                identity=contact.odoo_identity or None,
                last_modified=plain_utc(contact.last_modified_time),
            )
        return out

    def find_by_identity(self, identities):
        identities = [i for i in identities if i]
        found = {}
        if not identities:
            return found
        folder = self.folder()
        try:
            if self._identities is None and len(identities) >= MANY:
                # Many (an initial sync): one paged listing of the folder, kept for this run,
                # beats a search per identity.
                self._identities = {}
                for contact in folder.all().only("odoo_identity"):
                    identity = getattr(contact, "odoo_identity", None)
                    if identity:
                        self._identities[identity] = Remote(contact.id, contact.changekey)
            if self._identities is not None:
                return {i: self._identities[i] for i in identities if i in self._identities}
            query = folder.filter(odoo_identity__in=identities).only("odoo_identity")
            for contact in query:
                found[contact.odoo_identity] = Remote(contact.id, contact.changekey)
        except Exception as exc:
            self.fail(exc)
        return found

    # -- writing ---------------------------------------------------------------------------

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, batch):
        results = [None] * len(batch)
        contacts = []
        for identity, item in batch:
            contact = fill(Contact(account=self.account, folder=None), item)
            contact.odoo_identity = identity
            contacts.append(contact)
        try:
            answers = self.account.bulk_create(folder=self.folder(), items=contacts)
        except Exception as exc:
            self.fail(exc)
        for index, answer in enumerate(answers):
            if isinstance(answer, Exception):
                results[index] = OpResult.failure(item_error(answer, None, self.mailbox))
            else:
                results[index] = OpResult.success(Remote(answer.id, answer.changekey))
                if self._identities is not None and batch[index][0]:
                    self._identities[batch[index][0]] = results[index].remote
        return results

    def update(self, batch):
        results = [None] * len(batch)
        changes = []
        for index, (item_id, version, item) in enumerate(batch):
            fields = written_fields(item, self._current.get(item_id))
            contact = Contact(account=self.account, folder=self.folder(), id=item_id)
            contact.changekey = version
            changes.append((index, item_id, fill(contact, item), fields))
        writes = [c for c in changes if c[3]]
        for index, item_id, _contact, fields in changes:
            if not fields:  # nothing we map differs: nothing to write
                results[index] = OpResult.success(Remote(item_id, batch[index][1]))
        if writes:
            try:
                answers = list(
                    _UpdateContacts(account=self.account).call(
                        items=[(contact, fields) for _, _, contact, fields in writes],
                        conflict_resolution="NeverOverwrite",
                        message_disposition="SaveOnly",
                        send_meeting_invitations_or_cancellations="SendToNone",
                        suppress_read_receipts=True,
                    )
                )
            except Exception as exc:
                self.fail(exc)
            for (index, item_id, _, _), answer in zip(writes, answers, strict=True):
                if isinstance(answer, Exception):
                    results[index] = OpResult.failure(item_error(answer, item_id, self.mailbox))
                else:
                    self._current.pop(item_id, None)
                    results[index] = OpResult.success(Remote(answer[0], answer[1]))
        return results

    def delete(self, batch):
        """Delete to Deleted Items, after checking each change key (DeleteItem does not)."""
        results = [None] * len(batch)
        present = self._read([item_id for item_id, _ in batch], ["id"])
        doomed = []
        for index, (item_id, version) in enumerate(batch):
            now = present.get(item_id)
            if now is None:
                results[index] = OpResult.failure(item_error(gone(), item_id, self.mailbox))
            elif version and now.changekey != version:
                results[index] = OpResult.failure(item_error(stale(), item_id, self.mailbox))
            else:
                doomed.append((index, item_id, now.changekey))
        if doomed:
            try:
                answers = bulk_delete(self.account, [(i, key) for _, i, key in doomed])
            except Exception as exc:
                self.fail(exc)
            for (index, item_id, _), answer in zip(doomed, answers, strict=True):
                results[index] = (
                    OpResult.success()
                    if answer is True
                    else OpResult.failure(item_error(answer, item_id, self.mailbox))
                )
        return results


__all__ = ["EwsContactsSide", "fill", "read_item"]
