"""Request XML -> store contacts: ``<t:Contact>`` of CreateItem and the contact updates of
UpdateItem (SetItemField / DeleteItemField on FieldURI and IndexedFieldURI).

Strict where Exchange is: CompleteName is read only, an unknown dictionary key or an update of
a property a contact does not have is refused (ErrorInvalidPropertySet). ItemType properties a
contact ignores here (Sensitivity, Importance, reminders, PostalAddressIndex …) are kept as
written in ``extra``, untouched by any later write.
"""

from ..contacts import ADDRESS_KEYS, EMAIL_KEYS, PHONE_KEYS
from .contact_xml import ADDRESS_PARTS, SIMPLE
from .item_parse import parse_extended
from .soap import ItemError, t

PART_ATTR = dict(ADDRESS_PARTS)
READ_ONLY = {"CompleteName", "ItemId", "DateTimeCreated", "LastModifiedTime", "HasAttachments"}
KEPT = {
    "Sensitivity",
    "Importance",
    "ReminderIsSet",
    "ReminderMinutesBeforeStart",
    "PostalAddressIndex",
    "FileAsMapping",
    "Culture",
    "Subject",
    "ItemClass",
}


def _name(elem):
    return elem.tag.split("}")[1]


def _refuse(what):
    raise ItemError("ErrorInvalidPropertySet", "The property %s cannot be set on a contact." % what)


def _entries(elem, keys, what):
    out = {}
    for entry in elem.findall(t("Entry")):
        key = entry.get("Key")
        if key not in keys:
            _refuse("%s %s" % (what, key))
        out[key] = entry
    return out


def apply_child(values, child, current=None):
    """Put one child element of a ``<t:Contact>`` into ``values`` (store attribute -> value);
    ``current`` (the stored contact, for updates) gives the other entries of a dictionary."""
    name = _name(child)
    if name in SIMPLE:
        values[SIMPLE[name]] = (child.text or "").strip()
    elif name == "Body":
        values["body"] = child.text or ""
        values["body_type"] = "HTML" if child.get("BodyType") == "HTML" else "Text"
    elif name == "Categories":
        values["categories"] = [s.text or "" for s in child.findall(t("String"))]
    elif name == "ExtendedProperty":
        key, value = parse_extended(child)
        ext = values.setdefault(
            "extended_properties", dict(current.extended_properties) if current else {}
        )
        ext[key] = value
    elif name == "EmailAddresses":
        emails = values.setdefault("emails", dict(current.emails) if current else {})
        for key, entry in _entries(child, EMAIL_KEYS, "EmailAddresses").items():
            emails[key] = (entry.text or "").strip()
    elif name == "PhoneNumbers":
        phones = values.setdefault("phones", dict(current.phones) if current else {})
        for key, entry in _entries(child, PHONE_KEYS, "PhoneNumbers").items():
            phones[key] = (entry.text or "").strip()
    elif name == "PhysicalAddresses":
        addresses = values.setdefault(
            "addresses", {k: dict(v) for k, v in (current.addresses if current else {}).items()}
        )
        for key, entry in _entries(child, ADDRESS_KEYS, "PhysicalAddresses").items():
            address = addresses.setdefault(key, {})
            for part in entry:
                address[PART_ATTR[_name(part)]] = part.text or ""
    elif name in READ_ONLY:
        _refuse(name)
    elif name in KEPT:
        extra = values.setdefault("extra", dict(current.extra) if current else {})
        extra[name] = child.text or ""
    else:
        _refuse(name)


def parse_contact(elem):
    """Store values of a CreateItem ``<t:Contact>``."""
    values = {}
    for child in elem:
        apply_child(values, child)
    _clean(values)
    return values


def _clean(values):
    for attr in ("emails", "phones"):
        if attr in values:
            values[attr] = {k: v for k, v in values[attr].items() if v}
    if "addresses" in values:
        values["addresses"] = {
            key: {p: v for p, v in parts.items() if v}
            for key, parts in values["addresses"].items()
            if any(parts.values())
        }


def _delete(values, uri_elem, current):
    if uri_elem.tag == t("FieldURI"):
        uri = uri_elem.get("FieldURI")
        field = uri.split(":", 1)[1]
        if field in SIMPLE:
            values[SIMPLE[field]] = ""
        elif uri == "item:Body":
            values["body"], values["body_type"] = "", "Text"
        elif uri == "item:Categories":
            values["categories"] = []
        elif field in ("EmailAddresses", "PhoneNumbers", "PhysicalAddresses"):
            _refuse(field + " as a whole")
        else:
            _refuse(uri)
        return
    uri, key = uri_elem.get("FieldURI"), uri_elem.get("FieldIndex")
    if uri == "contacts:EmailAddress" and key in EMAIL_KEYS:
        values.setdefault("emails", dict(current.emails)).pop(key, None)
    elif uri == "contacts:PhoneNumber" and key in PHONE_KEYS:
        values.setdefault("phones", dict(current.phones)).pop(key, None)
    elif uri.startswith("contacts:PhysicalAddress:") and key in ADDRESS_KEYS:
        part = uri.rsplit(":", 1)[1]
        if part not in PART_ATTR:
            _refuse(uri)
        addresses = values.setdefault(
            "addresses", {k: dict(v) for k, v in current.addresses.items()}
        )
        addresses.get(key, {}).pop(PART_ATTR[part], None)
    else:
        _refuse("%s %s" % (uri, key))


def parse_updates(updates, current):
    """Store changes of an ``<t:Updates>`` element on a contact, applied on ``current``."""
    values = {}
    for update in updates:
        action = _name(update)
        uri_elem = update[0]
        if action == "DeleteItemField":
            if uri_elem.tag == t("ExtendedFieldURI"):
                from .item_parse import ext_key

                ext = values.setdefault("extended_properties", dict(current.extended_properties))
                ext.pop(ext_key(uri_elem), None)
            else:
                _delete(values, uri_elem, current)
            continue
        if action == "AppendToItemField":
            raise ItemError(
                "ErrorInvalidPropertyAppend", "Appending to a contact is not supported."
            )
        holder = update[1] if len(update) > 1 else None
        if holder is None or holder.tag not in (t("Contact"), t("Item")) or not len(holder):
            raise ItemError("ErrorInvalidPropertySet", "The update names no contact value.")
        for child in holder:
            apply_child(values, child, current)
    _clean(values)
    return values
