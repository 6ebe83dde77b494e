"""Request XML -> store values: ``<t:CalendarItem>`` bodies, single updated fields, shapes, ids.

Parsing is strict where Exchange is strict (an unknown time zone, a malformed recurrence,
a read-only property, an extended property value of the wrong type answer an item error);
properties the store does not model are kept as written (see item_rules.py).
"""

from datetime import datetime, time, timedelta, timezone

from ..store import Attendee
from ..zones import UnknownTimeZone, windows_id, zone
from . import item_rules
from .item_xml import DEFAULT_SHAPE, ORDER
from .recurrence_xml import parse_recurrence
from .soap import ItemError, t

UTC = timezone.utc

# Field URI -> (store attribute, value when the field is deleted).
SETTABLE = {
    "item:Subject": ("subject", ""),
    "item:Sensitivity": ("sensitivity", "Normal"),
    "item:Body": ("body", ""),
    "item:Categories": ("categories", []),
    "item:ReminderIsSet": ("reminder_is_set", False),
    "item:ReminderMinutesBeforeStart": ("reminder_minutes", 15),
    "calendar:Start": ("start", None),
    "calendar:End": ("end", None),
    "calendar:IsAllDayEvent": ("is_all_day", False),
    "calendar:LegacyFreeBusyStatus": ("show_as", "Busy"),
    "calendar:Location": ("location", ""),
    "calendar:RequiredAttendees": ("required_attendees", []),
    "calendar:OptionalAttendees": ("optional_attendees", []),
    "calendar:Recurrence": ("recurrence", None),
    "calendar:StartTimeZone": ("start_tz", "UTC"),
    "calendar:EndTimeZone": ("end_tz", "UTC"),
    "calendar:MeetingTimeZone": ("start_tz", "UTC"),
    "calendar:UID": ("uid", ""),
}
READ_ONLY = {
    "item:ItemId",
    "item:DateTimeCreated",
    "item:LastModifiedTime",
    "item:Size",
    "item:HasAttachments",
    "calendar:CalendarItemType",
    "calendar:ModifiedOccurrences",
    "calendar:DeletedOccurrences",
    "calendar:FirstOccurrence",
    "calendar:LastOccurrence",
    "calendar:OriginalStart",
    "calendar:IsRecurring",
    "calendar:IsMeeting",
    "calendar:IsCancelled",
    "calendar:MyResponseType",
    "calendar:Organizer",
    "calendar:IsOrganizer",
    "calendar:AppointmentState",
    "calendar:AppointmentReplyTime",
    "calendar:AppointmentSequenceNumber",
    "calendar:MeetingRequestWasSent",
}
TAG_TO_URI = {uri.split(":")[1]: uri for uri in SETTABLE}
ALL_PROPERTIES = {("item:" if ORDER[n] < ORDER["UID"] else "calendar:") + n for n in ORDER}
ALL_PROPERTIES -= {"item:ExtendedProperty"}
# Meeting messages (message_xml) have their own URIs; a calendar item ignores them.
MESSAGE_DEFAULT = {"message:From", "message:IsRead"}
MESSAGE_URIS = {
    "message:Sender", "message:ToRecipients", "message:CcRecipients", "message:From",
    "message:IsRead", "message:IsResponseRequested", "meeting:AssociatedCalendarItemId",
    "meeting:IsDelegated", "meeting:IsOutOfDate", "meeting:HasBeenProcessed",
    "meeting:ResponseType", "meetingRequest:MeetingRequestType",
    "meetingRequest:IntendedFreeBusyStatus", "item:ItemClass", "item:DateTimeSent",
    "item:IsDraft", "item:IsFromMe", "item:IsSubmitted", "calendar:IsOrganizer",
    "calendar:DateTimeStamp",
}  # fmt: skip
ALL_PROPERTIES |= MESSAGE_URIS


def _text(elem):
    return (elem.text or "").strip()


def parse_datetime(text, context_tz=UTC):
    """xs:dateTime; a value without offset is in the request's TimeZoneContext zone."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=context_tz)
    return value.astimezone(UTC).replace(microsecond=0)


def _bool(elem):
    # xs:boolean: exchangelib writes 1/0, other clients true/false.
    return _text(elem).lower() in ("true", "1")


def _attendees(elem):
    out = []
    for att in elem.findall(t("Attendee")):
        box = att.find(t("Mailbox"))
        email = box.findtext(t("EmailAddress")) or ""
        if not email:
            raise ItemError("ErrorInvalidRecipients", "An attendee needs an e-mail address.")
        out.append(
            Attendee(
                email.strip(),
                (box.findtext(t("Name")) or "").strip(),
                att.findtext(t("ResponseType")) or "Unknown",
            )
        )
    return out


def ext_key(uri_elem):
    """The store key of an ``ExtendedFieldURI``."""
    a = uri_elem.attrib
    kind = a.get("PropertyType", "String")
    if "PropertyTag" in a:
        return ("tag", a["PropertyTag"].lower(), kind)
    set_id = a.get("PropertySetId", "").lower() or a.get("DistinguishedPropertySetId", "")
    name = a.get("PropertyName") or a.get("PropertyId")
    if not set_id or name is None:
        raise ItemError("ErrorInvalidExtendedProperty", "The extended property is incomplete.")
    return (set_id, name, kind)


def parse_extended(elem):
    key = ext_key(elem.find(t("ExtendedFieldURI")))
    values = elem.find(t("Values"))
    if values is not None:
        value = [_text(v) for v in values.findall(t("Value"))]
    else:
        value = elem.findtext(t("Value")) or ""
    item_rules.check_extended(key, value)
    return key, value


def parse_field(child, context_tz):
    """(store attribute, value) of one child element of a ``<t:CalendarItem>``, or None."""
    name = child.tag.split("}")[1]
    uri = TAG_TO_URI.get(name)
    if uri is None:
        return None  # accepted by the schema but not modelled (Importance, Culture …)
    attr = SETTABLE[uri][0]
    if attr in ("start", "end"):
        return attr, parse_datetime(_text(child), context_tz)
    if attr in ("is_all_day", "reminder_is_set"):
        return attr, _bool(child)
    if attr == "reminder_minutes":
        return attr, int(_text(child))
    if attr == "categories":
        return attr, [_text(s) for s in child.findall(t("String"))]
    if attr in ("required_attendees", "optional_attendees"):
        return attr, _attendees(child)
    if attr == "recurrence":
        return attr, parse_recurrence(child, None)
    if attr == "body":
        return attr, (child.text or "", child.get("BodyType", "HTML"))
    if attr == "start_tz":
        tz = child.get("Id") or child.get("TimeZoneName") or "UTC"
        return attr, _known_zone(tz)
    if attr == "end_tz":
        return attr, _known_zone(child.get("Id") or "UTC")
    return attr, _text(child)


def _known_zone(name):
    try:
        zone(name)
    except UnknownTimeZone:
        raise ItemError("ErrorTimeZone", "The time zone %s is unknown." % name) from None
    return name


def parse_calendar_item(elem, context_tz):
    """Store values of a whole ``<t:CalendarItem>`` (CreateItem)."""
    values, ext = {}, {}
    for child in elem:
        if child.tag == t("ExtendedProperty"):
            key, value = parse_extended(child)
            ext[key] = value
            continue
        item_rules.refuse_read_only(child.tag.split("}")[1])
        parsed = parse_field(child, context_tz)
        if parsed is not None:
            attr, value = parsed
            if attr == "start_tz" and child.tag == t("MeetingTimeZone"):
                values["end_tz"] = value
            values[attr] = value
        elif child.tag != t("Organizer"):  # Exchange's to set (the mailbox owner)
            values["extra"] = item_rules.kept(values.get("extra", {}), child)
    if ext:
        values["extended_properties"] = ext
    # Without a zone of its own the item is in the request's TimeZoneContext zone, and an
    # item given a start zone only ends in that zone too.
    values.setdefault("start_tz", windows_id(getattr(context_tz, "key", "UTC")))
    values.setdefault("end_tz", values["start_tz"])
    return finish(values)


def finish(values, current=None):
    """Unpack the body tuple, tie the recurrence to its zone, snap all-day times to midnight."""
    if "body" in values and isinstance(values["body"], tuple):
        values["body"], body_type = values["body"]
        extra = values.get("extra") or (dict(current.extra) if current is not None else {})
        extra["body_type"] = body_type
        values["extra"] = extra

    def get(name, default=None):
        if name in values:
            return values[name]
        return getattr(current, name) if current is not None else default

    if values.get("recurrence"):
        values["recurrence"]["range"]["recurrenceTimeZone"] = get("start_tz", "UTC")
    if get("is_all_day", False) and get("start") is not None and get("end") is not None:
        # Exchange pushes all-day bounds to the surrounding local midnights.
        start_tz, end_tz = zone(get("start_tz", "UTC")), zone(get("end_tz", "UTC"))
        start = get("start").astimezone(start_tz)
        values["start"] = datetime.combine(start.date(), time(0), start_tz).astimezone(UTC)
        end = get("end").astimezone(end_tz)
        end_day = end.date() if end.time() == time(0) else end.date() + timedelta(days=1)
        values["end"] = datetime.combine(end_day, time(0), end_tz).astimezone(UTC)
    return values


def parse_shape(shape_elem):
    """(field URIs, extended keys, body type) of an ItemShape element."""
    base = shape_elem.findtext(t("BaseShape")) or "Default"
    props = {"item:ItemId"}
    if base == "Default":
        props |= DEFAULT_SHAPE | MESSAGE_DEFAULT
    elif base == "AllProperties":
        props |= ALL_PROPERTIES
    ext_keys = []
    extra = shape_elem.find(t("AdditionalProperties"))
    if extra is not None:
        for uri in extra:
            if uri.tag == t("FieldURI"):
                props.add(uri.get("FieldURI"))
            elif uri.tag == t("ExtendedFieldURI"):
                ext_keys.append(ext_key(uri))
            elif uri.tag == t("IndexedFieldURI"):  # contacts: one entry of a dictionary
                props.add("%s:%s" % (uri.get("FieldURI"), uri.get("FieldIndex")))
    return props, ext_keys, shape_elem.findtext(t("BodyType")) or "Best"


def parse_item_id(elem, store, mailbox):
    """The store id an ItemId / OccurrenceItemId / RecurringMasterItemId points at."""
    tag = elem.tag.split("}")[1]
    if tag in ("ItemId", "RootItemId"):
        return elem.get("Id"), elem.get("ChangeKey")
    if tag == "OccurrenceItemId":
        master = elem.get("RecurringMasterId")
        return store.occurrence_by_index(mailbox, master, int(elem.get("InstanceIndex"))), None
    if tag == "RecurringMasterItemId":
        master_id, _ = store.parse_occurrence_id(elem.get("OccurrenceId"))
        return master_id or elem.get("OccurrenceId"), None
    raise ItemError("ErrorInvalidIdMalformed", "Unsupported item id %s." % tag)
