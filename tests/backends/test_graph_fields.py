"""Every mapped field through the real Graph backend and the simulator, both ways.

Round trips prove our two directions agree with each other; the checks on the simulator's
store (what Exchange itself holds) prove they agree with Exchange's meaning of each field.
"""

from datetime import date, timedelta

import pytest
from graph_support import ALICE, running, side_for, when

from calendar_exchange_sync.sync import errors
from calendar_exchange_sync.sync.graph import mapping as gm
from calendar_exchange_sync.sync.items import Attendee, CalendarItem

FULL = CalendarItem(
    subject="Budget review",
    start=when(10, 9, 30),
    end=when(10, 11),
    timezone="Europe/Berlin",
    body="<p>Agenda: <b>numbers</b></p>",
    location="Room 4.02",
    privacy="confidential",
    show_as="free",
    reminder_minutes=30,
    attendees=(
        Attendee("bob@contoso.com", "Bob Baker"),
        Attendee("dave@fabrikam.com", "Dave", optional=True),
    ),
    categories=("Finance", "Q1"),
    activity_type="Meeting",
)


def _create_and_read(side, item, identity="calendar.event,1"):
    [result] = side.create([(identity, item)])
    assert result.ok, result.error
    fetched = side.fetch([result.remote.id])[result.remote.id]
    return result, fetched


def test_every_field_round_trips_and_means_the_same_in_exchange():
    with running() as sim:
        side = side_for(sim)
        result, fetched = _create_and_read(side, FULL)
        assert fetched.identity == "calendar.event,1"
        assert fetched.version == result.remote.version
        assert fetched.uid and fetched.last_modified is not None
        # The organizer is the mailbox owner: Exchange decides that, not us.
        assert fetched.item == FULL.replace(organizer=ALICE)
        # What Exchange holds, in Exchange's own words.
        [stored] = sim.store.items(ALICE)
        assert stored.start_tz == "W. Europe Standard Time"
        assert stored.sensitivity == "Confidential" and stored.show_as == "Free"
        assert stored.reminder_is_set and stored.reminder_minutes == 30
        assert [a.email for a in stored.required_attendees] == ["bob@contoso.com"]
        assert [a.email for a in stored.optional_attendees] == ["dave@fabrikam.com"]
        # The activity type shows in Outlook as a category of the same name.
        assert sorted(stored.categories) == ["Finance", "Meeting", "Q1"]
        assert result.remote.id.startswith("AAkAL")  # an immutable id


@pytest.mark.parametrize(
    ("change", "stored_check"),
    [
        ({"privacy": "private"}, lambda s: s.sensitivity == "Private"),
        ({"privacy": "public"}, lambda s: s.sensitivity == "Normal"),
        ({"show_as": "busy"}, lambda s: s.show_as == "Busy"),
        ({"reminder_minutes": None}, lambda s: not s.reminder_is_set),
        ({"reminder_minutes": 0}, lambda s: s.reminder_is_set and s.reminder_minutes == 0),
        ({"categories": ()}, lambda s: s.categories == ["Meeting"]),
        ({"activity_type": None}, lambda s: "Meeting" not in s.categories),
        ({"location": ""}, lambda s: s.location == ""),
        ({"attendees": ()}, lambda s: not s.required_attendees and not s.optional_attendees),
        ({"timezone": "America/New_York"}, lambda s: s.start_tz == "Eastern Standard Time"),
    ],
)
def test_each_field_update_travels(change, stored_check):
    with running() as sim:
        side = side_for(sim)
        result, fetched = _create_and_read(side, FULL)
        wanted = FULL.replace(**change)
        [update] = side.update([(result.remote.id, fetched.version, wanted)])
        assert update.ok, update.error
        again = side.fetch([result.remote.id])[result.remote.id]
        assert again.item == wanted.replace(organizer=ALICE)
        assert again.version == update.remote.version != fetched.version
        assert stored_check(sim.store.items(ALICE)[0])


def test_all_day_uses_an_exclusive_end_date():
    with running() as sim:
        side = side_for(sim)
        item = CalendarItem(
            "Offsite", date(2026, 3, 12), date(2026, 3, 14), all_day=True, timezone="Europe/Paris"
        )
        _, fetched = _create_and_read(side, item)
        assert fetched.item == item.replace(organizer=ALICE)
        [stored] = sim.store.items(ALICE)
        assert stored.is_all_day
        # Midnight in Paris, two whole days.
        assert stored.start == when(11, 23) and stored.end - stored.start == timedelta(days=2)


def test_outlook_only_values_survive_an_update_that_does_not_touch_them():
    with running() as sim:
        side = side_for(sim)
        result, _ = _create_and_read(side, FULL.replace(show_as="busy"))
        # Somebody marks it "tentative" in Outlook; our mapping reads that as busy.
        sim.store.update_item(ALICE, sim.store.items(ALICE)[0].id, {"show_as": "Tentative"})
        fetched = side.fetch([result.remote.id])[result.remote.id]
        assert fetched.item.show_as == "busy"
        [update] = side.update([(result.remote.id, fetched.version, fetched.item.replace(
            subject="Budget review (moved)"))])  # fmt: skip
        assert update.ok
        stored = sim.store.items(ALICE)[0]
        assert stored.subject == "Budget review (moved)" and stored.show_as == "Tentative"


def test_entries_made_in_outlook_read_cleanly():
    """An Exchange entry without our properties: personal sensitivity, oof, custom zone."""
    with running() as sim:
        item = sim.store.create_item(
            ALICE,
            {
                "subject": "Dentist",
                "start": when(3, 13),
                "end": when(3, 14),
                "start_tz": "GMT Standard Time",
                "end_tz": "GMT Standard Time",
                "sensitivity": "Personal",
                "show_as": "OOF",
                "categories": ["Meeting"],
            },
        )
        side = side_for(sim)
        changes = side.list_changes(None, _window())
        graph_id = next(iter(changes.changed))
        fetched = side.fetch([graph_id])[graph_id]
        assert fetched.identity is None
        got = fetched.item
        assert (got.privacy, got.show_as, got.timezone) == ("private", "busy", "Europe/London")
        assert got.categories == ("Meeting",)  # not ours: the category stays a category
        assert got.activity_type is None and got.start == item.start


def test_find_by_identity_recognises_a_create_whose_answer_was_lost():
    with running() as sim:
        side = side_for(sim)
        result, _ = _create_and_read(side, FULL, identity="calendar.event,77")
        found = side.find_by_identity(["calendar.event,77", "calendar.event,78"])
        assert set(found) == {"calendar.event,77"}
        assert found["calendar.event,77"].id == result.remote.id


def test_a_refused_item_fails_alone():
    with running() as sim:
        side = side_for(sim)
        bad = FULL.replace(recurrence={"rrule": "FREQ=HOURLY"})
        results = side.create([("a", FULL), ("b", bad), ("c", FULL.replace(subject="Third"))])
        assert [r.ok for r in results] == [True, False, True]
        assert isinstance(results[1].error, errors.PermanentError)
        assert "HOURLY" in str(results[1].error) or "hourly" in str(results[1].error)
        assert len(sim.store.items(ALICE)) == 2


def test_property_set_is_the_ews_backends():
    ews_mapping = pytest.importorskip("calendar_exchange_sync.sync.ews.mapping")
    assert gm.PROPERTY_SET == ews_mapping.PROPERTY_SET


def _window():
    from graph_support import window

    return window()
