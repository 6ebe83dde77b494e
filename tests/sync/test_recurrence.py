"""RRULE <-> Exchange pattern conversion (recurrence.py) and expansion (expansion.py), by hand.

The property tests (test_recurrence_properties.py) sweep the whole supported set; these pin
down the cases a reader wants to see spelled out: each pattern type, UNTIL at the edges of a
day in the series' zone, all-day series, Exchange's day-31 rule and the refusals.
"""

from datetime import date, datetime, timezone

import pytest

from calendar_exchange_sync.sync import expansion, normalize, recurrence

UTC = timezone.utc
BERLIN = "Europe/Berlin"
# Monday 5 January 2026, 09:00 in Berlin.
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def pattern(rrule, start=START, zone=BERLIN):
    return recurrence.rrule_to_pattern(rrule, start, zone)


@pytest.mark.parametrize(
    ("rrule", "expected"),
    [
        ("FREQ=DAILY;INTERVAL=2", {"type": "daily", "interval": 2}),
        (
            "FREQ=WEEKLY;BYDAY=MO,WE",
            {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"]},
        ),
        ("FREQ=WEEKLY", {"type": "weekly", "daysOfWeek": ["monday"]}),  # from the start
        (
            "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",  # every weekday is Exchange's weekly pattern
            {
                "type": "weekly",
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            },
        ),
        ("FREQ=MONTHLY;BYMONTHDAY=15", {"type": "absoluteMonthly", "dayOfMonth": 15}),
        ("FREQ=MONTHLY", {"type": "absoluteMonthly", "dayOfMonth": 5}),
        (
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1",
            {"type": "absoluteMonthly", "dayOfMonth": 31},
        ),
        (
            "FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU",
            {
                "type": "relativeMonthly",
                "interval": 3,
                "daysOfWeek": ["tuesday"],
                "index": "second",
            },
        ),
        (
            "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2",
            {"type": "relativeMonthly", "daysOfWeek": ["tuesday"], "index": "second"},
        ),
        (
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            {
                "type": "relativeMonthly",
                "index": "last",
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            },
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            {"type": "relativeMonthly", "index": "last", "daysOfWeek": list(recurrence.DAY_NAMES)},
        ),
        (
            "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=17",
            {"type": "absoluteYearly", "month": 3, "dayOfMonth": 17},
        ),
        ("FREQ=YEARLY", {"type": "absoluteYearly", "month": 1, "dayOfMonth": 5}),
        (
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1",
            {"type": "absoluteYearly", "month": 2, "dayOfMonth": 29},
        ),
        (
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
            {"type": "relativeYearly", "month": 11, "daysOfWeek": ["thursday"], "index": "fourth"},
        ),
    ],
)
def test_pattern_types(rrule, expected):
    got = pattern(rrule)["pattern"]
    for key, value in expected.items():
        assert got[key] == value, key


def test_pattern_has_graphs_full_shape():
    got = pattern("FREQ=WEEKLY;BYDAY=FR;COUNT=4")
    assert set(got["pattern"]) == {
        "type",
        "interval",
        "month",
        "dayOfMonth",
        "daysOfWeek",
        "firstDayOfWeek",
        "index",
    }
    assert got["range"] == {
        "type": "numbered",
        "startDate": "2026-01-05",
        "endDate": "0001-01-01",
        "numberOfOccurrences": 4,
        "recurrenceTimeZone": "W. Europe Standard Time",
    }


def test_no_end():
    assert pattern("FREQ=DAILY")["range"]["type"] == "noEnd"


@pytest.mark.parametrize(
    ("until", "end_date"),
    [
        # 23:59:59 UTC on 31 Dec is 00:59 on 1 Jan in Berlin: the 1 Jan 09:00 one is after it.
        ("20261231T235959Z", "2026-12-31"),
        # 08:00 UTC = 09:00 Berlin on the 30th: exactly the occurrence's start, included.
        ("20261230T080000Z", "2026-12-30"),
        # One second earlier excludes the 30th.
        ("20261230T075959Z", "2026-12-29"),
        # Floating UNTIL is read on the series' wall clock.
        ("20261230T090000", "2026-12-30"),
        ("20261230T085959", "2026-12-29"),
        # A DATE means the whole day in the series' zone.
        ("20261230", "2026-12-30"),
    ],
)
def test_until_becomes_an_inclusive_end_date_in_the_series_zone(until, end_date):
    got = pattern(f"FREQ=DAILY;UNTIL={until}")["range"]
    assert got["type"] == "endDate"
    assert got["endDate"] == end_date
    # And the expansion agrees on the last occurrence.
    last = expansion.occurrences(f"FREQ=DAILY;UNTIL={until}", START, BERLIN)[-1]
    assert last.astimezone(recurrence.tzmod.get_zone(BERLIN)).date().isoformat() == end_date


def test_end_date_becomes_until_at_the_last_start_in_utc():
    rec = pattern("FREQ=WEEKLY;BYDAY=MO;UNTIL=20260630T235959Z")
    assert rec["range"]["endDate"] == "2026-06-30"
    # 30 June 09:00 Berlin (summer time) = 07:00 UTC.
    assert recurrence.pattern_to_rrule(rec, START, BERLIN) == (
        "FREQ=WEEKLY;UNTIL=20260630T070000Z;BYDAY=MO"
    )


def test_all_day_series_uses_dates():
    start = date(2026, 1, 5)
    rec = recurrence.rrule_to_pattern("FREQ=WEEKLY;BYDAY=MO;UNTIL=20260202", start, BERLIN)
    assert rec["range"]["endDate"] == "2026-02-02"
    rrule = recurrence.pattern_to_rrule(rec, start, BERLIN)
    assert rrule == "FREQ=WEEKLY;UNTIL=20260202;BYDAY=MO"
    got = expansion.occurrences(rrule, start, BERLIN)
    assert got == [date(2026, 1, d) for d in (5, 12, 19, 26)] + [date(2026, 2, 2)]


def test_week_start_only_kept_where_it_changes_dates():
    every_week = {
        "type": "weekly",
        "interval": 1,
        "daysOfWeek": ["tuesday"],
        "firstDayOfWeek": "sunday",
    }
    fortnight = dict(every_week, interval=2)
    assert recurrence.pattern_to_rrule({"pattern": every_week}, START, BERLIN) == (
        "FREQ=WEEKLY;BYDAY=TU"
    )
    assert recurrence.pattern_to_rrule({"pattern": fortnight}, START, BERLIN) == (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;WKST=SU"
    )
    # With Sunday as week start, Sunday 11 Jan starts the second week: 6 Jan, 20 Jan ...
    sunday = expansion.occurrences(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU", START, BERLIN, limit=4
    )
    monday = expansion.occurrences("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU", START, BERLIN, limit=4)
    assert [d.day for d in sunday] == [6, 18, 20, 1]
    assert [d.day for d in monday] == [6, 11, 20, 25]


def test_day_31_follows_exchange_into_short_months():
    rec = {
        "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
        "range": {"type": "numbered", "numberOfOccurrences": 4},
    }
    start = datetime(2026, 1, 31, 8, 0, tzinfo=UTC)
    rrule = recurrence.pattern_to_rrule(rec, start, BERLIN)
    assert rrule == "FREQ=MONTHLY;COUNT=4;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"
    days = [d.date() for d in expansion.occurrences(rrule, start, BERLIN)]
    assert days == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_expansion_keeps_wall_clock_across_dst():
    got = expansion.occurrences("FREQ=WEEKLY;COUNT=3", datetime(2026, 3, 23, 8, tzinfo=UTC), BERLIN)
    assert [g.hour for g in got] == [8, 7, 7]  # 09:00 Berlin before and after 29 March


def test_window_filters_and_bounds_endless_series():
    window = (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    got = expansion.occurrences("FREQ=WEEKLY;BYDAY=MO", START, BERLIN, window)
    assert [g.day for g in got] == [2, 9, 16, 23]
    assert len(expansion.occurrences("FREQ=DAILY", START, BERLIN, limit=50)) == 50


def test_written_rules_are_canonical_for_the_item_model():
    for rrule in (
        "FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=WE,MO;UNTIL=20261231T235959Z",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;COUNT=10",
        "FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1",
    ):
        written = recurrence.pattern_to_rrule(pattern(rrule), START, BERLIN)
        assert normalize.rrule(written) == written


@pytest.mark.parametrize(
    ("rrule", "message"),
    [
        ("FREQ=HOURLY", "daily, weekly, monthly or yearly"),
        ("FREQ=DAILY;BYHOUR=9,17", "BYHOUR"),
        ("FREQ=YEARLY;BYWEEKNO=20", "BYWEEKNO"),
        ("FREQ=MONTHLY;BYMONTHDAY=31", "last day of shorter months"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "BYMONTHDAY=1,15"),
        ("FREQ=MONTHLY;BYDAY=1MO,3MO", "one position"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=2,4", "one position"),
        ("FREQ=MONTHLY;BYDAY=MO", "one position"),
        ("FREQ=MONTHLY;BYDAY=5FR", "not 5"),
        ("FREQ=DAILY;INTERVAL=2;BYDAY=MO,FR", "every few days"),
        ("FREQ=WEEKLY;BYDAY=1MO", "cannot number"),
        ("FREQ=YEARLY;BYMONTH=1,7", "one month"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "last day of shorter months"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20260101", "both COUNT and UNTIL"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL=TOMORROW"),
        ("BYDAY=MO", "daily, weekly"),
    ],
)
def test_unsupported_rules_are_refused_in_plain_words(rrule, message):
    with pytest.raises(ValueError, match=message):
        pattern(rrule)


def test_bad_patterns_are_refused():
    with pytest.raises(ValueError, match="Unknown recurrence pattern type"):
        recurrence.pattern_to_rrule({"pattern": {"type": "hourly"}}, START, BERLIN)
    with pytest.raises(ValueError, match="does not exist"):
        recurrence.pattern_to_rrule(
            {"pattern": {"type": "absoluteYearly", "month": 2, "dayOfMonth": 30}}, START, BERLIN
        )
    with pytest.raises(ValueError, match="at least one occurrence"):
        recurrence.pattern_to_rrule(
            {"pattern": {"type": "daily"}, "range": {"type": "numbered"}}, START, BERLIN
        )


def test_canonical_rule_is_what_exchange_gives_back():
    thursday = datetime(2026, 11, 26, 8, tzinfo=UTC)
    assert recurrence.canonical_rrule("FREQ=WEEKLY;COUNT=6", thursday, BERLIN) == (
        "FREQ=WEEKLY;COUNT=6;BYDAY=TH"
    )
    assert recurrence.canonical_rrule("FREQ=MONTHLY;BYMONTHDAY=-1", thursday, BERLIN) == (
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=-1"
    )
