"""Random entries and series through exchangelib, the simulator's EWS and back (hypothesis).

Every field takes random values; series take a random rule, zone and set of modified and
deleted occurrences, then a random second state is written over the first. The simulator
expands series with its own code, so a mapping mistake on either side shows up here.
"""

import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest
from ews_support import ALICE, BOB, SEED, assert_schema_clean, settings, start
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from calendar_exchange_sync.sync import expansion
from calendar_exchange_sync.sync import recurrence as rrules
from calendar_exchange_sync.sync.ews import EwsSide
from calendar_exchange_sync.sync.items import Attendee, CalendarItem, Occurrence, Recurrence

UTC = timezone.utc
ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata", "Australia/Sydney"]
RULES = [
    "FREQ=DAILY;COUNT=5",
    "FREQ=DAILY;INTERVAL=2;COUNT=4",
    "FREQ=WEEKLY;COUNT=5",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6",
    "FREQ=MONTHLY;BYDAY=3WE;COUNT=3",
    "FREQ=MONTHLY;BYMONTHDAY=10;COUNT=3",
    "FREQ=YEARLY;COUNT=2",
]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)
PEOPLE = [BOB, "carol@contoso.com", "dan@example.org", "eve@example.org"]


@st.composite
def fields(draw, zone):
    people = draw(st.lists(st.sampled_from(PEOPLE), unique=True, max_size=3))
    return {
        "subject": draw(TEXT),
        "timezone": zone,
        "body": draw(st.sampled_from(["", "<p>Notes</p>", "<p>A &amp; B</p><ul><li>x</li></ul>"])),
        "location": draw(TEXT),
        "privacy": draw(st.sampled_from(["public", "private", "confidential"])),
        "show_as": draw(st.sampled_from(["busy", "free"])),
        "reminder_minutes": draw(st.sampled_from([None, 0, 5, 15, 1440])),
        "organizer": ALICE,
        "attendees": tuple(
            Attendee(p, draw(st.sampled_from(["", "Someone"])),
                     draw(st.sampled_from(["none", "accepted", "declined", "tentative"])),
                     draw(st.booleans()))
            for p in people
        ),
        "categories": tuple(draw(st.lists(st.sampled_from(["Red", "Customer", "Ünïcode"]),
                                          unique=True, max_size=2))),
        "activity_type": draw(st.sampled_from([None, "Meeting", "Call"])),
    }  # fmt: skip


@st.composite
def entries(draw):
    zone = draw(st.sampled_from(ZONES))
    values = draw(fields(zone))
    if draw(st.booleans()):
        begin = date(2026, 3, 1) + timedelta(days=draw(st.integers(0, 200)))
        end = begin + timedelta(days=draw(st.integers(1, 3)))
        item = CalendarItem(start=begin, end=end, all_day=True, **values)
        unit = timedelta(days=1)
    else:
        begin = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(
            minutes=15 * draw(st.integers(0, 20000))
        )
        end = begin + timedelta(minutes=15 * draw(st.integers(0, 40)))
        item = CalendarItem(start=begin, end=end, **values)
        unit = timedelta(minutes=30)
    if not draw(st.booleans()):
        return item
    rule = rrules.canonical_rrule(draw(st.sampled_from(RULES)), begin, zone)
    starts = expansion.occurrences(rule, begin, zone)
    flags = draw(st.lists(st.sampled_from("--xd"), min_size=len(starts), max_size=len(starts)))
    exceptions, deleted = [], set()
    for original, flag in zip(starts, flags, strict=True):
        if flag == "x":
            shift = unit * draw(st.integers(-1, 1) if item.all_day else st.integers(-4, 4))
            plain = item.replace(start=original, end=original + (end - begin))
            special = plain.replace(
                subject=draw(TEXT),
                start=original + shift,
                end=original + shift + (end - begin),
                location=draw(TEXT),
            )
            # An "exception" equal to the plain occurrence is no exception for the user (both
            # backends read it back as a plain occurrence), so it is not a valid input here.
            if special != plain:
                exceptions.append(Occurrence(original, special))
        elif flag == "d":
            deleted.add(original)
    return item.replace(recurrence=Recurrence(rule, tuple(exceptions), frozenset(deleted)))


@pytest.fixture(scope="module", name="sim")
def sim_fixture():
    sim = start()
    try:
        yield sim
        assert_schema_clean(sim)
    finally:
        sim.stop()


@hsettings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=entries(), second=entries())
def test_random_entries_round_trip_and_overwrite(sim, first, second):
    side = EwsSide(settings(sim), ALICE)
    [created] = side.create([("calendar.event,r", first)])
    assert created.ok, created.error
    fetched = side.fetch([created.remote.id])[created.remote.id]
    assert fetched.item == first, fetched.item.changed_fields(first)
    assert fetched.version == created.remote.version

    [updated] = side.update([(created.remote.id, created.remote.version, second)])
    assert updated.ok, updated.error
    again = side.fetch([created.remote.id])[created.remote.id]
    # An update of the organizer's item keeps the answers Exchange tallied (issue 12): they
    # are the attendees' to give; only a new attendee's is written.
    tallied = {a.email: a.response for a in first.attendees}
    # When the same people stay (address and optional alike), the attendees are not written
    # at all (meetings.keep_answers): Exchange keeps the names it has, and no update goes out
    # for a display name.
    same_people = {(a.email, a.optional) for a in first.attendees} == {
        (a.email, a.optional) for a in second.attendees
    }
    names = {a.email: a.name for a in first.attendees} if same_people else {}
    expected = second.replace(
        attendees=tuple(
            dataclasses.replace(
                a, response=tallied.get(a.email, a.response), name=names.get(a.email, a.name)
            )
            for a in second.attendees
        )
    )
    assert again.item == expected, again.item.changed_fields(expected)
    assert again.version == updated.remote.version
    [deleted] = side.delete([(created.remote.id, updated.remote.version)])
    assert deleted.ok


@pytest.fixture(scope="module", name="sim2007")
def sim2007_fixture():
    sim = start(dict(SEED, server={"version": "Exchange2007_SP1", "domain": "CONTOSO"}))
    try:
        yield sim
        assert_schema_clean(sim)
    finally:
        sim.stop()


@hsettings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(item=entries())
def test_random_entries_on_exchange_2007(sim2007, item):
    # Exchange 2007 has one MeetingTimeZone instead of StartTimeZone/EndTimeZone.
    side = EwsSide(settings(sim2007, version="Exchange2007_SP1"), ALICE)
    [created] = side.create([("calendar.event,r", item)])
    assert created.ok, created.error
    assert side.fetch([created.remote.id])[created.remote.id].item == item
