"""Random recurring series with modified and deleted occurrences through the Graph backend and
the simulator and back (hypothesis), then a random change of which occurrences are special.

The simulator expands series with its own code (exchange_simulator/recurrence.py), so a
mistake in our RRULE <-> pattern mapping or in matching instances by original start shows up
as a difference here.
"""

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from graph_support import ALICE, running, side_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_exchange_sync.sync import expansion
from calendar_exchange_sync.sync import recurrence as rrules
from calendar_exchange_sync.sync.items import CalendarItem, Occurrence, Recurrence

UTC = timezone.utc
RULES = [
    "FREQ=DAILY;COUNT=6",
    "FREQ=DAILY;INTERVAL=3;COUNT=5",
    "FREQ=WEEKLY;COUNT=6",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=7",
    "FREQ=MONTHLY;BYDAY=2TU;COUNT=4",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=4",
    "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=4",
    "FREQ=YEARLY;COUNT=3",
]
ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"]


@st.composite
def series(draw):
    zone = draw(st.sampled_from(ZONES))
    start = datetime(2026, 2, 1, tzinfo=UTC) + timedelta(hours=draw(st.integers(0, 24 * 120)))
    end = start + timedelta(minutes=30 * draw(st.integers(1, 4)))
    rule = rrules.canonical_rrule(draw(st.sampled_from(RULES)), start, zone)
    starts = expansion.occurrences(rule, start, zone)
    flags = draw(st.lists(st.sampled_from("-xd"), min_size=len(starts), max_size=len(starts)))
    exceptions, deleted = [], set()
    for original, flag in zip(starts, flags, strict=True):
        if flag == "x":
            shift = timedelta(hours=draw(st.integers(-3, 3)))
            exceptions.append(
                Occurrence(
                    original,
                    CalendarItem(draw(st.sampled_from(["Moved", "Special"])), original + shift,
                                 original + shift + (end - start), timezone=zone,
                                 location=draw(st.sampled_from(["", "Annex"])),
                                 organizer=ALICE),
                )
            )  # fmt: skip
        elif flag == "d":
            deleted.add(original)
    return CalendarItem(
        "Series",
        start,
        end,
        timezone=zone,
        organizer=ALICE,
        recurrence=Recurrence(rule, tuple(exceptions), frozenset(deleted)),
    )


EXAMPLES = itertools.count()


@pytest.fixture(scope="module")
def sim():
    with running() as simulator:
        yield simulator


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=series(), second=series())
def test_random_series_round_trip_and_update(sim, first, second):
    side = side_for(sim)
    # One Odoo series per example: the identity (and so the transactionId) is its own.
    [created] = side.create([("calendar.recurrence,r%d" % next(EXAMPLES), first)])
    assert created.ok, created.error
    fetched = side.fetch([created.remote.id])[created.remote.id]
    assert fetched.item == first, fetched.item.changed_fields(first)
    # Keep the rule, redraw which occurrences are special. Deleted ones stay deleted: Graph
    # cannot bring an occurrence back (test_deleted_occurrence_cannot_come_back).
    gone = first.recurrence.deleted
    starts = [s for s in expansion.occurrences(first.recurrence.rrule, first.start, first.timezone)
              if s not in gone]  # fmt: skip
    special = list(second.recurrence.exceptions)
    moved = tuple(
        Occurrence(s, e.item.replace(start=s + timedelta(hours=1), end=s + timedelta(hours=2),
                                     timezone=first.timezone))
        for s, e in zip(starts[1::2], special, strict=False)
    )  # fmt: skip
    dropped = gone | frozenset(starts[::2][: len(second.recurrence.deleted)])
    wanted = first.replace(recurrence=Recurrence(first.recurrence.rrule, moved, dropped))
    side = side_for(sim)
    side.fetch([created.remote.id])  # the engine always reads before it writes
    [updated] = side.update([(created.remote.id, fetched.version, wanted)])
    assert updated.ok, updated.error
    again = side_for(sim).fetch([created.remote.id])[created.remote.id]
    assert again.item == wanted, again.item.changed_fields(wanted)
    assert again.version == updated.remote.version


def test_day_31_series_keeps_short_months(sim):
    start = datetime(2026, 1, 31, 9, tzinfo=UTC)
    rule = "FREQ=MONTHLY;COUNT=4;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
    item = CalendarItem("Month end", start, start + timedelta(hours=1), organizer=ALICE,
                        recurrence=Recurrence(rule))  # fmt: skip
    [created] = side_for(sim).create([("m", item)])
    fetched = side_for(sim).fetch([created.remote.id])[created.remote.id]
    assert fetched.item == item


def test_deleted_occurrence_cannot_come_back(sim):
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    rule = "FREQ=DAILY;COUNT=3"
    item = CalendarItem(
        "Daily",
        start,
        start + timedelta(hours=1),
        organizer=ALICE,
        recurrence=Recurrence(rule, deleted=frozenset({start + timedelta(1)})),
    )
    side = side_for(sim)
    [created] = side.create([("d", item)])
    fetched = side.fetch([created.remote.id])[created.remote.id]
    restored = item.replace(recurrence=Recurrence(rule))
    [result] = side.update([(created.remote.id, fetched.version, restored)])
    assert not result.ok and "cannot restore" in str(result.error)
