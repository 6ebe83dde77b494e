"""Odoo calendar events <-> ``CalendarItem``: the field mapping of DESIGN.md, Odoo's half.

Values read from Odoo are normalised by ``CalendarItem`` itself; values written to Odoo go
through the ORM, whose Html fields sanitise what Exchange sent.
"""

from datetime import datetime, time, timezone

from ..sync import tz
from ..sync.items import Attendee, CalendarItem, exclusive_end, inclusive_stop
from .addresses import normalize, partner_address
from .inbound_limits import with_overflow
from .odoo_card import description_of
from .ownership import COPY, OWN, RECEIVED, answer_of, meeting_organizer, organizer_of

UTC = timezone.utc
RESPONSE_TO_ITEM = {
    "needsAction": "none",
    "accepted": "accepted",
    "declined": "declined",
    "tentative": "tentative",
}
RESPONSE_TO_ODOO = {"none": "needsAction", "organizer": "accepted"}
RESPONSE_TO_ODOO.update({v: k for k, v in RESPONSE_TO_ITEM.items() if v != "none"})


def as_utc(value):
    """Odoo's naive UTC datetime -> aware UTC datetime."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def naive_utc(value):
    """Aware datetime (of any datetime subclass, exchangelib's included) -> naive UTC."""
    return datetime.fromtimestamp(value.timestamp(), UTC).replace(tzinfo=None)


def exchange_zone(zone):
    """The IANA zone Exchange gives back for ``zone``.

    Exchange keeps Windows zones, several IANA zones share one (Stockholm and Berlin are both
    "W. Europe Standard Time"), and a series' zone is part of what both sides compare.
    """
    try:
        return tz.to_iana(tz.iana_to_windows(zone))
    except ValueError:
        return zone


def event_zone(event, user):
    return exchange_zone(event.event_tz or event.user_id.tz or user.tz or "UTC")


def event_times(event):
    """(start, end, all_day) of one event in the item's conventions."""
    if event.allday:
        start = event.start_date or event.start.date()
        stop = event.stop_date or event.stop.date()
        return start, exclusive_end(stop), True
    return as_utc(event.start), as_utc(event.stop), False


def first_reminder(event):
    """Exchange keeps one reminder: the earliest one before the start, in minutes."""
    minutes = [alarm.duration_minutes for alarm in event.alarm_ids]
    return max(minutes) if minutes else None


def speaks_for_self(partner):
    """The partner is a user who synchronises a mailbox: their answer travels from their own
    copy of a meeting, never through anybody else's attendee list."""
    return any(
        not user.share and user.exchange_mailbox and user.exchange_sync_enabled
        for user in partner.sudo().user_ids
    )


def event_attendees(event, skip=()):
    """The attendees Exchange lists, each under the address Exchange knows them by; ``skip``
    holds addresses Exchange does not list as attendees (the organizer's). The answers listed
    are those of the people who do not synchronise a mailbox (see ``speaks_for_self``)."""
    attendees = []
    for attendee in event.attendee_ids:
        partner = attendee.partner_id
        address = partner_address(partner)
        if not address or address in skip:
            continue
        response = "none"
        if not speaks_for_self(partner):
            response = RESPONSE_TO_ITEM.get(attendee.state, "none")
        attendees.append(
            Attendee(
                email=address,
                # A partner created from a bare address is named after it: no display name.
                name="" if partner.name == partner.email else partner.name or "",
                response=response,
                optional=attendee.exchange_optional,
            )
        )
    return tuple(attendees)


def event_to_item(
    event, user, *, mailbox, kind=OWN, recurrence=None, default_type=None, cards=None
):
    """The item ``mailbox`` (of ``user``) holds for this event (or series base event).

    ``kind`` (see ``ownership``) decides organizer and attendees: the owner's own meeting lists
    its attendees; a meeting received from somebody else keeps that organizer's address and the
    attendee list Exchange gave; the owner's copy of a colleague's meeting names its organizer
    and carries the owner's answer (its people are the organizer's business); anything else is
    a plain entry of the owner's, without attendees, since Exchange makes the mailbox's owner
    the organizer of what we write.
    """
    start, end, all_day = event_times(event)
    activity_type = event.activity_type_id or default_type
    response = None
    if kind == RECEIVED:
        organizer = normalize(organizer_of(event))
        attendees = event_attendees(event, skip={organizer})
        response = owner_response(event, user)
    elif kind == COPY:
        organizer, attendees = meeting_organizer(event), ()
        response = owner_response(event, user)
    elif kind == OWN:
        organizer, attendees = mailbox, event_attendees(event, skip={mailbox})
    else:
        organizer, attendees = mailbox, ()
    item = CalendarItem(
        subject=event.name or "",
        start=start,
        end=end,
        all_day=all_day,
        timezone=event_zone(event, user),
        body=description_of(event, cards),
        location=event.location or "",
        privacy=event.effective_privacy or "public",
        show_as=event.show_as or "busy",
        reminder_minutes=first_reminder(event),
        organizer=organizer or None,
        attendees=attendees,
        categories=tuple(event.categ_ids.mapped("name")),
        activity_type=activity_type.name if activity_type else None,
        recurrence=recurrence,
        response=response,
    )
    # What the event keeps aside of its Exchange item (see inbound_limits) is part of it.
    return with_overflow(item, event.sudo().exchange_overflow, event.description)


def owner_response(event, user):
    """The user's answer to the event as a copy of a meeting carries it."""
    state = answer_of(event, user).state
    return RESPONSE_TO_ITEM.get(state, "none")


def time_values(item):
    """The start/stop/allday values of an item for ``calendar.event.write``."""
    if item.all_day:
        return {
            "allday": True,
            "start": datetime.combine(item.start, time()),
            "stop": datetime.combine(inclusive_stop(item.end), time()),
        }
    return {"allday": False, "start": naive_utc(item.start), "stop": naive_utc(item.end)}
