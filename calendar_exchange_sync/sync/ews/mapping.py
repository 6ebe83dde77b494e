"""``CalendarItem`` <-> exchangelib ``CalendarItem``: every field of the mapping table, both ways.

The mapper knows fields, not requests. Notes on the choices that are easy to get wrong:

* All-day: our items carry dates with an EXCLUSIVE end; exchangelib's all-day dates have an
  inclusive end (it adds a day when writing and takes it off when reading), so we hand it
  ``end - 1 day`` and add the day back on reading. Midnight is taken in the item's zone.
* Sensitivity: Normal -> public, Personal and Private -> private, Confidential ->
  confidential; private is written back as Private.
* Free/busy: Free -> free; Busy, Tentative, OOF, WorkingElsewhere and NoData -> busy.
* The Odoo identity and the activity type travel as named extended properties in our own
  property set; the activity type is also written as a category of the same name (so people
  in Outlook see it) and that category is taken off again on reading.
* Organizer is read only: Exchange makes the mailbox owner organize what we create.
"""

import html
from datetime import date, datetime, timedelta

from exchangelib import CalendarItem as EwsItem
from exchangelib import EWSDate, EWSDateTime, EWSTimeZone, ExtendedProperty, HTMLBody
from exchangelib.properties import Attendee as EwsAttendee
from exchangelib.properties import Mailbox

from .. import expansion
from .. import recurrence as rrules
from .. import tz as tzmod
from ..items import Attendee, CalendarItem, Occurrence, Recurrence
from . import exchange2007
from .recurrence import from_exchangelib, to_exchangelib

# Our own MAPI named-property set: nothing else writes into it.
PROPERTY_SET = "3c8d2a51-7f0e-4d6b-9a41-0c5e2f7b9d13"


class OdooIdentity(ExtendedProperty):
    property_set_id = PROPERTY_SET
    property_name = "OdooIdentity"
    property_type = "String"


class OdooActivityType(ExtendedProperty):
    property_set_id = PROPERTY_SET
    property_name = "OdooActivityType"
    property_type = "String"


def register_properties():
    """Register the extended properties on exchangelib's CalendarItem, once per process."""
    names = {f.name for f in EwsItem.FIELDS}
    if "odoo_identity" not in names:
        EwsItem.register("odoo_identity", OdooIdentity)
    if "odoo_activity_type" not in names:
        EwsItem.register("odoo_activity_type", OdooActivityType)


def _fix_all_day_reading():
    """Make exchangelib turn all-day bounds into dates without losing a day at DST changes.

    exchangelib 5.6 subtracts 24 hours from the exclusive end *before* converting it to the
    item's zone: an all-day entry ending on the night clocks go forward (New York, 8 March)
    reads back one day short. Here the zone conversion comes first, then the calendar day is
    taken off. Same result everywhere else; confined to CalendarItem, applied once.
    """
    if getattr(EwsItem, "_odoo_all_day_fixed", False):
        return

    def from_xml(cls, elem, account):
        item = super(EwsItem, cls).from_xml(elem=elem, account=account)
        if not item.is_all_day:
            return item
        for name in ("start", "end"):
            value = getattr(item, name)
            if not isinstance(value, datetime):
                continue
            zone = getattr(item, "_%s_timezone" % name, None) or item._meeting_timezone
            day = value.astimezone(zone or EWSTimeZone("UTC")).date()
            if name == "end":
                day -= timedelta(days=1)  # exchangelib's all-day end dates are inclusive
            setattr(item, name, EWSDate(day.year, day.month, day.day))
        return item

    EwsItem.from_xml = classmethod(from_xml)
    EwsItem._odoo_all_day_fixed = True


register_properties()
exchange2007.apply()  # exchangelib's two mistakes with Exchange 2007 SP1 (see that module)
_fix_all_day_reading()

SENSITIVITY_IN = {
    "Normal": "public",
    "Personal": "private",
    "Private": "private",
    "Confidential": "confidential",
}
SENSITIVITY_OUT = {"public": "Normal", "private": "Private", "confidential": "Confidential"}
RESPONSE_IN = {
    "Unknown": "none",
    "NoResponseReceived": "none",
    "Organizer": "organizer",
    "Tentative": "tentative",
    "Accept": "accepted",
    "Decline": "declined",
}
RESPONSE_OUT = {
    "none": "Unknown",
    "organizer": "Organizer",
    "tentative": "Tentative",
    "accepted": "Accept",
    "declined": "Decline",
}
# The fields the backend writes on update (exchangelib field names).
WRITE_FIELDS = (
    "subject",
    "body",
    "start",
    "end",
    "is_all_day",
    "location",
    "sensitivity",
    "legacy_free_busy_status",
    "reminder_is_set",
    "reminder_minutes_before_start",
    "required_attendees",
    "optional_attendees",
    "categories",
    "odoo_activity_type",
)
# What the backend reads besides what it writes: Exchange's own fields and the series parts.
READ_FIELDS = WRITE_FIELDS + (
    "organizer",
    "type",
    "uid",
    "last_modified_time",
    "recurrence",
    "modified_occurrences",
    "deleted_occurrences",
    "odoo_identity",
)
# What an exception (a modified occurrence) may change on its own.
OCCURRENCE_WRITE_FIELDS = tuple(f for f in WRITE_FIELDS if f != "odoo_activity_type")


def read_fields(version_build):
    """Field names to fetch; the zone fields depend on the server version."""
    from exchangelib.version import EXCHANGE_2010

    zone_fields = (
        ("_meeting_timezone",)
        if version_build < EXCHANGE_2010
        else (
            "_start_timezone",
            "_end_timezone",
        )
    )
    return READ_FIELDS + zone_fields


def _zone_name(ews_item):
    zone = getattr(ews_item, "_start_timezone", None) or getattr(
        ews_item, "_meeting_timezone", None
    )
    if zone is None:
        return "UTC"
    try:
        return tzmod.to_iana(zone.key)
    except ValueError:
        return "UTC"


_utc = tzmod.plain_utc  # exchangelib's EWSDateTime -> a plain aware UTC datetime


def _times(ews_item, zone):
    """(start, end) as our item wants them: UTC datetimes, or dates with exclusive end."""
    start, end = ews_item.start, ews_item.end
    if ews_item.is_all_day:
        if isinstance(start, datetime):
            start = tzmod.local_date(_utc(start), zone)
        if isinstance(end, datetime):
            end = tzmod.local_date(_utc(end), zone)
        else:
            end = end + timedelta(days=1)  # exchangelib took the exclusive day off
        return date(start.year, start.month, start.day), date(end.year, end.month, end.day)
    return _utc(start), _utc(end)


def _people(ews_item):
    out = []
    for optional, group in (
        (False, ews_item.required_attendees),
        (True, ews_item.optional_attendees),
    ):
        for att in group or ():
            email = att.mailbox.email_address if att.mailbox else None
            if not email:
                continue
            response = RESPONSE_IN.get(att.response_type or "Unknown", "none")
            out.append(Attendee(email, att.mailbox.name or "", response, optional))
    return tuple(out)


def _content(ews_item, zone, activity=None):
    """Field values of an exchangelib item; ``activity``: the series' type, for occurrences."""
    activity = activity or getattr(ews_item, "odoo_activity_type", None)
    categories = [c for c in ews_item.categories or () if c != activity]
    minutes = ews_item.reminder_minutes_before_start if ews_item.reminder_is_set else None
    start, end = _times(ews_item, zone)
    organizer = ews_item.organizer.email_address if ews_item.organizer else None
    return {
        "subject": ews_item.subject or "",
        "start": start,
        "end": end,
        "all_day": bool(ews_item.is_all_day),
        "timezone": zone,
        "body": body_html(ews_item.body),
        "location": ews_item.location or "",
        "privacy": SENSITIVITY_IN.get(ews_item.sensitivity or "Normal", "public"),
        "show_as": "free" if ews_item.legacy_free_busy_status == "Free" else "busy",
        "reminder_minutes": minutes,
        "organizer": organizer,
        "attendees": _people(ews_item),
        "categories": tuple(categories),
        "activity_type": activity or None,
    }


def body_html(body):
    """The body as HTML: Exchange answers a text body (Outlook's plain text) as text."""
    if body is None or isinstance(body, HTMLBody):
        return str(body or "")
    lines = html.escape(str(body), quote=False).replace("\r\n", "\n").split("\n")
    return "<br>".join(lines)


def from_ews(ews_item, occurrences=None):
    """Our ``CalendarItem`` for an exchangelib item.

    ``occurrences`` maps occurrence item ids to their fetched exchangelib items, for the
    master's modified occurrences.
    """
    zone = _zone_name(ews_item)
    values = _content(ews_item, zone)
    if ews_item.type == "RecurringMaster" and ews_item.recurrence is not None:
        windows = tzmod.iana_to_windows(zone) if zone != "UTC" else "UTC"
        pattern = from_exchangelib(ews_item.recurrence, windows)
        first = values["start"]
        rule = rrules.pattern_to_rrule(pattern, first, zone)
        all_day = values["all_day"]
        series = CalendarItem(**values)
        exceptions = []
        for info in ews_item.modified_occurrences or ():
            full = (occurrences or {}).get(info.id)
            if full is None:
                continue  # vanished between the two reads; the next run sees it again
            # An occurrence has no extended properties of its own: it is the series' type.
            content = _content(full, zone, activity=values["activity_type"])
            key = expansion.occurrence_key(_utc(info.original_start), all_day, zone)
            exception = CalendarItem(**content)
            if exception == series.occurrence_at(key):
                # Modified on Exchange but back to the series' values (an exception we
                # reverted): for the user it is an ordinary occurrence.
                continue
            exceptions.append(Occurrence(key, exception))
        deleted = {
            expansion.occurrence_key(_utc(d.start), all_day, zone)
            for d in ews_item.deleted_occurrences or ()
        }
        values["recurrence"] = Recurrence(rule, tuple(exceptions), frozenset(deleted))
    return CalendarItem(**values)


def _ews_times(item):
    """(start, end, EWSTimeZone) for exchangelib: aware datetimes, or dates (inclusive end)."""
    zone = EWSTimeZone(tzmod.to_iana(item.timezone))
    if item.all_day:
        last = item.end - timedelta(days=1)
        return EWSDate.from_date(item.start), EWSDate.from_date(last), zone
    start = EWSDateTime.from_datetime(item.start).astimezone(zone)
    end = EWSDateTime.from_datetime(item.end).astimezone(zone)
    return start, end, zone


def _ews_people(item, optional):
    people = [a for a in item.attendees if a.optional == optional]
    return [
        EwsAttendee(
            mailbox=Mailbox(email_address=a.email, name=a.name or None),
            response_type=RESPONSE_OUT[a.response],
        )
        for a in people
    ] or None


def fill(ews_item, item, activity_type=None):
    """Set every written field of ``ews_item`` from our ``item`` (no recurrence)."""
    start, end, zone = _ews_times(item)
    ews_item.start, ews_item.end = start, end
    # exchangelib keeps what applies to the server version (MeetingTimeZone before 2010):
    # set all three, or an all-day entry on Exchange 2007 would be placed in UTC.
    ews_item._start_timezone = ews_item._end_timezone = ews_item._meeting_timezone = zone
    ews_item.is_all_day = item.all_day
    ews_item.subject = item.subject
    ews_item.body = HTMLBody(item.body) if item.body else None
    ews_item.location = item.location or None
    ews_item.sensitivity = SENSITIVITY_OUT[item.privacy]
    ews_item.legacy_free_busy_status = "Free" if item.show_as == "free" else "Busy"
    ews_item.reminder_is_set = item.reminder_minutes is not None
    ews_item.reminder_minutes_before_start = item.reminder_minutes or 0
    ews_item.required_attendees = _ews_people(item, False)
    ews_item.optional_attendees = _ews_people(item, True)
    activity = activity_type if activity_type is not None else item.activity_type
    categories = list(item.categories)
    if activity and activity not in categories:
        categories.append(activity)
    ews_item.categories = categories or None
    ews_item.odoo_activity_type = activity or None
    return ews_item


def ews_recurrence(item):
    """exchangelib ``Recurrence`` of a series item (ValueError when EWS cannot hold it)."""
    pattern = rrules.rrule_to_pattern(item.recurrence.rrule, item.start, item.timezone)
    return to_exchangelib(pattern)


def to_ews(item, account, identity=None):
    """A new exchangelib item (not saved) for our ``item``, series rule included."""
    ews_item = EwsItem(account=account, folder=None)
    fill(ews_item, item)
    if identity:
        ews_item.odoo_identity = identity
    if item.recurrence is not None:
        ews_item.recurrence = ews_recurrence(item)
    return ews_item


def occurrence_index(item, original_start):
    """1-based position of an occurrence in its series, as EWS's InstanceIndex counts."""
    rec = item.recurrence
    starts = expansion.occurrences(rec.rrule, item.start, item.timezone, limit=5000)
    try:
        return starts.index(original_start) + 1
    except ValueError:
        raise ValueError("The series has no occurrence starting at %s." % original_start) from None
