"""``CalendarItem`` <-> Microsoft Graph ``event`` JSON: the field mapping of DESIGN.md, both ways.

The mapper knows fields, not requests. Choices that are easy to get wrong:

* Times are written in the item's own zone under its Windows name (what every Exchange
  accepts) and read back whatever zone Graph answers in (we ask for UTC).
* All-day: Graph wants midnight-to-midnight with ``isAllDay``; our dates already have the
  exclusive end Graph uses. Read back, the date part of ``dateTime`` is the date.
* sensitivity normal/personal/private/confidential -> public/private/private/confidential;
  showAs free -> free, everything else (busy, tentative, oof, workingElsewhere, unknown) -> busy.
* Reminder: ``isReminderOn`` false means no reminder (None).
* The Odoo identity and the activity type travel as single-value extended properties in the
  same property set and under the same names as the EWS backend uses, so an item keeps its
  identity whichever protocol reads it; the activity type is also written as a category of the
  same name (people see it in Outlook) and that category is taken off again on reading.
* Organizer and attendee responses are read only: Exchange makes the mailbox owner the
  organizer of what we create, and attendees answer for themselves.
* Series: the master carries the rule (``recurrence.pattern_to_rrule``); exceptions and
  deleted occurrences come from ``/instances`` and are keyed by their original start.
"""

import uuid
from datetime import date, datetime

from .. import expansion
from .. import recurrence as rrules
from .. import tz as tzmod
from ..items import Attendee, CalendarItem, Occurrence, Recurrence

# The EWS backend's property set (sync/ews/mapping.py): one identity across protocols.
PROPERTY_SET = "3c8d2a51-7f0e-4d6b-9a41-0c5e2f7b9d13"
IDENTITY_PROP = "String {%s} Name OdooIdentity" % PROPERTY_SET
ACTIVITY_PROP = "String {%s} Name OdooActivityType" % PROPERTY_SET
EXPAND = "singleValueExtendedProperties($filter=id eq '%s' or id eq '%s')" % (
    IDENTITY_PROP,
    ACTIVITY_PROP,
)
TRANSACTION_NS = uuid.UUID(PROPERTY_SET)  # transactionId = uuid5(this, identity)
PRIVACY_TO_GRAPH = {"public": "normal", "private": "private", "confidential": "confidential"}
PRIVACY_FROM_GRAPH = {"normal": "public", "personal": "private", "private": "private"}
PRIVACY_FROM_GRAPH["confidential"] = "confidential"
RESPONSE_FROM_GRAPH = {"none": "none", "organizer": "organizer", "accepted": "accepted"}
RESPONSE_FROM_GRAPH |= {"declined": "declined", "tentativelyAccepted": "tentative"}
RESPONSE_FROM_GRAPH["notResponded"] = "none"
# Fields an occurrence of a series may override in Graph.
OCCURRENCE_FIELDS = ("subject", "body", "start", "end", "location", "sensitivity", "showAs")
OCCURRENCE_FIELDS += ("isReminderOn", "reminderMinutesBeforeStart", "categories", "attendees")


# --------------------------------------------------------------------------- reading


def parse_time(value, all_day=False):
    """An aware UTC datetime (or a date for all-day) from a ``dateTimeTimeZone``."""
    text = value["dateTime"]
    if all_day:
        return date.fromisoformat(text[:10])
    text = text.rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = head + "." + frac[:6]
    local = datetime.fromisoformat(text)
    return tzmod.to_utc(local, value.get("timeZone") or "UTC")


def parse_stamp(text):
    """Graph's DateTimeOffset strings (``2026-03-02T08:00:00.0000000Z``) as aware UTC."""
    if not text:
        return None
    text = text.replace("Z", "+00:00")
    if "." in text:
        head, rest = text.split(".", 1)
        digits = "".join(ch for ch in rest if ch.isdigit())
        text = head + "." + digits[:6] + rest[len(digits) :]
    return datetime.fromisoformat(text).astimezone(tzmod.UTC)


def extended(event):
    """{property id: value} of the expanded single-value extended properties."""
    return {
        p.get("id", "").lower(): p.get("value")
        for p in event.get("singleValueExtendedProperties") or ()
    }


def identity_of(event):
    return extended(event).get(IDENTITY_PROP.lower())


def _zone(event):
    name = event.get("originalStartTimeZone") or event.get("start", {}).get("timeZone")
    try:
        return tzmod.to_iana(name)
    except ValueError:
        return "UTC"  # "Customized Time Zone" and friends: times are still right in UTC


def _attendees(event):
    out = []
    for raw in event.get("attendees") or ():
        address = (raw.get("emailAddress") or {}).get("address")
        if not address:
            continue
        status = (raw.get("status") or {}).get("response") or "none"
        name = (raw.get("emailAddress") or {}).get("name") or ""
        if name.strip().lower() == address.strip().lower():
            name = ""  # Graph shows the address as the name of someone without one
        out.append(
            Attendee(
                address,
                name,
                RESPONSE_FROM_GRAPH.get(status, "none"),
                raw.get("type") == "optional",
            )
        )
    return tuple(out)


def _fields(event, activity):
    """The CalendarItem keyword arguments common to series, singles and exceptions."""
    all_day = bool(event.get("isAllDay"))
    body = event.get("body") or {}
    categories = [c for c in event.get("categories") or () if c != activity]
    return {
        "subject": event.get("subject") or "",
        "start": parse_time(event["start"], all_day),
        "end": parse_time(event["end"], all_day),
        "all_day": all_day,
        "timezone": _zone(event),
        "body": body.get("content") or "",
        "location": (event.get("location") or {}).get("displayName") or "",
        "privacy": PRIVACY_FROM_GRAPH.get(event.get("sensitivity"), "public"),
        "show_as": "free" if event.get("showAs") == "free" else "busy",
        "reminder_minutes": (
            int(event.get("reminderMinutesBeforeStart") or 0) if event.get("isReminderOn") else None
        ),
        "organizer": ((event.get("organizer") or {}).get("emailAddress") or {}).get("address"),
        "attendees": _attendees(event),
        "categories": tuple(categories),
    }


def to_item(event, instances=None, horizon=None):
    """The CalendarItem of a single event or series master.

    For a series, ``instances`` are its ``/instances`` listed up to ``horizon`` (aware UTC):
    they give the exceptions, and the occurrences the rule yields before ``horizon`` that are
    missing from them are the deleted ones. Without instances the series has neither.
    """
    activity = extended(event).get(ACTIVITY_PROP.lower())
    values = _fields(event, activity)
    values["activity_type"] = activity
    if event.get("type") == "seriesMaster" and event.get("recurrence"):
        values["recurrence"] = _series(event, values, instances, horizon, activity)
    return CalendarItem(**values)


def _series(master, values, instances, horizon, activity):
    start, zone = values["start"], values["timezone"]
    rule = rrules.pattern_to_rrule(master["recurrence"], start, zone)
    all_day = values["all_day"]
    if instances is None:
        return Recurrence(rule)
    series = CalendarItem(**values)
    exceptions, seen = [], set()
    for inst in instances:
        original = parse_stamp(inst.get("originalStart"))
        if original is None:
            continue
        key = expansion.occurrence_key(original, all_day, zone)
        seen.add(key)
        if inst.get("type") != "exception":
            continue
        fields = _fields(inst, activity)
        fields["timezone"] = zone
        exception = CalendarItem(**fields, activity_type=activity)
        if exception == series.occurrence_at(key):
            # Modified once, then set back to the series' values: an ordinary occurrence
            # for the user (the EWS backend reads it the same way).
            continue
        exceptions.append(Occurrence(key, exception))
    # A deleted occurrence is one the rule produces that /instances no longer lists; only the
    # span the instances were listed for counts.
    expected = expansion.occurrences(rule, start, zone, (None, horizon), limit=5000)
    deleted = frozenset(e for e in expected if e not in seen)
    return Recurrence(rule, tuple(exceptions), deleted)


# --------------------------------------------------------------------------- writing


def _time(value, zone, all_day):
    windows = _windows(zone)
    if all_day:
        return {"dateTime": "%sT00:00:00" % value.isoformat(), "timeZone": windows}
    local = tzmod.to_local(value, zone)
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": windows}


def _windows(zone):
    try:
        return tzmod.iana_to_windows(zone)
    except ValueError:
        return "UTC"  # no Windows name: UTC instants are still exact for single events


def _zone_for_write(item):
    """A zone Exchange can store; a series in a zone without a Windows name cannot be synced."""
    try:
        tzmod.iana_to_windows(item.timezone)
        return item.timezone
    except ValueError:
        if item.recurrence is not None and not item.all_day:
            raise ValueError(
                "Exchange has no time zone matching '%s' for this recurring series." % item.timezone
            ) from None
        return "UTC"


def occurrence_body(item, activity):
    """The fields of one occurrence or exception (what Graph lets an instance override)."""
    zone = _zone_for_write(item)
    categories = list(item.categories)
    if activity and activity not in categories:
        categories.append(activity)
    return {
        "subject": item.subject,
        "body": {"contentType": "html", "content": item.body},
        "start": _time(item.start, zone, item.all_day),
        "end": _time(item.end, zone, item.all_day),
        "location": {"displayName": item.location},
        "sensitivity": PRIVACY_TO_GRAPH[item.privacy],
        "showAs": item.show_as,
        "isReminderOn": item.reminder_minutes is not None,
        "reminderMinutesBeforeStart": item.reminder_minutes or 0,
        "categories": categories,
        "attendees": [
            {
                "emailAddress": {"address": a.email, "name": a.name},
                "type": "optional" if a.optional else "required",
            }
            for a in item.attendees
        ],
    }


def to_event(item, identity=None):
    """The Graph JSON to create (POST) or overwrite (PATCH) a single event or series master."""
    body = occurrence_body(item, item.activity_type)
    body["isAllDay"] = item.all_day
    props = [{"id": ACTIVITY_PROP, "value": item.activity_type or ""}]
    if identity:
        props.append({"id": IDENTITY_PROP, "value": identity})
        # Graph creates nothing for a POST whose transactionId an event already has: a
        # create sent again after a lost answer is never a duplicate.
        body["transactionId"] = str(uuid.uuid5(TRANSACTION_NS, identity))
    body["singleValueExtendedProperties"] = props
    if item.recurrence is not None:
        zone = _zone_for_write(item)
        body["recurrence"] = rrules.rrule_to_pattern(item.recurrence.rrule, item.start, zone)
        if body["recurrence"]["range"]["type"] != "endDate":
            body["recurrence"]["range"].pop("endDate", None)
    else:
        body["recurrence"] = None
    return body


def changed_body(wanted, current):
    """The part of ``wanted`` (a PATCH body) that differs from the ``current`` item's mapping.

    Sending only what changed keeps what our mapping cannot express (a "tentative" showAs, an
    "oof" the user set in Outlook) when nothing about it changed on our side.
    """
    keep = {}
    for name, value in wanted.items():
        if current.get(name) != value:
            keep[name] = value
    return keep
