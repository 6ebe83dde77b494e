"""Store items <-> Microsoft Graph ``event`` JSON, as Graph v1.0 writes and accepts them.

Shapes follow Graph's reference: ``dateTimeTimeZone`` ({dateTime without offset, timeZone}),
``itemBody`` ({contentType, content}), ``location`` ({displayName, ...}), ``attendee``
({type, status {response, time}, emailAddress {name, address}}), ``patternedRecurrence``,
``singleValueLegacyExtendedProperty`` ({id, value}). Enumerations are Graph's camelCase
spellings, mapped to the store's Exchange spellings here.

Ids: Graph's default ids and immutable ids look different (Prefer IdType="ImmutableId"); both
are accepted on the way in. They are URL-safe base64 around the store's opaque id.
"""

import re
from datetime import datetime, time, timezone

from .. import bodies, zones
from ..goid import global_object_id
from ..meetings import computed_property
from ..recurrence import InvalidRecurrence, validate
from ..store import Attendee

UTC = timezone.utc
REGULAR_PREFIX, IMMUTABLE_PREFIX = "AAMkA", "AAkAL"
SENSITIVITY = {"normal": "Normal", "personal": "Personal", "private": "Private"}
SENSITIVITY["confidential"] = "Confidential"
SHOW_AS = {"free": "Free", "tentative": "Tentative", "busy": "Busy", "oof": "OOF"}
SHOW_AS |= {"workingElsewhere": "WorkingElsewhere", "unknown": "NoData"}
RESPONSE = {"none": "Unknown", "organizer": "Organizer", "tentativelyAccepted": "Tentative"}
RESPONSE |= {"accepted": "Accept", "declined": "Decline", "notResponded": "NoResponseReceived"}
ITEM_TYPE = {"Single": "singleInstance", "RecurringMaster": "seriesMaster"}
ITEM_TYPE |= {"Occurrence": "occurrence", "Exception": "exception"}
_EXT_ID = re.compile(
    r"^(?P<type>\w+)\s+\{(?P<guid>[0-9a-fA-F-]{36})\}\s+(?P<kind>Name|Id)\s+(?P<name>.+)$"
)


class EventError(ValueError):
    """A request body Graph would refuse: 400 with ``code`` and ``message``."""

    def __init__(self, message, code="ErrorInvalidRequest"):
        super().__init__(message)
        self.code, self.message = code, message


# --------------------------------------------------------------------------- ids


def to_graph_id(store_id, immutable):
    raw = store_id.replace("+", "-").replace("/", "_").rstrip("=")
    return (IMMUTABLE_PREFIX if immutable else REGULAR_PREFIX) + raw


def from_graph_id(graph_id):
    for prefix in (IMMUTABLE_PREFIX, REGULAR_PREFIX):
        if graph_id.startswith(prefix):
            raw = graph_id[len(prefix) :].replace("-", "+").replace("_", "/")
            return raw + "=" * (-len(raw) % 4)
    return None


def etag(change_key):
    return 'W/"%s"' % change_key


# --------------------------------------------------------------------------- times


def _stamp(moment):
    """Graph's DateTimeOffset in UTC with seven fraction digits (ours stop at microseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def dt_tz(moment, zone_name, all_day_zone=None):
    """A ``dateTimeTimeZone`` of an instant in the zone the client asked for."""
    if all_day_zone is not None:
        # All-day entries are floating dates: midnight of the entry's own zone, shown as is.
        local = moment.astimezone(zones.zone(all_day_zone)).replace(tzinfo=None)
    else:
        local = moment.astimezone(zones.zone(zone_name)).replace(tzinfo=None)
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": zone_name}


def parse_dt_tz(value, what):
    """(UTC datetime, Windows zone id) from a ``dateTimeTimeZone`` body value."""
    if not isinstance(value, dict) or "dateTime" not in value:
        raise EventError("The %s of the event must be a dateTimeTimeZone." % what)
    name = value.get("timeZone") or "UTC"
    try:
        tzinfo = zones.zone(name)
    except zones.UnknownTimeZone:
        raise EventError(
            "A valid TimeZone value must be specified. The following TimeZone value is not "
            "supported: '%s'." % name,
            code="TimeZoneNotSupportedException",
        ) from None
    text = value["dateTime"].rstrip("Z")
    text = re.sub(r"(\.\d{6})\d+$", r"\1", text)
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise EventError("Cannot convert the literal '%s' to a date." % value["dateTime"]) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=tzinfo)
    windows = name if zones.is_known(name) and "/" not in name else zones.windows_id(name)
    return local.astimezone(UTC), windows


# --------------------------------------------------------------------------- store -> Graph


def _address(att):
    return {"name": att.name or att.email, "address": att.email}


NO_TIME = "0001-01-01T00:00:00Z"  # what Graph shows for "never answered"


def _status(response, moment):
    return {
        "response": _reverse(RESPONSE, response, "none"),
        "time": _stamp(moment) if moment is not None else NO_TIME,
    }


def _attendee(att, kind):
    return {
        "type": kind,
        "status": _status(att.response, att.response_time),
        "emailAddress": _address(att),
    }


def _reverse(mapping, value, default):
    for graph, store in mapping.items():
        if store == value:
            return graph
    return default


def ext_id(key):
    set_id, name, kind = key
    if str(name).isdigit():
        return "%s {%s} Id 0x%x" % (kind, set_id, int(name))
    return "%s {%s} Name %s" % (kind, set_id, name)


def parse_ext_id(text):
    match = _EXT_ID.match((text or "").strip())
    if not match:
        raise EventError(
            "The extended property id '%s' is not valid." % text, code="ErrorInvalidProperty"
        )
    name = match.group("name")
    if match.group("kind") == "Id":
        name = str(int(name, 16) if name.lower().startswith("0x") else int(name))
    return (match.group("guid").lower(), name, match.group("type"))


def body_for(item, content_type):
    """The ``itemBody`` as Exchange serves it (see :mod:`exchange_simulator.bodies`)."""
    content, kind = bodies.render(item.body, item.extra.get("body_type"), content_type)
    return {"contentType": kind.lower(), "content": content}


def ical_uid(item):
    """Graph's ``iCalUId``: "different for each occurrence in a recurring series" (the event
    resource on Microsoft Learn), so an instance's is derived from the series' UID and its
    original start: the hex of the instance's GlobalObjectId ([MS-OXOCAL] 2.2.1.27), which
    carries the instance date in the series' clean id."""
    if not item.master_id:
        return item.uid
    return global_object_id(item.uid, item.original_start).hex().upper()


def to_event(item, view):
    """The Graph JSON of a store item. ``view`` holds the request's preferences:
    ``zone`` (outlook.timezone), ``body`` (html/text), ``immutable`` and ``ext_ids`` (the
    extended property keys to include, from ``$expand``), ``brief`` (occurrence in delta).
    """
    gid = to_graph_id(item.id, view.immutable)
    all_day_zone = item.start_tz if item.is_all_day else None
    out = {
        "@odata.etag": etag(item.change_key),
        "id": gid,
        "type": ITEM_TYPE.get(item.item_type, "singleInstance"),
        "start": dt_tz(item.start, view.zone, all_day_zone),
        "end": dt_tz(item.end, view.zone, all_day_zone),
    }
    if item.master_id:
        out["seriesMasterId"] = to_graph_id(item.master_id, view.immutable)
        out["originalStart"] = _stamp(item.original_start)
    if view.brief and item.item_type == "Occurrence":
        return out  # delta lists plain occurrences with their times only, as Graph does
    organizer = item.organizer or Attendee(view.mailbox, view.mailbox_name, "Organizer")
    is_organizer = organizer.email.lower() == view.mailbox.lower()
    out.update(
        {
            "createdDateTime": _stamp(item.created),
            "lastModifiedDateTime": _stamp(item.last_modified),
            "changeKey": item.change_key,
            "categories": list(item.categories),
            "originalStartTimeZone": item.start_tz,
            "originalEndTimeZone": item.end_tz,
            "iCalUId": ical_uid(item),
            "reminderMinutesBeforeStart": item.reminder_minutes,
            "isReminderOn": item.reminder_is_set,
            "hasAttachments": False,
            "subject": item.subject,
            "bodyPreview": " ".join(body_for(item, "text")["content"].split())[:255],
            "importance": "normal",
            "sensitivity": _reverse(SENSITIVITY, item.sensitivity, "normal"),
            "isAllDay": item.is_all_day,
            "isCancelled": item.is_cancelled,
            "transactionId": item.extra.get("transaction_id"),
            "isOrganizer": is_organizer,
            "responseRequested": True,
            "responseStatus": _status(
                "Organizer" if is_organizer else item.my_response, item.response_time
            ),
            "showAs": _reverse(SHOW_AS, item.show_as, "busy"),
            "body": body_for(item, view.body),
            "location": {"displayName": item.location, "locationType": "default"},
            "locations": [{"displayName": item.location}] if item.location else [],
            "recurrence": item.recurrence,
            "attendees": [_attendee(a, "required") for a in item.required_attendees]
            + [_attendee(a, "optional") for a in item.optional_attendees],
            "organizer": {"emailAddress": _address(organizer)},
        }
    )
    if view.ext_ids is not None:
        props = [
            {"id": ext_id(key), "value": value}
            for key, value in item.extended_properties.items()
            if key in view.ext_ids
        ]
        for key in view.ext_ids:
            value = computed_property(item, key)  # the Global Object Ids, never stored
            if value is not None:
                props.append({"id": ext_id(key), "value": value})
        if props:
            out["singleValueExtendedProperties"] = props
    return out


# --------------------------------------------------------------------------- Graph -> store


def _attendees(values):
    required, optional = [], []
    for raw in values or ():
        try:
            address = raw["emailAddress"]["address"]
        except (KeyError, TypeError):
            raise EventError("An attendee needs emailAddress.address.") from None
        status = (raw.get("status") or {}).get("response") or "none"
        att = Attendee(
            address, raw["emailAddress"].get("name") or "", RESPONSE.get(status, "Unknown")
        )
        (optional if raw.get("type") == "optional" else required).append(att)
    return required, optional


def _enum(mapping, value, what):
    if value not in mapping:
        raise EventError("'%s' is not a valid value for %s." % (value, what))
    return mapping[value]


def to_store(body, partial=False):
    """Store field values from a POST/PATCH event body (``partial``: PATCH)."""
    if not isinstance(body, dict):
        raise EventError("The request body must be a JSON object.")
    values = {}
    if "subject" in body:
        values["subject"] = body["subject"] or ""
    if "body" in body:
        # Kept as sent, with its kind: Exchange serves it in its own form (bodies.render).
        raw = body["body"] or {}
        text = (raw.get("contentType") or "html").lower() == "text"
        values["body"] = raw.get("content") or ""
        values["extra"] = {"body_type": "Text" if text else "HTML"}
    if body.get("transactionId"):
        values.setdefault("extra", {})["transaction_id"] = str(body["transactionId"])
    for what in ("start", "end"):
        if what in body:
            values[what], values[what + "_tz"] = parse_dt_tz(body[what], what)
    if not partial and ("start" not in values or "end" not in values):
        raise EventError("An event needs a start and an end.")
    if "isAllDay" in body:
        values["is_all_day"] = bool(body["isAllDay"])
    if "location" in body:
        values["location"] = (body["location"] or {}).get("displayName") or ""
    if "sensitivity" in body:
        values["sensitivity"] = _enum(SENSITIVITY, body["sensitivity"], "sensitivity")
    if "showAs" in body:
        values["show_as"] = _enum(SHOW_AS, body["showAs"], "showAs")
    if "isReminderOn" in body:
        values["reminder_is_set"] = bool(body["isReminderOn"])
    if "reminderMinutesBeforeStart" in body:
        values["reminder_minutes"] = int(body["reminderMinutesBeforeStart"] or 0)
    if "categories" in body:
        values["categories"] = [str(c) for c in body["categories"] or ()]
    if "attendees" in body:
        values["required_attendees"], values["optional_attendees"] = _attendees(body["attendees"])
    if "organizer" in body and body["organizer"]:
        address = body["organizer"].get("emailAddress") or {}
        values["organizer"] = Attendee(address.get("address", ""), address.get("name", ""))
    if "recurrence" in body:
        values["recurrence"] = _recurrence(body["recurrence"])
    if "singleValueExtendedProperties" in body:
        values["extended_properties"] = {
            parse_ext_id(p.get("id")): p.get("value")
            for p in body["singleValueExtendedProperties"] or ()
        }
    return values


def _recurrence(value):
    if value is None:
        return None
    try:
        validate(value)
    except InvalidRecurrence as exc:
        raise EventError("The recurrence pattern is not valid: %s." % exc) from None
    return value


def check_all_day(values):
    """Graph refuses an all-day event whose times are not midnight in its zone."""
    if not values.get("is_all_day"):
        return
    days = {}
    for what in ("start", "end"):
        local = values[what].astimezone(zones.zone(values.get(what + "_tz") or "UTC"))
        if local.time() != time(0):
            raise EventError(
                "The start and end of an all-day event must be at midnight (%s is %s)."
                % (what, local.isoformat())
            )
        days[what] = local.date()
    # Days of the calendar, not hours: the day clocks move forward has 23 of them.
    if days["end"] <= days["start"]:
        raise EventError("An all-day event must last at least one day.")
