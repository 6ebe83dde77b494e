"""What Exchange checks and keeps on a calendar item beyond the fields the store models.

- Read-only properties (IsRecurring, Size, DateTimeCreated ...) cannot be set: CreateItem and
  UpdateItem answer ErrorInvalidPropertySet.
- Properties the store does not model (Importance, Culture, IsResponseRequested ...) are kept
  as the client wrote them and served back, never dropped: the item's ``extra["fields"]``
  maps the element name to its XML.
- An extended property's value must parse as its PropertyType (an Integer "not-a-number" is
  ErrorInvalidExtendedPropertyValue).
- IsRecurring follows the table of the IsRecurring reference page: false for a single item
  and for the organizer's recurring master, true for occurrences, exceptions and an
  attendee's master.
- ReminderDueBy is the start of the item, or of the series' next occurrence.
- CreateItem answers what is no calendar item with Exchange's own codes, and fills in the
  times of a calendar item created without them, as the store does.
"""

import base64
import uuid
from datetime import datetime, timedelta, timezone

from lxml import etree

from .soap import ItemError

# ItemType then CalendarItemType, in the schema's order (types.xsd).
SCHEMA_ORDER = (
    "MimeContent ItemId ParentFolderId ItemClass Subject Sensitivity Body Attachments "
    "DateTimeReceived Size Categories Importance InReplyTo IsSubmitted IsDraft IsFromMe "
    "IsResend IsUnmodified InternetMessageHeaders DateTimeSent DateTimeCreated ResponseObjects "
    "ReminderDueBy ReminderIsSet ReminderNextTime ReminderMinutesBeforeStart DisplayCc "
    "DisplayTo DisplayBcc HasAttachments ExtendedProperty Culture EffectiveRights "
    "LastModifiedName LastModifiedTime IsAssociated WebClientReadFormQueryString "
    "WebClientEditFormQueryString ConversationId UniqueBody Flag StoreEntryId InstanceKey "
    "NormalizedBody EntityExtractionResult PolicyTag ArchiveTag RetentionDate Preview "
    "RightsManagementLicenseData PredictedActionReasons IsClutter BlockStatus HasBlockedImages "
    "TextBody IconIndex SearchKey SortKey Hashtags Mentions MentionedMe MentionsPreview "
    "MentionsEx AppliedHashtags AppliedHashtagsPreview Likes LikesPreview "
    "PendingSocialActivityTagIds AtAllMention CanDelete InferenceClassification "
    "UID RecurrenceId DateTimeStamp Start End OriginalStart IsAllDayEvent LegacyFreeBusyStatus "
    "Location When IsMeeting IsCancelled IsRecurring MeetingRequestWasSent IsResponseRequested "
    "CalendarItemType MyResponseType Organizer RequiredAttendees OptionalAttendees Resources "
    "InboxReminders ConflictingMeetingCount AdjacentMeetingCount ConflictingMeetings "
    "AdjacentMeetings Duration TimeZone AppointmentReplyTime AppointmentSequenceNumber "
    "AppointmentState Recurrence FirstOccurrence LastOccurrence ModifiedOccurrences "
    "DeletedOccurrences MeetingTimeZone StartTimeZone EndTimeZone ConferenceType "
    "AllowNewTimeProposal IsOnlineMeeting MeetingWorkspaceUrl NetShowUrl EnhancedLocation "
    "StartWallClock EndWallClock StartTimeZoneId EndTimeZoneId IntendedFreeBusyStatus "
    "JoinOnlineMeetingUrl OnlineMeetingSettings IsOrganizer CalendarActivityData "
    "DoNotForwardMeeting"
).split()
POSITION = {name: i for i, name in enumerate(SCHEMA_ORDER)}
FIRST_CALENDAR = POSITION["UID"]

# Computed by the server: a client that sets one gets ErrorInvalidPropertySet.
READ_ONLY = set(
    "ItemId ParentFolderId DateTimeReceived Size IsSubmitted IsDraft IsFromMe IsResend "
    "IsUnmodified DateTimeSent DateTimeCreated ResponseObjects ReminderNextTime DisplayCc "
    "DisplayTo DisplayBcc HasAttachments EffectiveRights LastModifiedName LastModifiedTime "
    "IsAssociated WebClientReadFormQueryString WebClientEditFormQueryString ConversationId "
    "UniqueBody StoreEntryId InstanceKey NormalizedBody EntityExtractionResult Preview "
    "TextBody IconIndex SearchKey SortKey CanDelete DateTimeStamp OriginalStart IsMeeting "
    "IsCancelled IsRecurring MeetingRequestWasSent CalendarItemType MyResponseType "
    "ConflictingMeetingCount AdjacentMeetingCount ConflictingMeetings AdjacentMeetings "
    "Duration TimeZone AppointmentReplyTime AppointmentSequenceNumber AppointmentState "
    "FirstOccurrence LastOccurrence ModifiedOccurrences DeletedOccurrences IsOrganizer".split()
)


def uri_of(name):
    """The FieldURI of a CalendarItem child element ("item:Importance")."""
    return ("item:" if POSITION.get(name, 0) < FIRST_CALENDAR else "calendar:") + name


def refuse_read_only(name):
    if name in READ_ONLY:
        raise ItemError(
            "ErrorInvalidPropertySet", "Set action is invalid for property %s." % uri_of(name)
        )


def kept(extra, element):
    """``extra`` with the XML of an element the store does not model."""
    fields = dict(extra.get("fields") or {})
    fields[etree.QName(element).localname] = etree.tostring(element).decode()
    return {**extra, "fields": fields}


def dropped(extra, name):
    fields = {k: v for k, v in (extra.get("fields") or {}).items() if k != name}
    return {**extra, "fields": fields}


def kept_elements(item):
    """{element name: a fresh element} of what the client set beyond the model."""
    return {
        name: etree.fromstring(xml.encode())
        for name, xml in (item.extra.get("fields") or {}).items()
    }


# -- extended property values ------------------------------------------------------------

_INTEGERS = {"Short": (-(2**15), 2**15 - 1), "Integer": (-(2**31), 2**31 - 1)}
_INTEGERS["Long"] = (-(2**63), 2**63 - 1)


def _check_value(kind, text):
    base = kind[: -len("Array")] if kind.endswith("Array") else kind
    try:
        if base in _INTEGERS:
            low, high = _INTEGERS[base]
            if not low <= int(text) <= high:
                raise ValueError(text)
        elif base in ("Double", "Float", "Currency", "ApplicationTime"):
            float(text)
        elif base == "Boolean":
            if text.strip().lower() not in ("true", "false", "1", "0"):
                raise ValueError(text)
        elif base == "SystemTime":
            datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        elif base == "CLSID":
            uuid.UUID(text.strip())
        elif base == "Binary":
            base64.b64decode(text, validate=True)
    except ValueError:
        raise ItemError(
            "ErrorInvalidExtendedPropertyValue",
            "The extended property value '%s' is not a valid %s." % (text, base),
        ) from None


def check_extended(key, value):
    """Raise ErrorInvalidExtendedPropertyValue unless ``value`` fits the property's type."""
    kind = key[2]
    for text in value if isinstance(value, list) else [value]:
        _check_value(kind, text)


# -- computed properties -----------------------------------------------------------------


def is_recurring(item, mailbox):
    if item.item_type in ("Occurrence", "Exception"):
        return True
    if item.item_type != "RecurringMaster":
        return False
    organizer = item.organizer.email if item.organizer else mailbox
    return organizer.lower() != (mailbox or "").lower()  # only an attendee's copy says true


def reminder_due_by(store, mailbox, item, now=None):
    """The start the reminder is for: the item's, or the series' next live occurrence."""
    if item.item_type != "RecurringMaster":
        return item.start
    now = now or datetime.now(timezone.utc)
    endless = item.recurrence["range"]["type"] == "noEnd"
    starts = store.occurrence_starts(mailbox, item.id, limit=400 if endless else None)
    live = [s for s in starts if s not in item.deleted_occurrences]
    upcoming = [s for s in live if s >= now]
    original = upcoming[0] if upcoming else (live[-1] if live else item.start)
    return item.modified_occurrences.get(original, {}).get("start", original)


# -- what CreateItem refuses, and what it fills in --------------------------------------

RESPONSE_OBJECTS = {
    "AcceptItem": "ErrorInvalidItemForOperationAcceptItem",
    "TentativelyAcceptItem": "ErrorInvalidItemForOperationTentative",
    "DeclineItem": "ErrorInvalidItemForOperationDeclineItem",
    "CancelCalendarItem": "ErrorInvalidItemForOperationCancelItem",
    "RemoveItem": "ErrorInvalidItemForOperationRemoveItem",
}


def unsupported_item(name, op):
    """``(code, text)`` for a CreateItem item that is no calendar item, in Exchange's codes."""
    if name in ("Message", "MeetingRequest", "MeetingResponse", "MeetingCancellation") and (
        op.get("MessageDisposition") is None
    ):
        return "ErrorMessageDispositionRequired", "MessageDisposition is required for messages."
    if name in RESPONSE_OBJECTS:
        return RESPONSE_OBJECTS[name], "The referenced item cannot take this response."
    return "ErrorInvalidItemForOperationCreateItem", "Only calendar items are kept here."


def default_times(values, now):
    """Fill in missing Start/End the way the Exchange store does ([MS-ASCAL] 3.2.4.4): the
    current time rounded up to the half hour, for 30 minutes; a given start in the future
    without an end, or a given end before that rounded time, is refused."""
    start, end = values.get("start"), values.get("end")
    if start is not None and end is not None:
        return
    rounded = now.replace(minute=now.minute // 30 * 30, second=0, microsecond=0)
    if rounded < now:
        rounded += timedelta(minutes=30)
    if start is None and end is None:
        values["start"], values["end"] = rounded, rounded + timedelta(minutes=30)
    elif start is None and end >= rounded:
        values["start"] = rounded
    elif end is None and start <= now:
        values["end"] = rounded + timedelta(minutes=30)
    else:
        raise ItemError(
            "ErrorCalendarEndDateIsEarlierThanStartDate",
            "The end date is earlier than the start date.",
        )
