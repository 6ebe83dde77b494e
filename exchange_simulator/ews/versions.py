"""Schema versions: a request is read, and answered, in the version its RequestServerVersion names.

The published schema (shared/ews-schema) is the newest one; an Exchange 2007 SP1 client's
schema is older, and a server reads and answers each request in the schema version its
RequestServerVersion header names, whatever its own version. So an element the named version
does not have is refused in a request (ErrorSchemaValidation, as that version's schema would
refuse it) and never written in an answer: an Exchange2007_SP1 request gets MeetingTimeZone,
not StartTimeZone/EndTimeZone, and no FirstDayOfWeek in a weekly pattern.

:data:`INTRODUCED` lists the elements (and FieldURI values) of what the simulator reads and
writes, with the version that brought them (the "Version differences" notes of the EWS
reference).
"""

from lxml import etree

from .soap import API_ORDER, EwsFault

INTRODUCED = {
    "StartTimeZone": "Exchange2010",
    "EndTimeZone": "Exchange2010",
    "TimeZoneContext": "Exchange2010",
    "IsAssociated": "Exchange2010",
    "ConversationId": "Exchange2010",
    "UniqueBody": "Exchange2010",
    "WebClientReadFormQueryString": "Exchange2010",
    "WebClientEditFormQueryString": "Exchange2010",
    "FirstDayOfWeek": "Exchange2010_SP1",
    "StoreEntryId": "Exchange2010_SP1",
    "EnhancedLocation": "Exchange2013",
    "TextBody": "Exchange2013",
    "StartTimeZoneId": "Exchange2013",
    "EndTimeZoneId": "Exchange2013",
}
FIELD_URIS = {
    "calendar:StartTimeZone": "Exchange2010",
    "calendar:EndTimeZone": "Exchange2010",
    "item:IsAssociated": "Exchange2010",
    "item:ConversationId": "Exchange2010",
    "item:UniqueBody": "Exchange2010",
    "item:StoreEntryId": "Exchange2010_SP1",
    "item:TextBody": "Exchange2013",
    "calendar:EnhancedLocation": "Exchange2013",
    "calendar:StartTimeZoneId": "Exchange2013",
    "calendar:EndTimeZoneId": "Exchange2013",
}


def before(version, other):
    """True when ``version`` is older than ``other`` (both RequestServerVersion values)."""
    return API_ORDER.index(version) < API_ORDER.index(other)


def has(version, name):
    """Whether the schema of ``version`` has the element ``name``."""
    introduced = INTRODUCED.get(name)
    return introduced is None or not before(version, introduced)


def newer_parts(root, version):
    """The element names and FieldURIs under ``root`` that ``version``'s schema lacks."""
    found = []
    for elem in root.iter():
        if not isinstance(elem.tag, str):
            continue
        name = etree.QName(elem).localname
        if not has(version, name):
            found.append(name)
        uri = elem.get("FieldURI")
        if uri in FIELD_URIS and before(version, FIELD_URIS[uri]):
            found.append(uri)
    return found


def refuse_newer(op_elem, version):
    """ErrorSchemaValidation for a request using what its named version does not have."""
    found = newer_parts(op_elem, version)
    if found:
        raise EwsFault(
            "ErrorSchemaValidation",
            "The request failed schema validation: '%s' is not part of the %s schema."
            % (found[0], version),
            values={"Violation": found[0]},
        )
