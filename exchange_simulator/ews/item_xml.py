"""Store items -> ``<t:CalendarItem>`` XML, honouring the request's ItemShape like Exchange.

Only the properties the shape asks for are written (IdOnly, Default, AllProperties, plus
AdditionalProperties); extended properties only when named explicitly, as on a real server.
Children are emitted in schema order, so the answers validate against types.xsd.
"""

from datetime import timezone

from .. import bodies
from ..meetings import APPOINTMENT, computed_property
from ..store import Attendee
from . import item_rules, versions
from .recurrence_xml import write_recurrence
from .soap import sub, t

UTC = timezone.utc

_ITEM_ORDER = (
    "ItemId ParentFolderId ItemClass Subject Sensitivity Body Attachments DateTimeReceived Size "
    "Categories Importance InReplyTo IsSubmitted IsDraft IsFromMe IsResend IsUnmodified "
    "InternetMessageHeaders DateTimeSent DateTimeCreated ResponseObjects ReminderDueBy "
    "ReminderIsSet ReminderNextTime ReminderMinutesBeforeStart DisplayCc DisplayTo DisplayBcc "
    "HasAttachments ExtendedProperty Culture EffectiveRights LastModifiedName LastModifiedTime "
    "IsAssociated"
).split()
_CALENDAR_ORDER = (
    "UID RecurrenceId DateTimeStamp Start End OriginalStart IsAllDayEvent LegacyFreeBusyStatus "
    "Location When IsMeeting IsCancelled IsRecurring MeetingRequestWasSent IsResponseRequested "
    "CalendarItemType MyResponseType Organizer RequiredAttendees OptionalAttendees Resources "
    "InboxReminders ConflictingMeetingCount AdjacentMeetingCount ConflictingMeetings "
    "AdjacentMeetings Duration TimeZone AppointmentReplyTime AppointmentSequenceNumber "
    "AppointmentState Recurrence FirstOccurrence LastOccurrence ModifiedOccurrences "
    "DeletedOccurrences MeetingTimeZone StartTimeZone EndTimeZone ConferenceType "
    "AllowNewTimeProposal IsOnlineMeeting MeetingWorkspaceUrl NetShowUrl EnhancedLocation "
    "StartWallClock EndWallClock StartTimeZoneId EndTimeZoneId IntendedFreeBusyStatus "
    "JoinOnlineMeetingUrl OnlineMeetingSettings IsOrganizer"
).split()
ORDER = {name: i for i, name in enumerate(_ITEM_ORDER + _CALENDAR_ORDER)}

DEFAULT_SHAPE = {
    "item:ItemId",
    "item:Subject",
    "item:HasAttachments",
    "item:IsAssociated",
    "calendar:Start",
    "calendar:End",
    "calendar:LegacyFreeBusyStatus",
    "calendar:Location",
    "calendar:CalendarItemType",
    "calendar:Organizer",
    "calendar:RequiredAttendees",
    "calendar:OptionalAttendees",
}


def iso(value):
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bool(value):
    return "true" if value else "false"


def write_mailbox(parent, attendee):
    box = sub(parent, t("Mailbox"))
    if attendee.name:
        sub(box, t("Name"), attendee.name)
    sub(box, t("EmailAddress"), attendee.email)
    sub(box, t("RoutingType"), "SMTP")
    sub(box, t("MailboxType"), "Mailbox")
    return box


def write_ext_value(parent, key, value):
    prop = sub(parent, t("ExtendedProperty"))
    set_id, name, kind = key
    attrs = {}
    if set_id == "tag":
        attrs["PropertyTag"] = name
    else:
        if set_id in _DISTINGUISHED:
            attrs["DistinguishedPropertySetId"] = set_id
        else:
            attrs["PropertySetId"] = set_id
        if isinstance(name, int) or str(name).isdigit():
            attrs["PropertyId"] = str(name)
        else:
            attrs["PropertyName"] = name
    attrs["PropertyType"] = kind
    sub(prop, t("ExtendedFieldURI"), **attrs)
    if isinstance(value, list):
        values = sub(prop, t("Values"))
        for v in value:
            sub(values, t("Value"), v)
    else:
        sub(prop, t("Value"), value)
    return prop


_DISTINGUISHED = {
    "Meeting",
    "Appointment",
    "Common",
    "PublicStrings",
    "Address",
    "InternetHeaders",
    "CalendarAssistant",
    "UnifiedMessaging",
    "Task",
    "Sharing",
}


class ItemWriter:
    """Writes calendar items for one request (version, mailbox, requested properties)."""

    def __init__(self, store, mailbox, version, shape):
        self.store, self.mailbox, self.version = store, mailbox, version
        self.props, self.ext_keys, self.body_type = shape

    def wants(self, uri):
        return uri in self.props

    def ext_value(self, item, key):
        """An extended property's value: stored, or Exchange's own (the Global Object Ids)."""
        computed = computed_property(item, key)
        return computed if computed is not None else item.extended_properties.get(key)

    def ext_element(self, parent, key, value):
        return write_ext_value(parent, key, value)

    def write(self, parent, item):
        if item.item_class == "IPM.Contact":
            from .contact_xml import write_contact

            return write_contact(self, parent, item)
        if item.item_class != APPOINTMENT:
            from .message_xml import write_message

            return write_message(self, parent, item)
        elem = sub(parent, t("CalendarItem"))
        children = []
        stored = item_rules.kept_elements(item)  # what the client set beyond the model

        def add(name, text=None, **attrs):
            if isinstance(name, str) and name in stored:
                name = stored.pop(name)  # the client's value over the server's default
                elem.append(name)
            node = sub(elem, t(name), text, **attrs) if isinstance(name, str) else name
            children.append(node)
            return node

        add.parent = elem
        item_id = item.id
        add("ItemId", Id=item_id, ChangeKey=item.change_key)
        w = self.wants
        if w("item:ParentFolderId"):
            add("ParentFolderId", Id=item.folder_id, ChangeKey="AQAAAA==")
        if w("item:ItemClass"):
            add("ItemClass", "IPM.Appointment")
        if w("item:Subject"):
            add("Subject", item.subject)
        if w("item:Sensitivity"):
            add("Sensitivity", item.sensitivity)
        if w("item:Body"):
            # The shape's BodyType (Best: as stored), in Exchange's own form (bodies.py).
            content, kind = bodies.render(item.body, item.extra.get("body_type"), self.body_type)
            add("Body", content, BodyType=kind)
        if w("item:DateTimeReceived"):
            add("DateTimeReceived", iso(item.created))
        if w("item:Size"):
            add("Size", str(len(item.body.encode()) + len(item.subject.encode()) + 512))
        if w("item:Categories") and item.categories:
            node = add("Categories")
            for cat in item.categories:
                sub(node, t("String"), cat)
        if w("item:Importance"):
            add("Importance", "Normal")
        if w("item:DateTimeCreated"):
            add("DateTimeCreated", iso(item.created))
        if w("item:ReminderIsSet"):
            add("ReminderIsSet", _bool(item.reminder_is_set))
        if w("item:ReminderMinutesBeforeStart"):
            add("ReminderMinutesBeforeStart", str(item.reminder_minutes))
        if w("item:HasAttachments"):
            add("HasAttachments", "false")
        for key in self.ext_keys:
            value = self.ext_value(item, key)
            if value is not None:
                add(write_ext_value(elem, key, value))
        if w("item:LastModifiedTime"):
            add("LastModifiedTime", iso(item.last_modified))
        if w("item:IsAssociated") and versions.has(self.version, "IsAssociated"):
            add("IsAssociated", "false")
        if w("item:ReminderDueBy"):
            add("ReminderDueBy", iso(item_rules.reminder_due_by(self.store, self.mailbox, item)))
        self._calendar(item, add)
        for name in list(stored):
            if w(item_rules.uri_of(name)) and versions.has(self.version, name):
                add(name)
        # Exchange writes children in schema order; ours were appended by concern.
        children.sort(key=lambda node: item_rules.POSITION[node.tag.split("}")[1]])
        for node in children:
            elem.append(node)
        return elem

    def _calendar(self, item, add):
        w = self.wants
        is_master = item.item_type == "RecurringMaster"
        if w("calendar:UID"):
            add("UID", item.uid)
        if w("calendar:RecurrenceId") and item.original_start:
            add("RecurrenceId", iso(item.original_start))
        if w("calendar:Start"):
            add("Start", iso(item.start))
        if w("calendar:End"):
            add("End", iso(item.end))
        if w("calendar:OriginalStart") and item.original_start:
            add("OriginalStart", iso(item.original_start))
        if w("calendar:IsAllDayEvent"):
            add("IsAllDayEvent", _bool(item.is_all_day))
        if w("calendar:LegacyFreeBusyStatus"):
            add("LegacyFreeBusyStatus", item.show_as)
        if w("calendar:Location") and item.location:
            add("Location", item.location)
        organizer = item.organizer
        if organizer is None:
            # Exchange makes the mailbox owner organize what is created in the mailbox.
            organizer = Attendee(self.mailbox, self.store.display_name(self.mailbox))
        received = organizer.email.lower() != self.mailbox.lower()
        is_meeting = received or bool(item.required_attendees or item.optional_attendees)
        if w("calendar:IsMeeting"):
            add("IsMeeting", _bool(is_meeting))
        if w("calendar:IsCancelled"):
            add("IsCancelled", _bool(item.is_cancelled))
        if w("calendar:IsRecurring"):
            add("IsRecurring", _bool(item_rules.is_recurring(item, self.mailbox)))
        if w("calendar:MeetingRequestWasSent"):
            add("MeetingRequestWasSent", _bool(bool(item.invited)))
        if w("calendar:IsResponseRequested"):
            add("IsResponseRequested", "true")
        if w("calendar:CalendarItemType"):
            add("CalendarItemType", item.item_type)
        if w("calendar:MyResponseType"):
            add("MyResponseType", "Organizer" if not received else item.my_response)
        if w("calendar:Organizer"):
            write_mailbox(add("Organizer"), organizer)
        for uri, name in (
            ("calendar:RequiredAttendees", "required_attendees"),
            ("calendar:OptionalAttendees", "optional_attendees"),
        ):
            people = getattr(item, name)
            if w(uri) and people:
                node = add(uri.split(":")[1])
                for person in people:
                    att = sub(node, t("Attendee"))
                    write_mailbox(att, person)
                    sub(att, t("ResponseType"), person.response)
                    if person.response_time is not None:
                        sub(att, t("LastResponseTime"), iso(person.response_time))
        if w("calendar:Duration"):
            add("Duration", _duration(item.end - item.start))
        if w("calendar:TimeZone"):
            add("TimeZone", item.start_tz)
        if w("calendar:AppointmentReplyTime") and item.response_time is not None:
            add("AppointmentReplyTime", iso(item.response_time))
        if w("calendar:AppointmentSequenceNumber"):
            add("AppointmentSequenceNumber", str(item.sequence))
        if w("calendar:AppointmentState"):
            # Bits: meeting 1, received 2, cancelled 4 (EWS AppointmentState).
            state = (1 if is_meeting else 0) | (2 if received else 0)
            add("AppointmentState", str(state | (4 if item.is_cancelled else 0)))
        if is_master:
            self._series(item, add)
        if not versions.has(self.version, "StartTimeZone"):
            if w("calendar:MeetingTimeZone"):
                add("MeetingTimeZone", TimeZoneName=item.start_tz)
        else:
            if w("calendar:StartTimeZone"):
                add("StartTimeZone", Id=item.start_tz, Name=item.start_tz)
            if w("calendar:EndTimeZone"):
                add("EndTimeZone", Id=item.end_tz, Name=item.end_tz)
        if w("calendar:ConferenceType"):
            add("ConferenceType", "0")
        if w("calendar:AllowNewTimeProposal"):
            add("AllowNewTimeProposal", "true")
        if w("calendar:IsOnlineMeeting"):
            add("IsOnlineMeeting", "false")
        if self.version not in ("Exchange2007_SP1", "Exchange2010_SP2"):
            # Both appeared in Exchange 2013's schema.
            if w("calendar:IntendedFreeBusyStatus") and received:
                add("IntendedFreeBusyStatus", item.intended_show_as or "Busy")
            if w("calendar:IsOrganizer"):
                add("IsOrganizer", _bool(not received))

    def _series(self, item, add):
        w = self.wants
        if w("calendar:Recurrence"):
            add(write_recurrence(add.parent, item.recurrence, self.version))
        duration = item.end - item.start
        endless = item.recurrence["range"]["type"] == "noEnd"
        limit = len(item.deleted_occurrences) + 1 if endless else None
        starts = self.store.occurrence_starts(self.mailbox, item.id, limit=limit)
        live = [s for s in starts if s not in item.deleted_occurrences]
        for uri, pick in (("FirstOccurrence", 0), ("LastOccurrence", -1)):
            if w("calendar:" + uri) and live and not (pick == -1 and endless):
                self._occurrence_info(add(uri), item, live[pick], duration)
        if w("calendar:ModifiedOccurrences") and item.modified_occurrences:
            node = add("ModifiedOccurrences")
            for original in sorted(item.modified_occurrences):
                self._occurrence_info(sub(node, t("Occurrence")), item, original, duration)
        if w("calendar:DeletedOccurrences") and item.deleted_occurrences:
            node = add("DeletedOccurrences")
            for original in sorted(item.deleted_occurrences):
                sub(sub(node, t("DeletedOccurrence")), t("Start"), iso(original))

    def _occurrence_info(self, node, item, original, duration):
        override = item.modified_occurrences.get(original, {})
        occ_id = self.store.occurrence_id(item.id, original)
        sub(node, t("ItemId"), Id=occ_id, ChangeKey=override.get("change_key", item.change_key))
        sub(node, t("Start"), iso(override.get("start", original)))
        sub(node, t("End"), iso(override.get("end", original + duration)))
        sub(node, t("OriginalStart"), iso(original))


def _duration(delta):
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    out = "P%dD" % days if days else "P"
    return out + "T%dH%dM%dS" % (hours, minutes, secs)


def writer_for(ctx, shape):
    """The writer of one request (its mailbox, the schema version it names, its shape)."""
    return ItemWriter(ctx.store, ctx.mailbox, ctx.requested_version, shape)
