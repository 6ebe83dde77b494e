"""Recurring series through EWS: patterns, modified and deleted occurrences, both ways."""

from datetime import date

import pytest
from ews_support import ALICE, ews_sim_fixture, side_fixture, utc  # noqa: F401 - fixtures

from calendar_exchange_sync.sync.items import CalendarItem, Occurrence, Recurrence

BERLIN = "Europe/Berlin"


def series(rrule, start=None, end=None, exceptions=(), deleted=(), **changes):
    start = start or utc(2026, 3, 2, 8, 0)  # a Monday, 09:00 in Berlin
    end = end or utc(2026, 3, 2, 9, 0)
    values = {
        "subject": "Team",
        "start": start,
        "end": end,
        "timezone": BERLIN,
        "organizer": ALICE,
        "activity_type": "Meeting",
        "recurrence": Recurrence(rrule, tuple(exceptions), frozenset(deleted)),
    }
    values.update(changes)
    return CalendarItem(**values)


def moved(original, start, end, subject="Team (moved)"):
    return Occurrence(
        original,
        CalendarItem(
            subject,
            start,
            end,
            timezone=BERLIN,
            organizer=ALICE,
            location="Room 9",
            activity_type="Meeting",
        ),
    )


def create(side, item):
    [result] = side.create([("calendar.recurrence,7", item)])
    assert result.ok, result.error
    return result.remote


@pytest.mark.parametrize(
    "rrule, expected_type",
    [
        ("FREQ=DAILY;INTERVAL=2;COUNT=6", "daily"),
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20260430T070000Z", "weekly"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "weekly"),
        ("FREQ=MONTHLY;BYMONTHDAY=2;COUNT=12", "absoluteMonthly"),
        ("FREQ=MONTHLY;BYDAY=1MO;COUNT=5", "relativeMonthly"),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=5", "relativeMonthly"),
        ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=2;COUNT=3", "absoluteYearly"),
        ("FREQ=YEARLY;BYMONTH=3;BYDAY=1MO", "relativeYearly"),
    ],
)
def test_patterns_round_trip(ews_sim, side, rrule, expected_type):
    item = series(rrule)
    remote = create(side, item)
    stored = ews_sim.store.get_item(ALICE, remote.id)
    assert stored.item_type == "RecurringMaster"
    assert stored.recurrence["pattern"]["type"] == expected_type
    assert side.fetch([remote.id])[remote.id].item == item


def test_weekly_series_keeps_local_time_after_dst(ews_sim, side):
    remote = create(side, series("FREQ=WEEKLY;BYDAY=MO;COUNT=6"))
    view = ews_sim.store.expand(ALICE, utc(2026, 3, 1), utc(2026, 5, 1))
    starts = [o.start for o in view if o.master_id == remote.id]
    assert starts[:4] == [utc(2026, 3, d, 8) for d in (2, 9, 16, 23)]
    assert starts[4:] == [utc(2026, 3, 30, 7), utc(2026, 4, 6, 7)]  # 09:00 summer time


def test_exceptions_and_deletions_written_to_exchange(ews_sim, side):
    item = series(
        "FREQ=WEEKLY;BYDAY=MO;COUNT=6",
        exceptions=[moved(utc(2026, 3, 9, 8), utc(2026, 3, 10, 12), utc(2026, 3, 10, 13))],
        deleted=[utc(2026, 3, 16, 8)],
    )
    remote = create(side, item)
    stored = ews_sim.store.get_item(ALICE, remote.id)
    assert set(stored.modified_occurrences) == {utc(2026, 3, 9, 8)}
    assert stored.modified_occurrences[utc(2026, 3, 9, 8)]["subject"] == "Team (moved)"
    assert stored.deleted_occurrences == {utc(2026, 3, 16, 8)}
    fetched = side.fetch([remote.id])[remote.id]
    assert fetched.item == item
    # The version returned after writing occurrences is the master's final change key.
    assert fetched.version == remote.version


def test_exceptions_made_in_outlook_are_read(ews_sim, side):
    remote = create(side, series("FREQ=DAILY;COUNT=5"))
    third = ews_sim.store.occurrence_by_index(ALICE, remote.id, 3)
    ews_sim.store.update_item(ALICE, third, {"subject": "Offsite", "location": "Lake"})
    fourth = ews_sim.store.occurrence_by_index(ALICE, remote.id, 4)
    ews_sim.store.delete_item(ALICE, fourth)
    rec = side.fetch([remote.id])[remote.id].item.recurrence
    assert rec.deleted == frozenset({utc(2026, 3, 5, 8)})
    [exception] = rec.exceptions
    assert exception.original_start == utc(2026, 3, 4, 8)
    assert (exception.item.subject, exception.item.location) == ("Offsite", "Lake")
    assert exception.item.start == utc(2026, 3, 4, 8)


def test_update_adds_changes_and_reverts_exceptions(ews_sim, side):
    first = moved(utc(2026, 3, 9, 8), utc(2026, 3, 9, 10), utc(2026, 3, 9, 11))
    remote = create(side, series("FREQ=WEEKLY;BYDAY=MO;COUNT=6", exceptions=[first]))
    # Keep the rule; drop the first exception, add another and a deletion.
    second = moved(utc(2026, 3, 23, 8), utc(2026, 3, 23, 9), utc(2026, 3, 23, 10), "Late")
    changed = series(
        "FREQ=WEEKLY;BYDAY=MO;COUNT=6",
        exceptions=[second],
        deleted=[utc(2026, 3, 30, 7)],
        subject="Team weekly",
    )
    [result] = side.update([(remote.id, remote.version, changed)])
    assert result.ok, result.error
    fetched = side.fetch([remote.id])[remote.id]
    assert fetched.item == changed and fetched.version == result.remote.version


def test_changing_the_rule_rewrites_exceptions(ews_sim, side):
    exc = moved(utc(2026, 3, 9, 8), utc(2026, 3, 9, 10), utc(2026, 3, 9, 11))
    remote = create(side, series("FREQ=WEEKLY;BYDAY=MO;COUNT=6", exceptions=[exc]))
    changed = series(
        "FREQ=WEEKLY;BYDAY=MO;COUNT=8", exceptions=[exc], deleted=[utc(2026, 3, 16, 8)]
    )
    [result] = side.update([(remote.id, remote.version, changed)])
    assert result.ok, result.error
    assert side.fetch([remote.id])[remote.id].item == changed
    assert ews_sim.store.get_item(ALICE, remote.id).recurrence["range"]["numberOfOccurrences"] == 8


def test_all_day_series_with_date_keys(ews_sim, side):
    item = CalendarItem(
        "Gym",
        date(2026, 3, 3),
        date(2026, 3, 4),
        all_day=True,
        timezone=BERLIN,
        organizer=ALICE,
        recurrence=Recurrence("FREQ=WEEKLY;BYDAY=TU;COUNT=4", (), frozenset({date(2026, 3, 10)})),
    )
    remote = create(side, item)
    assert ews_sim.store.get_item(ALICE, remote.id).deleted_occurrences == {utc(2026, 3, 9, 23)}
    assert side.fetch([remote.id])[remote.id].item == item


def test_series_made_single_again(ews_sim, side):
    remote = create(side, series("FREQ=DAILY;COUNT=3"))
    single = series("FREQ=DAILY;COUNT=3").replace(recurrence=None)
    [result] = side.update([(remote.id, remote.version, single)])
    assert result.ok, result.error
    assert ews_sim.store.get_item(ALICE, remote.id).item_type == "Single"
    assert side.fetch([remote.id])[remote.id].item == single


def test_rule_exchange_cannot_hold_fails_that_item_only(side):
    ok = series("FREQ=DAILY;COUNT=2")
    bad = series("FREQ=HOURLY;COUNT=2")
    results = side.create([("a", ok), ("b", bad)])
    assert results[0].ok and not results[1].ok
    assert "HOURLY" in str(results[1].error) or "Exchange" in str(results[1].error)


def test_day_31_series_with_an_exception_on_the_short_month(ews_sim, side):
    rule = "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1;COUNT=4"
    feb = utc(2026, 2, 28, 8)
    item = series(
        rule,
        start=utc(2026, 1, 31, 8),
        end=utc(2026, 1, 31, 9),
        exceptions=[moved(feb, utc(2026, 2, 27, 8), utc(2026, 2, 27, 9))],
    )
    remote = create(side, item)
    stored = ews_sim.store.get_item(ALICE, remote.id)
    assert stored.recurrence["pattern"] == {
        "type": "absoluteMonthly",
        "interval": 1,
        "dayOfMonth": 31,
        "firstDayOfWeek": "sunday",
    }
    assert set(stored.modified_occurrences) == {feb}
    view = ews_sim.store.expand(ALICE, utc(2026, 1, 1), utc(2026, 6, 1))
    assert [o.original_start.date().isoformat() for o in view if o.master_id == remote.id] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
    ]
    assert side.fetch([remote.id])[remote.id].item == item
