"""Meeting messages -> ``<t:MeetingRequest>``, ``<t:MeetingResponse>``, ``<t:MeetingCancellation>``.

The messages :mod:`exchange_simulator.meetings` puts in Inbox, Sent Items, Deleted Items and
Drafts. Like calendar items they honour the request's shape (field URIs ``item:``,
``message:``, ``meeting:``, ``meetingRequest:`` and ``calendar:``) and are written in the
schema's order (ItemType, then MessageType, MeetingMessageType and the element's own part).
IsOrganizer exists from Exchange 2013 on and is left out before.
"""

from ..meetings import CANCELED, REQUEST
from ..store import ItemNotFound
from .item_xml import _bool, _duration, iso, write_mailbox
from .recurrence_xml import write_recurrence
from .soap import sub, t

_ITEM = (
    "ItemId ParentFolderId ItemClass Subject Sensitivity Body DateTimeReceived Size Importance "
    "IsSubmitted IsDraft IsFromMe DateTimeSent DateTimeCreated HasAttachments ExtendedProperty "
    "LastModifiedTime IsAssociated"
).split()
_MESSAGE = "Sender ToRecipients CcRecipients From IsRead IsResponseRequested".split()
_MEETING = (
    "AssociatedCalendarItemId IsDelegated IsOutOfDate HasBeenProcessed ResponseType UID "
    "RecurrenceId DateTimeStamp IsOrganizer"
).split()
_REQUEST = (
    "MeetingRequestType IntendedFreeBusyStatus Start End OriginalStart IsAllDayEvent "
    "LegacyFreeBusyStatus Location IsMeeting IsCancelled IsRecurring MeetingRequestWasSent "
    "CalendarItemType MyResponseType Organizer RequiredAttendees OptionalAttendees Duration "
    "TimeZone AppointmentSequenceNumber AppointmentState Recurrence MeetingTimeZone "
    "StartTimeZone EndTimeZone"
).split()
_OTHER = "Start End Location Recurrence CalendarItemType".split()
ORDER = {n: i for i, n in enumerate(_ITEM + _MESSAGE + _MEETING)}
_TAIL = len(ORDER)
ELEMENT = {REQUEST: "MeetingRequest", CANCELED: "MeetingCancellation"}
PREFIX = {"Sender": "message", "ToRecipients": "message", "CcRecipients": "message"}
PREFIX |= {"From": "message", "IsRead": "message", "IsResponseRequested": "message"}
PREFIX |= dict.fromkeys(_MEETING[:5], "meeting")
PREFIX |= {"MeetingRequestType": "meetingRequest", "IntendedFreeBusyStatus": "meetingRequest"}


def uri(name):
    """The field URI of an element name ("calendar:" for the calendar part and UID …)."""
    if name in PREFIX:
        return PREFIX[name] + ":" + name
    return ("item:" if name in _ITEM else "calendar:") + name


def write_message(writer, parent, item):
    tag = ELEMENT.get(item.item_class, "MeetingResponse")
    own = _REQUEST if tag == "MeetingRequest" else _OTHER
    order = dict(ORDER, **{n: _TAIL + i for i, n in enumerate(own)})
    elem = sub(parent, t(tag))
    children = []

    def wants(name):
        return uri(name) in writer.props

    def add(name, text=None, **attrs):
        if name not in order or not wants(name):
            return None
        node = sub(elem, t(name), text, **attrs)
        children.append(node)
        return node

    _item_part(writer, elem, item, add, children)
    _message_part(writer, item, add)
    _calendar_part(writer, elem, item, add, children, own)
    children.sort(key=lambda node: order[node.tag.split("}")[1]])
    for node in children:
        elem.append(node)
    return elem


def _item_part(writer, elem, item, add, children):
    node = sub(elem, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    children.append(node)
    add("ParentFolderId", Id=item.folder_id, ChangeKey="AQAAAA==")
    add("ItemClass", item.item_class)
    add("Subject", item.subject)
    add("Sensitivity", item.sensitivity)
    add("Body", item.body, BodyType=item.extra.get("body_type", "HTML"))
    add("DateTimeReceived", iso(item.created))
    add("Size", str(len(item.body.encode()) + len(item.subject.encode()) + 1024))
    add("Importance", "High" if item.item_class == CANCELED else "Normal")
    add("IsSubmitted", "false")
    add("IsDraft", _bool(writer.store.folder_name(writer.mailbox, item.folder_id) == "drafts"))
    add("IsFromMe", _bool(item.sender is not None and item.sender.email == writer.mailbox))
    add("DateTimeSent", iso(item.created))
    add("DateTimeCreated", iso(item.created))
    add("HasAttachments", "false")
    for key in writer.ext_keys:
        value = writer.ext_value(item, key)
        if value is not None:
            children.append(writer.ext_element(elem, key, value))
    add("LastModifiedTime", iso(item.last_modified))
    add("IsAssociated", "false")


def _message_part(writer, item, add):
    node = add("Sender") if item.sender is not None else None
    if node is not None:
        write_mailbox(node, item.sender)
    for name, people in (
        ("ToRecipients", item.to_recipients),
        ("CcRecipients", item.cc_recipients),
    ):
        if people:
            node = add(name)
            if node is not None:
                for person in people:
                    write_mailbox(node, person)
    if item.sender is not None:
        node = add("From")
        if node is not None:
            write_mailbox(node, item.sender)
    add("IsRead", _bool(item.is_read))
    add("IsResponseRequested", _bool(item.item_class == REQUEST))
    if item.associated_id:
        try:
            key = writer.store.get_item(writer.mailbox, item.associated_id).change_key
        except ItemNotFound:
            key = item.change_key  # the calendar item is gone; the id stays as it was
        add("AssociatedCalendarItemId", Id=item.associated_id, ChangeKey=key)
    add("IsDelegated", "false")
    add("IsOutOfDate", _bool(item.request_type == "Outdated"))
    add("HasBeenProcessed", "true")
    add("ResponseType", item.my_response if item.item_class == REQUEST else "Unknown")
    add("UID", item.uid)
    if item.original_start is not None:
        add("RecurrenceId", iso(item.original_start))
    add("DateTimeStamp", iso(item.created))
    if writer.version != "Exchange2007_SP1" and writer.version != "Exchange2010_SP2":
        organizer = item.organizer.email if item.organizer else ""
        add("IsOrganizer", _bool(organizer.lower() == writer.mailbox.lower()))


def _calendar_part(writer, elem, item, add, children, own):
    request = own is _REQUEST
    if request:
        add("MeetingRequestType", item.request_type or "NewMeetingRequest")
        add("IntendedFreeBusyStatus", item.intended_show_as or "Busy")
    add("Start", iso(item.start))
    add("End", iso(item.end))
    if item.original_start is not None:
        add("OriginalStart", iso(item.original_start))
    if item.location:
        add("Location", item.location)
    if item.recurrence and "Recurrence" in own and writer.wants("calendar:Recurrence"):
        children.append(write_recurrence(elem, item.recurrence, writer.version))
    add("CalendarItemType", item.item_type)
    if not request:
        return
    add("IsAllDayEvent", _bool(item.is_all_day))
    add("LegacyFreeBusyStatus", item.show_as)
    add("IsMeeting", "true")
    add("IsCancelled", _bool(item.is_cancelled))
    add("IsRecurring", _bool(item.item_type != "Single"))
    add("MeetingRequestWasSent", "false")
    add("MyResponseType", item.my_response)
    if item.organizer is not None:
        node = add("Organizer")
        if node is not None:
            write_mailbox(node, item.organizer)
    for name, people in (
        ("RequiredAttendees", item.required_attendees),
        ("OptionalAttendees", item.optional_attendees),
    ):
        node = add(name) if people else None
        for person in people if node is not None else ():
            att = sub(node, t("Attendee"))
            write_mailbox(att, person)
            sub(att, t("ResponseType"), person.response)
    add("Duration", _duration(item.end - item.start))
    add("TimeZone", item.start_tz)
    add("AppointmentSequenceNumber", str(item.sequence))
    add("AppointmentState", "3")  # a meeting (1), received (2)
    if writer.version == "Exchange2007_SP1":
        add("MeetingTimeZone", TimeZoneName=item.start_tz)
    else:
        add("StartTimeZone", Id=item.start_tz, Name=item.start_tz)
        add("EndTimeZone", Id=item.end_tz, Name=item.end_tz)
