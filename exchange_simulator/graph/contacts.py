"""Graph contacts: ``/users/{id}/contactFolders``, ``/contacts``, ``/contacts/delta`` and
the same under one folder (``/contactFolders/{id}/contacts...``), on the store's contacts.

What Graph does and this does too (Microsoft Learn, "contact resource type", "contact: delta",
"List contactFolders"):

- ``/contactFolders`` lists the folders under the default Contacts folder (not that folder
  itself), with ``$filter=displayName eq '...'``; POST creates one (409 ErrorFolderExists for
  a name already used there);
- a contact's dictionaries are lists: ``emailAddresses`` (EmailAddress1..3 in order, each
  ``{name, address}``), ``businessPhones`` (BusinessPhone, BusinessPhone2), ``homePhones``,
  ``mobilePhone``, and three addresses; ``personalNotes`` is the contact's notes as text;
- PATCH replaces the properties it names, whole (a list or an address object), and leaves the
  others; ``If-Match`` with a stale etag is 412;
- delta rounds return every contact of the folder, then only what changed, with
  ``@removed`` for deleted ones; a token older than the change log is 410;
- contacts routes need the application permission Contacts.ReadWrite.
"""

import base64
import json
import re

from ..contacts import FolderExists
from ..store import ChangeKeyMismatch, ItemNotFound, SyncStateExpired
from . import events
from .request import GraphError

ROLE = "Contacts.ReadWrite"
USER = r"/users/(?P<user>[^/]+)"
FOLDER = r"/contactFolders/(?P<folder>[^/]+)"
_PATH = re.compile(r"^/users/[^/]+/(contacts|contactFolders)(/|$)", re.IGNORECASE)
_NAME_FILTER = re.compile(r"^displayName\s+eq\s+'(?P<name>(?:[^']|'')*)'$", re.IGNORECASE)


def is_contacts_path(path):
    return bool(_PATH.match(path))


def check_role(path, claims):
    """Contacts need Contacts.ReadWrite (the gate checks Calendars.ReadWrite for the rest)."""
    if is_contacts_path(path) and claims.get("idtyp") == "app" and ROLE not in claims["roles"]:
        raise GraphError(
            403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
        )


# -- store <-> JSON ----------------------------------------------------------------------


def _gid(ctx, store_id):
    return events.to_graph_id(store_id, ctx.call.view.immutable)


def _sid(graph_id):
    store_id = events.from_graph_id(graph_id)
    if store_id is None:
        raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
    return store_id


def _address(parts):
    parts = parts or {}
    return {
        "street": parts.get("street", ""),
        "city": parts.get("city", ""),
        "state": parts.get("state", ""),
        "countryOrRegion": parts.get("country", ""),
        "postalCode": parts.get("postal_code", ""),
    }


def to_json(ctx, item):
    phones = item.phones
    out = {
        "@odata.etag": events.etag(item.change_key),
        "id": _gid(ctx, item.id),
        "createdDateTime": item.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lastModifiedDateTime": item.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "changeKey": item.change_key,
        "categories": list(item.categories),
        "parentFolderId": _gid(ctx, item.folder_id),
        "fileAs": item.file_as,
        "displayName": item.display_name,
        "givenName": item.given_name or None,
        "middleName": item.middle_name or None,
        "surname": item.surname or None,
        "nickName": item.nickname or None,
        "companyName": item.company_name or None,
        "jobTitle": item.job_title or None,
        "department": item.department or None,
        "businessHomePage": item.business_home_page or None,
        "emailAddresses": [
            {"name": address, "address": address}
            for key, address in sorted(item.emails.items())
            if address
        ],
        "businessPhones": [phones[k] for k in ("BusinessPhone", "BusinessPhone2") if k in phones],
        "homePhones": [phones[k] for k in ("HomePhone", "HomePhone2") if k in phones],
        "mobilePhone": phones.get("MobilePhone"),
        "businessAddress": _address(item.addresses.get("Business")),
        "homeAddress": _address(item.addresses.get("Home")),
        "otherAddress": _address(item.addresses.get("Other")),
        "personalNotes": item.body if item.body_type == "Text" else _text(item.body),
    }
    ext_ids = ctx.call.view.ext_ids
    if ext_ids is not None:
        props = [
            {"id": events.ext_id(key), "value": value}
            for key, value in item.extended_properties.items()
            if key in ext_ids
        ]
        if props:
            out["singleValueExtendedProperties"] = props
    return out


def _text(html):
    from ..bodies import html_to_text

    return html_to_text(html)


def _strings(body, name):
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GraphError(400, "RequestBodyRead", "%s must be a list of strings." % name)
    return value


def _parts(value, name):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise GraphError(400, "RequestBodyRead", "%s must be a physicalAddress." % name)
    names = {"street", "city", "state", "countryOrRegion", "postalCode"}
    unknown = set(value) - names - {"@odata.type"}
    if unknown:
        raise GraphError(400, "RequestBodyRead", "Unknown address property %s." % min(unknown))
    mapping = {"countryOrRegion": "country", "postalCode": "postal_code"}
    return {mapping.get(k, k): v for k, v in value.items() if k in names and v}


SIMPLE = {
    "givenName": "given_name",
    "middleName": "middle_name",
    "surname": "surname",
    "displayName": "display_name",
    "fileAs": "file_as",
    "nickName": "nickname",
    "companyName": "company_name",
    "jobTitle": "job_title",
    "department": "department",
    "businessHomePage": "business_home_page",
}
READ_ONLY = {"id", "changeKey", "createdDateTime", "lastModifiedDateTime", "parentFolderId"}


def to_store(body, current=None):
    """Store changes from a contact JSON body (a POST, or a PATCH on ``current``)."""
    if not isinstance(body, dict):
        raise GraphError(400, "RequestBodyRead", "The body must be a contact.")
    values = {}
    phones = dict(current.phones) if current else {}
    addresses = {k: dict(v) for k, v in (current.addresses if current else {}).items()}
    for name, value in body.items():
        if name.startswith("@odata."):
            continue
        if name in READ_ONLY:
            continue  # Graph ignores read-only properties it is sent
        if name in SIMPLE:
            if value is not None and not isinstance(value, str):
                raise GraphError(400, "RequestBodyRead", "%s must be a string." % name)
            values[SIMPLE[name]] = value or ""
        elif name == "emailAddresses":
            if not isinstance(value or [], list) or len(value or []) > 3:
                raise GraphError(400, "ErrorInvalidRequest", "At most three e-mail addresses.")
            values["emails"] = {
                "EmailAddress%d" % (n + 1): (entry or {}).get("address") or ""
                for n, entry in enumerate(value or [])
                if (entry or {}).get("address")
            }
        elif name in ("businessPhones", "homePhones"):
            keys = ("BusinessPhone", "BusinessPhone2") if name == "businessPhones" else (
                "HomePhone", "HomePhone2")  # fmt: skip
            given = _strings(body, name)
            for n, key in enumerate(keys):
                if n < len(given) and given[n]:
                    phones[key] = given[n]
                else:
                    phones.pop(key, None)
        elif name == "mobilePhone":
            if value:
                phones["MobilePhone"] = value
            else:
                phones.pop("MobilePhone", None)
        elif name in ("businessAddress", "homeAddress", "otherAddress"):
            key = {"businessAddress": "Business", "homeAddress": "Home"}.get(name, "Other")
            parts = _parts(value, name)
            if parts:
                addresses[key] = parts
            else:
                addresses.pop(key, None)
        elif name == "personalNotes":
            values["body"], values["body_type"] = value or "", "Text"
        elif name == "categories":
            values["categories"] = _strings(body, name)
        elif name == "singleValueExtendedProperties":
            ext = dict(current.extended_properties) if current else {}
            for prop in value or ():
                ext[events.parse_ext_id(prop.get("id"))] = prop.get("value")
            values["extended_properties"] = ext
        else:
            raise GraphError(
                400, "RequestBodyRead", "The property '%s' does not exist on contact." % name
            )
    values["phones"], values["addresses"] = phones, addresses
    return values


# -- folders ------------------------------------------------------------------------------


def _folder(ctx):
    """The store folder of the call: the default Contacts folder, or one named in the path."""
    store = ctx.store
    if ctx.params.get("folder") is None:
        return store.contacts_folder_id(ctx.smtp)
    folder = _sid(ctx.params["folder"])
    if not store.is_contact_folder(ctx.smtp, folder):
        raise GraphError(404, "ErrorItemNotFound", "The specified folder was not found.")
    return folder


def _folder_json(ctx, folder_id, info):
    return {
        "id": _gid(ctx, folder_id),
        "displayName": info["name"],
        "parentFolderId": _gid(ctx, info["parent"]),
    }


def list_folders(ctx):
    from .handlers import page

    root = ctx.store.contacts_folder_id(ctx.smtp)
    folders = ctx.store.contact_folders(ctx.smtp)
    rows = [(fid, info) for fid, info in folders.items() if info["parent"] == root]
    wanted = ctx.call.query.get("$filter")
    if wanted:
        match = _NAME_FILTER.match(wanted.strip())
        if not match:
            raise GraphError(400, "ErrorInvalidUrlQueryFilter", "The $filter is not supported.")
        name = match.group("name").replace("''", "'")
        rows = [(f, i) for f, i in rows if i["name"].casefold() == name.casefold()]
    body = [_folder_json(ctx, fid, info) for fid, info in rows]
    return page(ctx, body, "contactFolders", "/users/%s/contactFolders" % ctx.params["user"])


def create_folder(ctx):
    body = ctx.call.body if isinstance(ctx.call.body, dict) else {}
    name = (body.get("displayName") or "").strip()
    if not name:
        raise GraphError(400, "ErrorInvalidRequest", "A contact folder needs a displayName.")
    root = ctx.store.contacts_folder_id(ctx.smtp)
    try:
        folder = ctx.store.create_contact_folder(ctx.smtp, root, name)
    except FolderExists:
        raise GraphError(
            409, "ErrorFolderExists", "A folder with the specified name already exists."
        ) from None
    info = ctx.store.contact_folders(ctx.smtp)[folder]
    return 201, _folder_json(ctx, folder, info), []


# -- contacts -----------------------------------------------------------------------------


def _get(ctx):
    store_id = _sid(ctx.params["id"])
    if not ctx.store.is_contact(ctx.smtp, store_id):
        raise GraphError(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        )
    item = ctx.store.get_item(ctx.smtp, store_id)
    if ctx.params.get("folder") is not None and item.folder_id != _folder(ctx):
        raise GraphError(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        )
    return item


def list_contacts(ctx):
    from .handlers import page

    items = ctx.store.contacts(ctx.smtp, _folder(ctx))
    wanted = ctx.call.ext_filter()
    if wanted is not None:
        key, value = wanted
        items = [i for i in items if i.extended_properties.get(key) == value]
    rows = [to_json(ctx, i) for i in items]
    return page(ctx, rows, "contacts", ctx.call.path)


def create_contact(ctx):
    values = to_store(ctx.call.body)
    ctx.entry.items += 1
    item = ctx.store.create_contact(ctx.smtp, values, _folder(ctx))
    return 201, to_json(ctx, item), []


def get_contact(ctx):
    return 200, to_json(ctx, _get(ctx)), []


def patch_contact(ctx):
    current = _get(ctx)
    values = to_store(ctx.call.body, current)
    ctx.entry.items += 1
    try:
        item = ctx.store.update_contact(ctx.smtp, current.id, values, ctx.call.if_match())
    except ChangeKeyMismatch:
        raise GraphError(
            412, "ErrorIrresolvableConflict", "The change key passed in the request does not "
            "match the current change key for the item.",
        ) from None  # fmt: skip
    return 200, to_json(ctx, item), []


def delete_contact(ctx):
    current = _get(ctx)
    if ctx.call.if_match() not in (None, current.change_key):
        raise GraphError(412, "ErrorIrresolvableConflict", "The change key does not match.")
    ctx.entry.items += 1
    try:
        ctx.store.move_item(ctx.smtp, current.id, "deleteditems")  # as Outlook's Delete
    except ItemNotFound:
        raise GraphError(404, "ErrorItemNotFound", "The object was not found.") from None
    return 204, None, []


# -- delta --------------------------------------------------------------------------------


def _encode(state):
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def _decode(token):
    try:
        return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        raise GraphError(400, "BadRequest", "The delta or skip token is not valid.") from None


def delta(ctx):
    folder = _folder(ctx)
    key = "contacts" if folder == ctx.store.contacts_folder_id(ctx.smtp) else folder
    query = ctx.call.query
    token = query.get("$deltatoken") or query.get("$skiptoken")
    if token:
        state = _decode(token)
        if state.get("m") != ctx.smtp.lower() or state.get("f") != folder:
            raise GraphError(410, "SyncStateNotFound", "The sync state is not valid here.")
        cursor = (state["s"], state.get("o"))
    else:
        cursor = None
    try:
        batch = ctx.store.changes_since(ctx.smtp, cursor, folder=key, limit=ctx.call.page_size)
    except SyncStateExpired:
        raise GraphError(
            410, "SyncStateNotFound", "The sync state generation is no longer valid."
        ) from None
    rows = []
    for kind, store_id in batch.changes:
        if kind == "delete":
            rows.append({"id": _gid(ctx, store_id), "@removed": {"reason": "deleted"}})
            continue
        try:
            rows.append(to_json(ctx, ctx.store.get_item(ctx.smtp, store_id)))
        except ItemNotFound:
            rows.append({"id": _gid(ctx, store_id), "@removed": {"reason": "deleted"}})
    seq, offset = batch.token
    state = {"m": ctx.smtp.lower(), "f": folder, "s": seq, "o": offset}
    link = ctx.call.path
    body = {"@odata.context": ctx.context_url("contacts/delta"), "value": rows}
    name, kind = ("@odata.nextLink", "$skiptoken") if batch.more else (
        "@odata.deltaLink", "$deltatoken")  # fmt: skip
    body[name] = ctx.url(link, **{kind: _encode(state)})
    ctx.entry.items = len(rows)
    return 200, body, []


ROUTES = [
    ("GET", USER + r"/contactFolders", list_folders),
    ("POST", USER + r"/contactFolders", create_folder),
    ("GET", USER + r"(?:" + FOLDER + r")?/contacts/delta", delta),
    ("GET", USER + r"(?:" + FOLDER + r")?/contacts", list_contacts),
    ("POST", USER + r"(?:" + FOLDER + r")?/contacts", create_contact),
    ("GET", USER + r"(?:" + FOLDER + r")?/contacts/(?P<id>[^/]+)", get_contact),
    ("PATCH", USER + r"(?:" + FOLDER + r")?/contacts/(?P<id>[^/]+)", patch_contact),
    ("DELETE", USER + r"(?:" + FOLDER + r")?/contacts/(?P<id>[^/]+)", delete_contact),
]
