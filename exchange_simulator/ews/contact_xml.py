"""Store contacts -> ``<t:Contact>`` XML, honouring the request's ItemShape like Exchange.

Children in schema order (ItemType's, then ContactItemType's), so the answers validate. The
shape's IdOnly / Default / AllProperties and its AdditionalProperties decide what is written;
an indexed property is asked for per entry (``contacts:PhoneNumber`` with FieldIndex
``MobilePhone``, kept in the shape as ``contacts:PhoneNumber:MobilePhone``) or whole.
CompleteName is Exchange's own (read only), computed from the name parts.
"""

from .. import bodies
from ..contacts import ADDRESS_KEYS, EMAIL_KEYS, PHONE_KEYS
from .soap import sub, t

# ItemType's children a contact has, then ContactItemType's, in schema order.
ORDER = (
    "ItemId ParentFolderId ItemClass Subject Body DateTimeReceived Size Categories "
    "DateTimeCreated HasAttachments ExtendedProperty LastModifiedTime FileAs DisplayName "
    "GivenName MiddleName Nickname CompleteName CompanyName EmailAddresses PhysicalAddresses "
    "PhoneNumbers BusinessHomePage Department JobTitle Surname"
).split()
SIMPLE = {
    "FileAs": "file_as",
    "DisplayName": "display_name",
    "GivenName": "given_name",
    "MiddleName": "middle_name",
    "Nickname": "nickname",
    "CompanyName": "company_name",
    "BusinessHomePage": "business_home_page",
    "Department": "department",
    "JobTitle": "job_title",
    "Surname": "surname",
}
ADDRESS_PARTS = (
    ("Street", "street"),
    ("City", "city"),
    ("State", "state"),
    ("CountryOrRegion", "country"),
    ("PostalCode", "postal_code"),
)
DEFAULT = {"DisplayName", "FileAs", "GivenName", "Surname", "CompanyName", "EmailAddresses"}
DEFAULT |= {"PhoneNumbers", "PhysicalAddresses", "JobTitle"}


def _base(props):
    """The BaseShape of a parsed shape (see item_parse.parse_shape's property sets)."""
    if "calendar:Recurrence" in props:
        return "AllProperties"
    return "Default" if "calendar:Start" in props else "IdOnly"


class _Shape:
    def __init__(self, writer):
        self.props, self.base = writer.props, _base(writer.props)

    def whole(self, name, uri):
        if self.base == "AllProperties" or uri in self.props:
            return True
        return self.base == "Default" and name in DEFAULT

    def entries(self, name, uri, keys):
        """The keys of an indexed property to write (all of them when asked whole)."""
        if self.whole(name, uri):
            return list(keys)
        return [k for k in keys if "%s:%s" % (uri, k) in self.props]

    def address_parts(self, key):
        if self.whole("PhysicalAddresses", "contacts:PhysicalAddresses"):
            return [p for p, _ in ADDRESS_PARTS]
        return [
            p for p, _ in ADDRESS_PARTS if "contacts:PhysicalAddress:%s:%s" % (p, key) in self.props
        ]


def write_contact(writer, parent, item):
    """One ``<t:Contact>`` of ``item`` (a store Contact) into ``parent``."""
    from .item_xml import iso, write_ext_value

    shape = _Shape(writer)
    elem = sub(parent, t("Contact"))
    nodes = []

    def add(name, text=None, **attrs):
        node = sub(elem, t(name), text, **attrs)
        nodes.append(node)
        return node

    add("ItemId", Id=item.id, ChangeKey=item.change_key)
    item_fields = {
        "ParentFolderId": lambda: add("ParentFolderId", Id=item.folder_id, ChangeKey="AQAAAA=="),
        "ItemClass": lambda: add("ItemClass", item.item_class),
        "Subject": lambda: add("Subject", item.file_as or item.display_name),
        "DateTimeCreated": lambda: add("DateTimeCreated", iso(item.created)),
        "HasAttachments": lambda: add("HasAttachments", "false"),
        "LastModifiedTime": lambda: add("LastModifiedTime", iso(item.last_modified)),
    }
    for name, write in item_fields.items():
        if shape.whole(name, "item:" + name) or name == "HasAttachments" and shape.base != "IdOnly":
            write()
    if shape.whole("Body", "item:Body") and shape.base != "Default":
        content, kind = bodies.render(item.body, item.body_type, writer.body_type)
        add("Body", content, BodyType=kind)
    if shape.whole("Categories", "item:Categories") and item.categories:
        node = add("Categories")
        for category in item.categories:
            sub(node, t("String"), category)
    for key in writer.ext_keys:
        value = item.extended_properties.get(key)
        if value is not None:
            nodes.append(write_ext_value(elem, key, value))
    for name, attr in SIMPLE.items():
        if shape.whole(name, "contacts:" + name) and getattr(item, attr):
            add(name, getattr(item, attr))
    if shape.whole("CompleteName", "contacts:CompleteName"):
        node = add("CompleteName")
        for tag, value in (
            ("FirstName", item.given_name),
            ("MiddleName", item.middle_name),
            ("LastName", item.surname),
            ("FullName", item.display_name),
        ):
            if value:
                sub(node, t(tag), value)
    emails = list(shape.entries("EmailAddresses", "contacts:EmailAddress", EMAIL_KEYS))
    emails = [k for k in emails if item.emails.get(k)]
    if emails:
        node = add("EmailAddresses")
        for key in emails:
            sub(node, t("Entry"), item.emails[key], Key=key)
    _addresses(add, shape, item)
    phones = list(shape.entries("PhoneNumbers", "contacts:PhoneNumber", PHONE_KEYS))
    phones = [k for k in phones if item.phones.get(k)]
    if phones:
        node = add("PhoneNumbers")
        for key in phones:
            sub(node, t("Entry"), item.phones[key], Key=key)
    order = {name: i for i, name in enumerate(ORDER)}
    nodes.sort(key=lambda n: order[n.tag.split("}")[1]])
    for node in nodes:
        elem.append(node)
    return elem


def _addresses(add, shape, item):
    wanted = []
    for key in ADDRESS_KEYS:
        parts = list(shape.address_parts(key))
        values = item.addresses.get(key) or {}
        present = [(p, values.get(a)) for p, a in ADDRESS_PARTS if p in parts and values.get(a)]
        if present:
            wanted.append((key, present))
    if not wanted:
        return
    node = add("PhysicalAddresses")
    for key, present in wanted:
        entry = sub(node, t("Entry"), Key=key)
        for part, value in present:
            sub(entry, t(part), value)
