"""Expansion of a Graph-shaped ``patternedRecurrence`` dict into occurrence start times.

The store keeps every series' rule in Graph's JSON shape (which transcribes EWS's recurrence
elements one to one). This module is the simulator's own reading of that shape, built on
dateutil.rrule; it shares nothing with the addon's conversions on purpose.

Occurrences keep the wall-clock time of the series start in the recurrence time zone, so a
weekly 09:00 meeting stays at 09:00 local across a daylight saving change. "Day 31 of the
month" falls on the last day of shorter months, as on Exchange.
"""

from datetime import date, datetime, time, timedelta, timezone

from dateutil import rrule

from .zones import zone

UTC = timezone.utc
DAYS = {
    "monday": rrule.MO,
    "tuesday": rrule.TU,
    "wednesday": rrule.WE,
    "thursday": rrule.TH,
    "friday": rrule.FR,
    "saturday": rrule.SA,
    "sunday": rrule.SU,
}
INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
PATTERN_TYPES = (
    "daily",
    "weekly",
    "absoluteMonthly",
    "relativeMonthly",
    "absoluteYearly",
    "relativeYearly",
)
RANGE_TYPES = ("endDate", "noEnd", "numbered")
# A safety net for endless series asked for without a bound.
MAX_OCCURRENCES = 5000


class InvalidRecurrence(ValueError):
    pass


def _month_day(pattern):
    """dateutil arguments for "day N of the month" as Exchange means it.

    Exchange puts day 29-31 on the last day of a shorter month (day 31 of April is 30 April,
    29 February is 28 February in common years); RFC 5545's BYMONTHDAY=31 would skip those
    months. The last of the days 28..N that exist in the month is exactly Exchange's day.
    """
    day = int(pattern["dayOfMonth"])
    if day <= 28:
        return {"bymonthday": day}
    return {"bymonthday": list(range(28, day + 1)), "bysetpos": -1}


def _rule(pattern, dtstart, count, until):
    kind = pattern.get("type")
    interval = int(pattern.get("interval") or 1)
    days = [DAYS[d.lower()] for d in pattern.get("daysOfWeek") or ()]
    wkst = DAYS[(pattern.get("firstDayOfWeek") or "sunday").lower()]
    common = {"dtstart": dtstart, "interval": interval, "count": count, "until": until}
    if kind == "daily":
        return rrule.rrule(rrule.DAILY, **common)
    if kind == "weekly":
        if not days:
            raise InvalidRecurrence("a weekly pattern needs daysOfWeek")
        return rrule.rrule(rrule.WEEKLY, byweekday=days, wkst=wkst, **common)
    if kind == "absoluteMonthly":
        return rrule.rrule(rrule.MONTHLY, **_month_day(pattern), **common)
    if kind == "absoluteYearly":
        return rrule.rrule(
            rrule.YEARLY, bymonth=int(pattern["month"]), **_month_day(pattern), **common
        )
    if kind in ("relativeMonthly", "relativeYearly"):
        if not days:
            raise InvalidRecurrence("a relative pattern needs daysOfWeek")
        setpos = INDEX[(pattern.get("index") or "first").lower()]
        freq = rrule.MONTHLY if kind == "relativeMonthly" else rrule.YEARLY
        extra = {"bymonth": int(pattern["month"])} if kind == "relativeYearly" else {}
        return rrule.rrule(freq, byweekday=days, bysetpos=setpos, **common, **extra)
    raise InvalidRecurrence("unknown pattern type %r" % kind)


def validate(recurrence):
    """Raise InvalidRecurrence when the dict is not a usable patternedRecurrence."""
    try:
        pattern, rng = recurrence["pattern"], recurrence["range"]
        if pattern.get("type") not in PATTERN_TYPES or rng.get("type") not in RANGE_TYPES:
            raise InvalidRecurrence("unknown pattern or range type")
        date.fromisoformat(rng["startDate"])
        if rng["type"] == "endDate":
            date.fromisoformat(rng["endDate"])
        if rng["type"] == "numbered" and int(rng["numberOfOccurrences"]) < 1:
            raise InvalidRecurrence("numberOfOccurrences must be positive")
        _rule(pattern, datetime(2000, 1, 1), 1, None)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InvalidRecurrence):
            raise
        raise InvalidRecurrence(str(exc)) from None


def occurrence_starts(recurrence, series_start, start_tz, until=None, limit=None):
    """UTC start datetimes of the series, in order, up to ``until`` (exclusive) / ``limit``."""
    pattern, rng = recurrence["pattern"], recurrence["range"]
    tz = zone(rng.get("recurrenceTimeZone") or start_tz)
    local_start = series_start.astimezone(tz)
    first_day = date.fromisoformat(rng["startDate"])
    dtstart = datetime.combine(first_day, local_start.time().replace(tzinfo=None))
    count = int(rng["numberOfOccurrences"]) if rng["type"] == "numbered" else None
    rule_until = None
    if rng["type"] == "endDate":
        # The end date is inclusive, in the series' own zone.
        rule_until = datetime.combine(date.fromisoformat(rng["endDate"]), time(23, 59, 59))
    cap = MAX_OCCURRENCES if limit is None else min(limit, MAX_OCCURRENCES)
    out = []
    for local in _rule(pattern, dtstart, count, rule_until):
        start = local.replace(tzinfo=tz).astimezone(UTC)
        if until is not None and start >= until:
            break
        out.append(start)
        if len(out) >= cap:
            break
    return out


def last_occurrence_end(recurrence, series_start, series_end, start_tz):
    """End of the last occurrence, or None for an endless series (used for view windows)."""
    if recurrence["range"]["type"] == "noEnd":
        return None
    starts = occurrence_starts(recurrence, series_start, start_tz)
    if not starts:
        return series_end
    return starts[-1] + (series_end - series_start) + timedelta(0)
