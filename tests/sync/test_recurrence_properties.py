"""Property tests for sync/recurrence.py over the whole supported set (hypothesis).

The oracle is a deliberately plain, day-by-day reading of Exchange's documented pattern
semantics (no dateutil, nothing shared with the module under test): daily every n days from the
start date; weekly in every n-th week counted from the week (``firstDayOfWeek``) holding the
start; monthly on ``min(dayOfMonth, days in month)`` or the n-th/last matching weekday; yearly
the same inside one month; the range ends after N occurrences or on an inclusive end date. Each
occurrence keeps the series' wall-clock time in its zone.

Properties:
1. pattern -> RRULE expands (dateutil) to exactly the oracle's occurrences;
2. RRULE -> pattern -> RRULE is the identity on canonical RRULEs;
3. a non-canonical spelling of a supported RRULE converts to a pattern whose RRULE expands to
   the same occurrences as the original.
"""

import calendar
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_exchange_sync.sync import expansion, recurrence

UTC = timezone.utc
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
INDEXES = ["first", "second", "third", "fourth", "last"]
HORIZON_DAYS = 3 * 366
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- the oracle


def _nth_weekday(year, month, days, index):
    matching = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() in days
    ]
    return matching[-1] if index == "last" else matching[INDEXES.index(index)]


def _matches(pattern, first: date, day: date) -> bool:
    kind, interval = pattern["type"], pattern["interval"]
    days = {DAY_NAMES.index(d) for d in pattern.get("daysOfWeek", [])}
    if kind == "daily":
        return (day - first).days % interval == 0
    if kind == "weekly":
        week_start = DAY_NAMES.index(pattern["firstDayOfWeek"])
        first_week = first - timedelta((first.weekday() - week_start) % 7)
        return day.weekday() in days and ((day - first_week).days // 7) % interval == 0
    if kind.endswith("Monthly"):
        months = (day.year - first.year) * 12 + day.month - first.month
        if months % interval:
            return False
    else:
        if (day.year - first.year) % interval or day.month != pattern["month"]:
            return False
    if kind.startswith("absolute"):
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == min(pattern["dayOfMonth"], last)
    return day == _nth_weekday(day.year, day.month, days, pattern["index"])


def oracle(rec, start, zone):
    """Occurrence starts (UTC datetimes, or dates for all-day) within HORIZON_DAYS."""
    pattern, rng = rec["pattern"], rec["range"]
    tzinfo = ZoneInfo(zone)
    if isinstance(start, datetime):
        local = start.astimezone(tzinfo)
        first, clock = local.date(), local.time().replace(tzinfo=None)
    else:
        first, clock = start, None
    out = []
    for offset in range(HORIZON_DAYS):
        day = first + timedelta(offset)
        if rng["type"] == "endDate" and day > date.fromisoformat(rng["endDate"]):
            break
        if not _matches(pattern, first, day):
            continue
        if clock is None:
            out.append(day)
        else:
            out.append(datetime.combine(day, clock, tzinfo).astimezone(UTC))
        if rng["type"] == "numbered" and len(out) == rng["numberOfOccurrences"]:
            break
    return out


def expand(rrule, start, zone):
    """The module's expansion over the oracle's horizon."""
    first = start if not isinstance(start, datetime) else start.astimezone(ZoneInfo(zone)).date()
    end = first + timedelta(HORIZON_DAYS)
    window = (None, datetime.combine(end, time(), ZoneInfo(zone)))
    return expansion.occurrences(rrule, start, zone, window, limit=10**6)


# --------------------------------------------------------------------------- strategies


@st.composite
def series(draw):
    """(patternedRecurrence, start, zone) over every pattern and range type."""
    zone = draw(st.sampled_from(ZONES))
    first = draw(st.dates(date(2024, 1, 1), date(2027, 12, 31)))
    all_day = draw(st.booleans())
    if all_day:
        start = first
    else:
        clock = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45])))
        start = datetime.combine(first, clock, ZoneInfo(zone)).astimezone(UTC)
        first = start.astimezone(ZoneInfo(zone)).date()  # a gap time may move the date
    kind = draw(
        st.sampled_from(
            [
                "daily",
                "weekly",
                "absoluteMonthly",
                "relativeMonthly",
                "absoluteYearly",
                "relativeYearly",
            ]
        )
    )
    pattern = {
        "type": kind,
        "interval": draw(st.integers(1, 4)),
        "month": 0,
        "dayOfMonth": 0,
        "daysOfWeek": [],
        "firstDayOfWeek": draw(st.sampled_from(DAY_NAMES)),
        "index": "first",
    }
    some_days = st.lists(st.sampled_from(DAY_NAMES), min_size=1, max_size=7, unique=True)
    if kind == "weekly":
        pattern["daysOfWeek"] = draw(some_days)
    if kind.endswith("Yearly"):
        pattern["month"] = draw(st.integers(1, 12))
    if kind.startswith("absolute") and kind != "daily":
        longest = 29 if pattern["month"] == 2 else (30 if pattern["month"] in (4, 6, 9, 11) else 31)
        # Half the draws near the month's end, where Exchange and plain RRULEs part ways.
        pattern["dayOfMonth"] = draw(st.integers(1, longest) | st.integers(27, longest))
    if kind.startswith("relative"):
        pattern["daysOfWeek"] = draw(some_days)
        pattern["index"] = draw(st.sampled_from(INDEXES))
    range_type = draw(st.sampled_from(["noEnd", "numbered", "endDate"]))
    rng = {
        "type": range_type,
        "startDate": first.isoformat(),
        "endDate": recurrence.NO_END_DATE,
        "numberOfOccurrences": 0,
        "recurrenceTimeZone": zone,
    }
    if range_type == "numbered":
        rng["numberOfOccurrences"] = draw(st.integers(1, 40))
    elif range_type == "endDate":
        rng["endDate"] = (first + timedelta(draw(st.integers(0, 2 * 366)))).isoformat()
    return {"pattern": pattern, "range": rng}, start, zone


def _relevant(rec):
    """The fields that decide the dates, per pattern type (Graph fills the rest with defaults)."""
    pattern, rng = rec["pattern"], rec["range"]
    keep = {"type", "interval"}
    kind = pattern["type"]
    if kind == "weekly":
        keep |= {"daysOfWeek"} | ({"firstDayOfWeek"} if pattern["interval"] > 1 else set())
    if kind.startswith("absolute") and kind != "daily":
        keep |= {"dayOfMonth"}
    if kind.startswith("relative"):
        keep |= {"daysOfWeek", "index"}
    if kind.endswith("Yearly"):
        keep |= {"month"}
    out = {k: pattern[k] for k in keep}
    if "daysOfWeek" in out:
        out["daysOfWeek"] = sorted(out["daysOfWeek"])
    if out.get("firstDayOfWeek") == "monday":
        del out["firstDayOfWeek"]
    out["range"] = (
        rng["type"],
        rng.get("numberOfOccurrences")
        if rng["type"] == "numbered"
        else rng.get("endDate")
        if rng["type"] == "endDate"
        else None,
    )
    return out


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(series())
def test_pattern_to_rrule_expands_like_exchange(case):
    rec, start, zone = case
    rrule = recurrence.pattern_to_rrule(rec, start, zone)
    assert expand(rrule, start, zone) == oracle(rec, start, zone), rrule


@SETTINGS
@given(series())
def test_rrule_pattern_rrule_is_identity_on_canonical_rules(case):
    rec, start, zone = case
    rrule = recurrence.pattern_to_rrule(rec, start, zone)
    back = recurrence.rrule_to_pattern(rrule, start, zone)
    assert recurrence.pattern_to_rrule(back, start, zone) == rrule
    assert _relevant(back) == _relevant(rec)


def _respell(rrule, draw):
    """A non-canonical but equivalent spelling: shuffled parts, explicit defaults, lower case."""
    parts = dict(p.split("=", 1) for p in rrule.split(";"))
    if "INTERVAL" not in parts and draw(st.booleans()):
        parts["INTERVAL"] = "1"
    if parts.get("FREQ") != "WEEKLY" or "INTERVAL" not in parts or parts["INTERVAL"] == "1":
        if draw(st.booleans()):
            parts["WKST"] = "MO"
    if "BYDAY" in parts and "BYSETPOS" not in parts and "," not in parts["BYDAY"]:
        token = parts["BYDAY"]
        if token[:-2] and draw(st.booleans()):  # "2TU" -> "TU;BYSETPOS=2"
            parts["BYDAY"], parts["BYSETPOS"] = token[-2:], token[:-2]
    if "BYDAY" in parts and "," in parts["BYDAY"]:
        days = parts["BYDAY"].split(",")
        parts["BYDAY"] = ",".join(draw(st.permutations(days)))
    names = draw(st.permutations(list(parts)))
    text = ";".join(f"{n}={parts[n]}" for n in names)
    return text.lower() if draw(st.booleans()) else text


@SETTINGS
@given(series(), st.data())
def test_equivalent_spellings_convert_to_the_same_dates(case, data):
    rec, start, zone = case
    canonical = recurrence.pattern_to_rrule(rec, start, zone)
    spelled = _respell(canonical, data.draw)
    again = recurrence.pattern_to_rrule(
        recurrence.rrule_to_pattern(spelled, start, zone), start, zone
    )
    assert again == canonical
    assert expand(spelled, start, zone) == expand(canonical, start, zone)


@SETTINGS
@given(series(), st.integers(0, 86399))
def test_any_until_instant_keeps_the_same_last_occurrence(case, seconds):
    """UNTIL at any second of a day converts to the end date that keeps the same dates."""
    rec, start, zone = case
    rec = {"pattern": rec["pattern"], "range": dict(rec["range"], type="noEnd")}
    canonical = recurrence.pattern_to_rrule(rec, start, zone)
    dates = expand(canonical, start, zone)
    if not dates or not isinstance(start, datetime):
        return
    cut = dates[min(len(dates) - 1, 5)].replace(hour=0, minute=0, second=0)
    until = cut + timedelta(seconds=seconds)
    rrule = f"{canonical};UNTIL={until.strftime('%Y%m%dT%H%M%SZ')}"
    converted = recurrence.pattern_to_rrule(
        recurrence.rrule_to_pattern(rrule, start, zone), start, zone
    )
    assert expand(converted, start, zone) == expand(rrule, start, zone)
