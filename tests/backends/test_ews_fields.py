"""Every field of the mapping table through the real exchangelib and the simulator's EWS.

Round trips prove "what we write we read back identical"; the store assertions prove what
actually travelled on the wire, so the two halves cannot agree on a shared mistake.
"""

from datetime import date, datetime

import pytest
from ews_support import (  # noqa: F401 - fixtures
    ALICE,
    SEED,
    assert_schema_clean,
    ews_sim_fixture,
    meeting,
    settings,
    side_fixture,
    start,
    utc,
)

from calendar_exchange_sync.sync.ews import EwsSide
from calendar_exchange_sync.sync.ews.mapping import PROPERTY_SET
from calendar_exchange_sync.sync.items import CalendarItem


def stored_last_modified(sim, item_id):
    # EWS writes the store's time to the second.
    return sim.store.get_item(ALICE, item_id).last_modified.replace(microsecond=0)


def create_one(side, item, identity="calendar.event,1"):
    [result] = side.create([(identity, item)])
    assert result.ok, result.error
    return result.remote


def test_every_field_round_trips_and_lands_on_the_wire(ews_sim, side):
    item = meeting()
    remote = create_one(side, item)
    fetched = side.fetch([remote.id])[remote.id]
    assert fetched.item == item
    assert fetched.version == remote.version
    assert fetched.identity == "calendar.event,1"
    assert fetched.uid and type(fetched.last_modified) is datetime
    assert fetched.last_modified == stored_last_modified(ews_sim, remote.id)

    stored = ews_sim.store.get_item(ALICE, remote.id)
    assert (stored.subject, stored.location) == ("Planning", "Room 4")
    assert stored.sensitivity == "Private" and stored.show_as == "Free"
    assert stored.reminder_is_set and stored.reminder_minutes == 10
    assert stored.start_tz == "Romance Standard Time"
    assert stored.start == utc(2026, 3, 5, 11, 0) and stored.end == utc(2026, 3, 5, 12, 30)
    assert stored.body == "<p>Agenda: <b>budget</b></p>"
    # The activity type is a category too, so Outlook users see it.
    assert stored.categories == ["Customer", "Important", "Meeting"]
    assert stored.extended_properties == {
        (PROPERTY_SET, "OdooIdentity", "String"): "calendar.event,1",
        (PROPERTY_SET, "OdooActivityType", "String"): "Meeting",
    }
    responses = {a.email: a.response for a in stored.required_attendees}
    assert responses == {"bob@contoso.com": "Accept", "dan@example.org": "Decline"}
    assert {a.email: a.response for a in stored.optional_attendees} == {
        "carol@contoso.com": "Tentative",
        "eve@example.org": "Unknown",
    }
    assert stored.extra["invitations_sent"] is False  # SendToNone: Odoo sends its own


def test_all_day_end_is_exclusive_midnight_in_the_items_zone(ews_sim, side):
    item = CalendarItem(
        "Holiday",
        date(2026, 3, 9),
        date(2026, 3, 11),
        all_day=True,
        timezone="Europe/Berlin",
        organizer=ALICE,
    )
    remote = create_one(side, item)
    stored = ews_sim.store.get_item(ALICE, remote.id)
    assert stored.is_all_day
    # Midnight in Berlin (UTC+1 in March), end exclusive: two whole days.
    assert stored.start == utc(2026, 3, 8, 23, 0) and stored.end == utc(2026, 3, 10, 23, 0)
    assert side.fetch([remote.id])[remote.id].item == item


@pytest.mark.parametrize(
    "stored_value, privacy",
    [
        ("Normal", "public"),
        ("Personal", "private"),
        ("Private", "private"),
        ("Confidential", "confidential"),
    ],
)
def test_sensitivity_read_mapping(ews_sim, side, stored_value, privacy):
    remote = create_one(side, meeting(privacy="public"))
    ews_sim.store.update_item(ALICE, remote.id, {"sensitivity": stored_value})
    assert side.fetch([remote.id])[remote.id].item.privacy == privacy


@pytest.mark.parametrize(
    "stored_value, show_as",
    [
        ("Free", "free"),
        ("Busy", "busy"),
        ("Tentative", "busy"),
        ("OOF", "busy"),
        ("WorkingElsewhere", "busy"),
    ],
)
def test_free_busy_read_mapping(ews_sim, side, stored_value, show_as):
    remote = create_one(side, meeting())
    ews_sim.store.update_item(ALICE, remote.id, {"show_as": stored_value})
    assert side.fetch([remote.id])[remote.id].item.show_as == show_as


def test_entry_made_in_outlook_reads_with_defaults(ews_sim, side):
    made = ews_sim.store.create_item(
        ALICE,
        {
            "subject": "Dentist",
            "start": utc(2026, 4, 1, 7),
            "end": utc(2026, 4, 1, 8),
            "start_tz": "GMT Standard Time",
            "end_tz": "GMT Standard Time",
            "categories": ["Health"],
        },
    )
    fetched = side.fetch([made.id])[made.id]
    assert fetched.identity is None and fetched.uid == made.uid
    item = fetched.item
    assert (item.subject, item.timezone, item.organizer) == ("Dentist", "Europe/London", ALICE)
    assert item.activity_type is None and item.categories == ("Health",)
    assert item.reminder_minutes is None and item.attendees == ()


def test_update_rewrites_every_field_and_clears_emptied_ones(ews_sim, side):
    remote = create_one(side, meeting())
    changed = meeting(
        subject="Planning (moved)",
        start=utc(2026, 3, 6, 8),
        end=utc(2026, 3, 6, 9),
        timezone="America/New_York",
        body="",
        location="",
        privacy="confidential",
        show_as="busy",
        reminder_minutes=None,
        attendees=(),
        categories=(),
        activity_type="Call",
    )
    [result] = side.update([(remote.id, remote.version, changed)])
    assert result.ok, result.error
    assert result.remote.version != remote.version
    fetched = side.fetch([remote.id])[remote.id]
    assert fetched.item == changed and fetched.version == result.remote.version
    stored = ews_sim.store.get_item(ALICE, remote.id)
    assert stored.location == "" and stored.required_attendees == []
    assert stored.start_tz == "Eastern Standard Time" and stored.categories == ["Call"]


def test_exchange_2007_uses_meeting_time_zone():
    seed = dict(SEED)
    seed["server"] = {"version": "Exchange2007_SP1", "domain": "CONTOSO"}
    sim = start(seed)
    try:
        side = EwsSide(settings(sim, version="Exchange2007_SP1"), ALICE)
        item = meeting()
        remote = create_one(side, item)
        assert sim.store.get_item(ALICE, remote.id).start_tz == "Romance Standard Time"
        assert side.fetch([remote.id])[remote.id].item == item
        assert_schema_clean(sim)
    finally:
        sim.stop()


def test_all_day_across_a_dst_change_keeps_its_last_day(ews_sim, side):
    # Clocks go forward in New York on 8 March 2026: exchangelib alone reads this one day short.
    item = CalendarItem(
        "Trip", date(2026, 3, 6), date(2026, 3, 9), all_day=True,
        timezone="America/New_York", organizer=ALICE,
    )  # fmt: skip
    remote = create_one(side, item)
    stored = ews_sim.store.get_item(ALICE, remote.id)
    assert stored.start == utc(2026, 3, 6, 5) and stored.end == utc(2026, 3, 9, 4)
    assert side.fetch([remote.id])[remote.id].item == item
