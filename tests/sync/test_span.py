"""When an entry ends, for the sync window."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from calendar_exchange_sync.sync.items import CalendarItem, Occurrence, Recurrence
from calendar_exchange_sync.sync.span import ended_before, last_end

UTC = timezone.utc
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def timed(start, hours=1, **fields):
    return CalendarItem("x", start, start + timedelta(hours=hours), **fields)


def test_single_entries_end_at_their_end():
    item = timed(datetime(2026, 3, 1, 9, tzinfo=UTC), hours=2)
    assert last_end(item) == datetime(2026, 3, 1, 11, tzinfo=UTC)
    assert ended_before(item, datetime(2026, 3, 1, 11, 1, tzinfo=UTC))
    assert not ended_before(item, datetime(2026, 3, 1, 11, 0, tzinfo=UTC))


def test_all_day_entries_end_at_midnight_in_their_zone():
    item = CalendarItem(
        "Holiday", date(2026, 3, 1), date(2026, 3, 3), all_day=True, timezone="Europe/Stockholm"
    )
    assert last_end(item) == datetime(2026, 3, 3, tzinfo=STOCKHOLM)


def test_counted_series_end_with_their_last_occurrence_across_dst():
    # Daily at 09:00 Stockholm time from 27 March: DST starts on 29 March 2026.
    start = datetime(2026, 3, 27, 9, tzinfo=STOCKHOLM)
    item = timed(start, recurrence=Recurrence("FREQ=DAILY;COUNT=5"), timezone="Europe/Stockholm")
    assert last_end(item) == datetime(2026, 3, 31, 10, tzinfo=STOCKHOLM)
    assert last_end(item).astimezone(UTC) == datetime(2026, 3, 31, 8, tzinfo=UTC)


def test_until_series_and_date_only_until():
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    until_z = timed(start, recurrence=Recurrence("FREQ=WEEKLY;UNTIL=20260126T090000Z"))
    assert last_end(until_z) == datetime(2026, 1, 26, 10, tzinfo=UTC)
    until_date = timed(start, recurrence=Recurrence("FREQ=WEEKLY;UNTIL=20260126"))
    assert last_end(until_date) == datetime(2026, 1, 26, 10, tzinfo=UTC)


def test_endless_series_never_end():
    item = timed(datetime(2020, 1, 1, 9, tzinfo=UTC), recurrence=Recurrence("FREQ=YEARLY"))
    assert last_end(item) is None
    assert not ended_before(item, datetime(2030, 1, 1, tzinfo=UTC))


def test_a_moved_occurrence_can_extend_a_series():
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    moved = timed(datetime(2026, 2, 20, 9, tzinfo=UTC))
    exception = Occurrence(start + timedelta(days=2), moved)
    item = timed(start, recurrence=Recurrence("FREQ=DAILY;COUNT=3", (exception,)))
    assert last_end(item) == datetime(2026, 2, 20, 10, tzinfo=UTC)


def test_all_day_series():
    item = CalendarItem(
        "Every Monday off",
        date(2026, 1, 5),
        date(2026, 1, 6),
        all_day=True,
        recurrence=Recurrence("FREQ=WEEKLY;COUNT=3"),
    )
    assert last_end(item) == datetime(2026, 1, 20, tzinfo=UTC)


def test_the_end_is_worked_out_once_per_item_and_a_changed_copy_has_its_own(monkeypatch):
    from calendar_exchange_sync.sync import expansion

    calls = []
    original = expansion.last_start

    def counting(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(expansion, "last_start", counting)
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    series = timed(start, recurrence=Recurrence("FREQ=DAILY;COUNT=3"))
    after_last = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    assert ended_before(series, after_last) and ended_before(series, after_last)
    assert len(calls) == 1
    longer = series.replace(recurrence=Recurrence("FREQ=DAILY;COUNT=4"))
    assert not ended_before(longer, after_last)
    assert len(calls) == 2
