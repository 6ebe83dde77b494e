"""The sync window (``span``) and the expansion (``expansion.occurrences``) end a series at the
same occurrence, whatever form its end takes and however far its zone is from UTC (hypothesis).

The reading both must follow: COUNT=n ends after n occurrences; a UTC date-time UNTIL is an
instant (RFC 5545: the last occurrence starts at or before it); a date-only UNTIL is a date of
the series' own zone, through the end of that day. That last one is how Exchange and Odoo read
an end date: Graph's ``range.endDate`` is a date in ``range.recurrenceTimeZone`` (the event's
zone when missing), EWS's ``EndDatePattern`` holds a date, and Odoo expands a recurrence
``until`` date as ``datetime.combine(until, time.max)`` on the series' wall clock. Reading it in
UTC instead would add (east of UTC) or drop (west) a day's occurrence near the end.

The oracle here is independent of that code: the series expanded without any end (``COUNT``
and ``UNTIL`` removed), then cut by the rule above, in plain Python.
"""

from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_exchange_sync.sync import expansion, tz
from calendar_exchange_sync.sync.items import CalendarItem, Recurrence
from calendar_exchange_sync.sync.span import ended_before, last_end

# East and west of UTC, with and without daylight saving time (Auckland: +12/+13, across the
# date line from Honolulu: -10).
ZONES = [
    "Pacific/Auckland",
    "Australia/Sydney",
    "Europe/Stockholm",
    "UTC",
    "America/Los_Angeles",
    "Pacific/Honolulu",
]
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HORIZON = 400  # days an UNTIL may lie after the start


@st.composite
def series(draw):
    """(item, end form, end value) for a daily, weekly or monthly series."""
    zone = draw(st.sampled_from(ZONES))
    all_day = draw(st.booleans())
    first = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]))
    interval = draw(st.integers(1, 3))
    if all_day:
        start, end = first, first + timedelta(days=draw(st.integers(1, 3)))
    else:
        clock = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45])))
        start = tz.combine_utc(first, clock, zone)
        end = start + timedelta(minutes=draw(st.integers(15, 26 * 60)))
    forms = ["count", "date"] if all_day else ["count", "date", "utc"]
    form = draw(st.sampled_from(forms))
    if form == "count":
        value = draw(st.integers(1, 40))
        ending = "COUNT=%d" % value
    elif form == "date":
        value = first + timedelta(days=draw(st.integers(0, HORIZON)))
        ending = "UNTIL=" + value.strftime("%Y%m%d")
    else:
        value = start + timedelta(minutes=draw(st.integers(0, HORIZON * 24 * 60)))
        ending = "UNTIL=" + value.strftime("%Y%m%dT%H%M%SZ")
    rule = "FREQ=%s;%s" % (freq, ending) + (";INTERVAL=%d" % interval if interval > 1 else "")
    item = CalendarItem(
        "Series", start, end, all_day=all_day, timezone=zone, recurrence=Recurrence(rule)
    )
    return item, form, value


def _endless(item):
    """The item's rule without its end."""
    parts = [p for p in item.recurrence.rrule.split(";") if not p.startswith(("COUNT", "UNTIL"))]
    return ";".join(parts)


def oracle_starts(item, form, value):
    """The starts the series has, by the reading in the module docstring."""
    limit = value + 1 if form == "count" else 2000
    starts = expansion.occurrences(_endless(item), item.start, item.timezone, limit=limit)
    if form == "count":
        return starts[:value]
    if form == "utc":
        return [s for s in starts if s <= value]
    # A date of the series' zone: every occurrence starting on that day or before.
    return [s for s in starts if tz.local_date(s, item.timezone) <= value]


def _end_of(item, start):
    """When the occurrence starting at ``start`` ends (aware UTC)."""
    if item.all_day:
        return tz.combine_utc(start + (item.end - item.start), time(), item.timezone)
    return start + (item.end - item.start)


@SETTINGS
@given(series())
def test_the_expansion_ends_a_series_as_the_reading_says(case):
    item, form, value = case
    expected = oracle_starts(item, form, value)
    got = expansion.occurrences(item.recurrence.rrule, item.start, item.timezone, limit=2000)
    assert got == expected


@SETTINGS
@given(series())
def test_the_window_ends_a_series_at_its_last_occurrence(case):
    item, form, value = case
    starts = oracle_starts(item, form, value)
    assert starts, "a series starts at least once (its first start)"
    last = _end_of(item, starts[-1])
    assert last_end(item) == max(last, _end_of(item, item.start))
    assert not ended_before(item, last_end(item))
    assert ended_before(item, last_end(item) + timedelta(seconds=1))


@SETTINGS
@given(series(), st.integers(-3 * 24 * 60, 3 * 24 * 60))
def test_the_window_and_a_windowed_expansion_agree(case, minutes):
    """Left out by the window exactly when no occurrence ends at or after the window's start."""
    item, _form, _value = case
    moment = last_end(item) + timedelta(minutes=minutes)
    # Every occurrence that may still be on starts after ``low``, a day of slack included: an
    # occurrence lasts as long as the first on the series' wall clock, which across a change of
    # daylight saving time is an hour more or less in UTC (found by Hypothesis: a three-day
    # all-day occurrence ending at the moment, in Los Angeles, over the November change).
    low = moment - (item.end - item.start) - timedelta(days=1)
    listed = expansion.occurrences(
        item.recurrence.rrule, item.start, item.timezone, (low, None), limit=2000
    )
    still_on = [s for s in listed if _end_of(item, s) >= moment]
    assert ended_before(item, moment) == (not still_on)


def test_a_date_only_until_is_a_day_of_the_series_zone():
    """The case that used to differ: daily at 09:00 in Auckland until 10 May. In UTC the end
    of 10 May is 11 May 11:59 in Auckland, which would have kept an occurrence on the 11th."""
    start = tz.combine_utc(date(2026, 5, 1), time(9), "Pacific/Auckland")
    item = CalendarItem(
        "Standup",
        start,
        start + timedelta(minutes=15),
        timezone="Pacific/Auckland",
        recurrence=Recurrence("FREQ=DAILY;UNTIL=20260510"),
    )
    last = datetime(2026, 5, 10, 9, 15, tzinfo=tz.get_zone("Pacific/Auckland"))
    assert last_end(item) == last
    starts = expansion.occurrences(item.recurrence.rrule, item.start, item.timezone)
    assert tz.local_date(starts[-1], item.timezone) == date(2026, 5, 10) and len(starts) == 10
    # West of UTC the UTC reading dropped the last day instead (Honolulu is UTC-10).
    start = tz.combine_utc(date(2026, 5, 1), time(18), "Pacific/Honolulu")
    item = item.replace(start=start, end=start + timedelta(hours=1), timezone="Pacific/Honolulu")
    assert tz.local_date(last_end(item), "Pacific/Honolulu") == date(2026, 5, 10)
