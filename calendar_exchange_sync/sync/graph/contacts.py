"""The contacts of one Exchange Online mailbox as a ``Side``, through Microsoft Graph.

* The folder: a contact folder named by the company (``folder_name``, "Odoo" by default)
  under the mailbox's Contacts, found with ``GET /contactFolders?$filter=displayName eq``
  and created with a POST when missing; or the Contacts folder itself (``folder_name`` None).
  Its id travels in the token (``{"folder": id, "link": deltaLink}``), so a quiet run is one
  request: the delta link. A folder that vanished, or a token Graph no longer knows (410),
  answers ``SyncStateInvalid`` and the engine lists again from scratch.
* Listing: ``contactFolders/{id}/contacts/delta`` (``/contacts/delta`` for the Contacts
  folder). A delta page carries whole contacts: they are kept for ``fetch`` of this run, so an
  initial sync reads nothing twice. Contacts not listed this run are read with ``$batch``.
* Writing: ``$batch`` of 20; ``If-Match`` with the version we know; a PATCH carries only the
  properties whose mapped value changed, and of ``businessPhones`` keeps every number after
  the first (the business phone we map): Outlook's other details stay as they are.
"""

import json
from urllib.parse import quote

from .. import errors
from ..contacts.items import MAX_EMAILS, Address, ContactItem, file_as, join_name, split_name
from ..engine import ChangeSet, Fetched, OpResult, Remote
from . import mapping as gm
from .client import PREFER, GraphClient

EXPAND = "singleValueExtendedProperties($filter=id eq '%s')" % gm.IDENTITY_PROP
MANY = 10  # find_by_identity of this many identities lists the folder once instead
PAGE = PREFER + ", odata.maxpagesize=500"  # contacts per delta page
MAIN = "contacts"  # the token's folder when the Contacts folder itself is synchronised
# ContactItem field -> the Graph properties it is written to.
WRITES = {
    "name": ("givenName", "middleName", "surname", "displayName", "fileAs"),
    "company": ("companyName", "displayName", "fileAs"),
    "job_title": ("jobTitle",),
    "emails": ("emailAddresses",),
    "business_phone": ("businessPhones",),
    "mobile_phone": ("mobilePhone",),
    "address": ("businessAddress",),
    "website": ("businessHomePage",),
    "notes": ("personalNotes",),
    "categories": ("categories",),
}


def read_item(body):
    """Our ``ContactItem`` of a Graph contact."""
    name = join_name(body.get("givenName"), body.get("middleName"), body.get("surname"))
    address = body.get("businessAddress") or {}
    phones = body.get("businessPhones") or []
    emails = [e.get("address") for e in body.get("emailAddresses") or () if e.get("address")]
    return ContactItem(
        name=name or body.get("displayName") or "",
        company=body.get("companyName") or "",
        job_title=body.get("jobTitle") or "",
        emails=tuple(emails[:MAX_EMAILS]),
        business_phone=phones[0] if phones else "",
        mobile_phone=body.get("mobilePhone") or "",
        address=Address(
            street=address.get("street") or "",
            city=address.get("city") or "",
            zip=address.get("postalCode") or "",
            state=address.get("state") or "",
            country=address.get("countryOrRegion") or "",
        ),
        website=body.get("businessHomePage") or "",
        notes=body.get("personalNotes") or "",
        categories=tuple(body.get("categories") or ()),
    )


def to_body(item, current=None):
    """Every written property of ``item``; ``current`` (the contact as read) keeps the
    business phones after the first."""
    given, middle, surname = ("", "", "") if item.is_company else split_name(item.name)
    a = item.address
    others = list((current or {}).get("businessPhones") or [])[1:]
    return {
        "givenName": given,
        "middleName": middle,
        "surname": surname,
        "displayName": item.name or item.company,
        "fileAs": file_as(given, surname, item.company),
        "companyName": item.company,
        "jobTitle": item.job_title,
        "emailAddresses": [{"address": e, "name": e} for e in item.emails],
        "businessPhones": ([item.business_phone] if item.business_phone else []) + others,
        "mobilePhone": item.mobile_phone,
        "businessAddress": {
            "street": a.street,
            "city": a.city,
            "state": a.state,
            "countryOrRegion": a.country,
            "postalCode": a.zip,
        },
        "businessHomePage": item.website,
        "personalNotes": item.notes,
        "categories": list(item.categories),
    }


def patch_body(item, before, current):
    """Only the properties of the fields that changed since ``before`` (None: all)."""
    body = to_body(item, current)
    if before is None:
        return body
    names = {p for field in item.changed_fields(before) for p in WRITES[field]}
    return {k: v for k, v in body.items() if k in names}


def _pages(client, path, mailbox, page_size):
    """Every ``value`` of a collection, following ``@odata.nextLink``."""
    headers = {"Prefer": PREFER + ", odata.maxpagesize=%d" % page_size}
    body = client.request("GET", path, mailbox=mailbox, headers=headers)
    yield from body.get("value", ())
    while body.get("@odata.nextLink"):
        body = client.request("GET", body["@odata.nextLink"], mailbox=mailbox, headers=headers)
        yield from body.get("value", ())


class GraphContactsSide:
    """The contacts folder of ``mailbox`` in Exchange Online (see the module docstring)."""

    name = "exchange"
    batch_size = 20  # one $batch per engine batch

    def __init__(self, settings, mailbox, folder_name="Odoo", client=None):
        self.settings = settings
        self.mailbox = mailbox
        self.folder_name = folder_name
        self.client = client or GraphClient(settings)
        self.user = "/users/%s" % quote(mailbox, safe="@")
        self.folder_id = None
        self._bodies = {}  # id -> the contact as Graph last answered it (this run)
        self._identities = None  # identity -> Remote of the whole folder, once listed

    @property
    def clock_skew(self):
        return self.client.clock_skew

    def _contacts(self):
        """The path of the folder's contacts collection."""
        if self.folder_id == MAIN:
            return self.user + "/contacts"
        return "%s/contactFolders/%s/contacts" % (self.user, self.folder_id)

    def _find_or_create(self):
        if not self.folder_name:
            return MAIN
        literal = self.folder_name.replace("'", "''")
        found = self.client.request(
            "GET",
            "%s/contactFolders?$filter=%s"
            % (self.user, quote("displayName eq '%s'" % literal, safe="=")),
            mailbox=self.mailbox,
        )
        values = found.get("value") or []
        if values:
            return values[0]["id"]
        created = self.client.request(
            "POST",
            self.user + "/contactFolders",
            mailbox=self.mailbox,
            json={"displayName": self.folder_name},
        )
        return created["id"]

    # -- listing ---------------------------------------------------------------------------

    def list_changes(self, token, window):
        complete = not token
        if token:
            try:
                state = json.loads(token)
                self.folder_id, url = state["folder"], state["link"]
                if not str(url).startswith(self.client.base):
                    raise ValueError("another server's link")
            except (ValueError, TypeError, KeyError):
                raise errors.SyncStateInvalid(
                    "The stored contacts sync state of %s is not a Microsoft Graph one; the "
                    "contacts are read again in full." % self.mailbox,
                    mailbox=self.mailbox,
                ) from None
        else:
            self.folder_id = self._find_or_create()
            url = self._contacts() + "/delta"
        changed, removed = {}, set()
        while True:
            try:
                body = self.client.request(
                    "GET", url, mailbox=self.mailbox, headers={"Prefer": PAGE}
                )
            except errors.ItemNotFound:  # the folder is gone (the user deleted it)
                raise errors.SyncStateInvalid(
                    "The contacts folder of %s is gone; it is looked up again." % self.mailbox,
                    mailbox=self.mailbox,
                ) from None
            for contact in body.get("value", ()):
                if "@removed" in contact:
                    removed.add(contact["id"])
                    changed.pop(contact["id"], None)
                    continue
                changed[contact["id"]] = contact.get("@odata.etag", "")
                self._bodies[contact["id"]] = contact
                removed.discard(contact["id"])
            if body.get("@odata.nextLink"):
                url = body["@odata.nextLink"]
                continue
            link = body.get("@odata.deltaLink")
            break
        token = json.dumps({"folder": self.folder_id, "link": link})
        return ChangeSet(changed, set() if complete else removed, token, complete)

    # -- reading ---------------------------------------------------------------------------

    def _get(self, ids):
        members = [
            {"method": "GET", "url": "%s/contacts/%s?$expand=%s" % (self.user, i, quote(EXPAND))}
            for i in ids
        ]
        answers = self.client.batch(members, mailbox=self.mailbox) if members else []
        found = {}
        for item_id, (status, _headers, body) in zip(ids, answers, strict=True):
            code = ((body or {}).get("error") or {}).get("code")
            if status == 404 and code in ("ErrorItemNotFound", "ResourceNotFound"):
                continue
            if status >= 400:
                raise self.client.error(status, body, self.mailbox, item_id)
            found[item_id] = body
        return found

    def fetch(self, ids):
        ids = list(dict.fromkeys(ids))
        bodies = {i: self._bodies[i] for i in ids if i in self._bodies}
        bodies.update(self._get([i for i in ids if i not in bodies]))
        out = {}
        for item_id, body in bodies.items():
            self._bodies[item_id] = body
            out[item_id] = Fetched(
                version=body.get("@odata.etag", ""),
                item=read_item(body),
                identity=gm.identity_of(body),  # None when read from delta (not expanded)
                last_modified=gm.parse_stamp(body.get("lastModifiedDateTime")),
            )
        return out

    def find_by_identity(self, identities):
        identities = list(dict.fromkeys(i for i in identities if i))
        found = {}
        if self._identities is None and len(identities) >= MANY:
            # Many (an initial sync): one paged listing of the folder, kept for this run,
            # beats a search per identity.
            self._identities = {}
            path = "%s?$expand=%s&$select=id" % (self._contacts(), quote(EXPAND))
            for contact in _pages(self.client, path, self.mailbox, page_size=1000):
                identity = gm.identity_of(contact)
                if identity:
                    self._identities[identity] = Remote(
                        contact["id"], contact.get("@odata.etag", "")
                    )
        if self._identities is not None:
            return {i: self._identities[i] for i in identities if i in self._identities}
        query = "singleValueExtendedProperties/Any(ep: ep/id eq '%s' and ep/value eq '%s')"
        members = [
            {
                "method": "GET",
                "url": "%s?$filter=%s&$select=id"
                % (self._contacts(), quote(query % (gm.IDENTITY_PROP, i.replace("'", "''")))),
            }
            for i in identities
        ]
        answers = self.client.batch(members, mailbox=self.mailbox) if members else []
        for identity, (status, _headers, body) in zip(identities, answers, strict=True):
            if status >= 400:
                raise self.client.error(status, body, self.mailbox)
            values = body.get("value") or []
            if values:
                found[identity] = Remote(values[0]["id"], values[0].get("@odata.etag", ""))
        return found

    # -- writing ---------------------------------------------------------------------------

    def _results(self, answers, ids=None):
        results = []
        for n, (status, _headers, body) in enumerate(answers):
            item_id = ids[n] if ids else None
            if status >= 400:
                results.append(
                    OpResult.failure(self.client.error(status, body, self.mailbox, item_id))
                )
            elif body is None:
                results.append(OpResult.success())
            else:
                self._bodies.pop(body["id"], None)
                results.append(OpResult.success(Remote(body["id"], body.get("@odata.etag", ""))))
        return results

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, batch):
        members = []
        for identity, item in batch:
            body = to_body(item)
            if identity:
                body["singleValueExtendedProperties"] = [
                    {"id": gm.IDENTITY_PROP, "value": identity}
                ]
            members.append({"method": "POST", "url": self._contacts(), "body": body})
        results = self._results(self.client.batch(members, mailbox=self.mailbox))
        if self._identities is not None:
            for (identity, _item), result in zip(batch, results, strict=True):
                if result.ok and identity:
                    self._identities[identity] = result.remote
        return results

    def update(self, batch):
        results, members, slots = [None] * len(batch), [], []
        for index, (item_id, version, item) in enumerate(batch):
            current = self._bodies.get(item_id)
            before = read_item(current) if current is not None else None
            body = patch_body(item, before, current)
            if not body:  # nothing we map differs
                results[index] = OpResult.success(Remote(item_id, version))
                continue
            members.append(
                {
                    "method": "PATCH",
                    "url": "%s/contacts/%s" % (self.user, item_id),
                    "body": body,
                    "headers": {"If-Match": version} if version else {},
                }
            )
            slots.append(index)
        answers = self.client.batch(members, mailbox=self.mailbox) if members else []
        ids = [batch[i][0] for i in slots]
        for index, result in zip(slots, self._results(answers, ids), strict=True):
            results[index] = result
        return results

    def delete(self, batch):
        members = [
            {
                "method": "DELETE",
                "url": "%s/contacts/%s" % (self.user, item_id),
                "headers": {"If-Match": version} if version else {},
            }
            for item_id, version in batch
        ]
        answers = self.client.batch(members, mailbox=self.mailbox) if members else []
        return self._results(answers, [item_id for item_id, _ in batch])
