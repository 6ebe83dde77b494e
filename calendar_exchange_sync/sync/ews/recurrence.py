"""exchangelib recurrence objects <-> Graph-shaped ``patternedRecurrence`` dicts.

``sync.recurrence`` converts RRULEs to and from the Graph JSON shape; EWS carries the same
pattern and range as XML elements, which exchangelib models as ``*Pattern`` classes with
enum values stored as 1-based positions (Monday = 1 … Sunday = 7; Day, Weekday, WeekendDay
= 8, 9, 10; First … Last = 1 … 5; January = 1). This module is the small adapter between the
two; it raises ValueError with a plain sentence for what EWS cannot hold.
"""

from datetime import date

from exchangelib.recurrence import (
    AbsoluteMonthlyPattern,
    AbsoluteYearlyPattern,
    DailyPattern,
    EndDatePattern,
    NoEndPattern,
    NumberedPattern,
    Recurrence,
    RelativeMonthlyPattern,
    RelativeYearlyPattern,
    WeeklyPattern,
)

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# exchangelib's extra DaysOfWeek values for relative patterns, as sets of days.
COMPOUND = {
    8: frozenset(DAYS),
    9: frozenset(DAYS[:5]),
    10: frozenset(DAYS[5:]),
}
INDEXES = ("first", "second", "third", "fourth", "last")


def _day_number(name):
    return DAYS.index(name.lower()) + 1


def _relative_weekday(days):
    """exchangelib's single DaysOfWeek value for a relative pattern's list of days."""
    days = frozenset(d.lower() for d in days)
    if len(days) == 1:
        return _day_number(next(iter(days)))
    for value, members in COMPOUND.items():
        if days == members:
            return value
    raise ValueError(
        "Exchange can repeat on the n-th of one weekday, of any day, of a weekday or of a "
        "weekend day, not of %s." % ", ".join(sorted(days))
    )


def _relative_days(value):
    if value in COMPOUND:
        return [d for d in DAYS if d in COMPOUND[value]]
    return [DAYS[value - 1]]


def to_exchangelib(recurrence):
    """An exchangelib ``Recurrence`` for a Graph-shaped dict."""
    pattern, rng = recurrence["pattern"], recurrence["range"]
    kind = pattern["type"]
    interval = int(pattern.get("interval") or 1)
    if kind == "daily":
        ews_pattern = DailyPattern(interval=interval)
    elif kind == "weekly":
        ews_pattern = WeeklyPattern(
            interval=interval,
            weekdays=[_day_number(d) for d in pattern["daysOfWeek"]],
            first_day_of_week=_day_number(pattern.get("firstDayOfWeek") or "sunday"),
        )
    elif kind == "absoluteMonthly":
        ews_pattern = AbsoluteMonthlyPattern(interval=interval, day_of_month=pattern["dayOfMonth"])
    elif kind == "relativeMonthly":
        ews_pattern = RelativeMonthlyPattern(
            interval=interval,
            weekday=_relative_weekday(pattern["daysOfWeek"]),
            week_number=INDEXES.index(pattern.get("index") or "first") + 1,
        )
    elif kind == "absoluteYearly":
        if interval != 1:
            raise ValueError("Exchange repeats a yearly date every year only.")
        ews_pattern = AbsoluteYearlyPattern(
            day_of_month=pattern["dayOfMonth"], month=pattern["month"]
        )
    elif kind == "relativeYearly":
        if interval != 1:
            raise ValueError("Exchange repeats a yearly weekday every year only.")
        ews_pattern = RelativeYearlyPattern(
            weekday=_relative_weekday(pattern["daysOfWeek"]),
            week_number=INDEXES.index(pattern.get("index") or "first") + 1,
            month=pattern["month"],
        )
    else:
        raise ValueError("Unknown recurrence pattern %r." % kind)
    start = date.fromisoformat(rng["startDate"])
    if rng["type"] == "numbered":
        boundary = NumberedPattern(start=start, number=int(rng["numberOfOccurrences"]))
    elif rng["type"] == "endDate":
        boundary = EndDatePattern(start=start, end=date.fromisoformat(rng["endDate"]))
    else:
        boundary = NoEndPattern(start=start)
    return Recurrence(pattern=ews_pattern, boundary=boundary)


def _enum(value, names):
    """exchangelib keeps enums as 1-based ints but accepts names; read either."""
    if isinstance(value, str):
        return names.index(value) + 1
    return int(value)


def from_exchangelib(recurrence, time_zone):
    """The Graph-shaped dict of an exchangelib ``Recurrence`` (``time_zone``: Windows id)."""
    p, b = recurrence.pattern, recurrence.boundary
    from exchangelib.fields import MONTHS, WEEK_NUMBERS, WEEKDAY_NAMES, WEEKDAYS

    pattern = {"interval": getattr(p, "interval", None) or 1}
    if isinstance(p, DailyPattern):
        pattern["type"] = "daily"
    elif isinstance(p, WeeklyPattern):
        pattern["type"] = "weekly"
        pattern["daysOfWeek"] = [DAYS[_enum(d, WEEKDAY_NAMES) - 1] for d in p.weekdays]
        pattern["firstDayOfWeek"] = DAYS[_enum(p.first_day_of_week or 7, WEEKDAY_NAMES) - 1]
    elif isinstance(p, AbsoluteMonthlyPattern):
        pattern.update(type="absoluteMonthly", dayOfMonth=p.day_of_month)
    elif isinstance(p, RelativeMonthlyPattern):
        pattern["type"] = "relativeMonthly"
        pattern["daysOfWeek"] = _relative_days(_enum(p.weekday, WEEKDAYS))
        pattern["index"] = INDEXES[_enum(p.week_number, WEEK_NUMBERS) - 1]
    elif isinstance(p, AbsoluteYearlyPattern):
        pattern.update(
            type="absoluteYearly", dayOfMonth=p.day_of_month, month=_enum(p.month, MONTHS)
        )
    elif isinstance(p, RelativeYearlyPattern):
        pattern["type"] = "relativeYearly"
        pattern["daysOfWeek"] = _relative_days(_enum(p.weekday, WEEKDAYS))
        pattern["index"] = INDEXES[_enum(p.week_number, WEEK_NUMBERS) - 1]
        pattern["month"] = _enum(p.month, MONTHS)
    else:
        raise ValueError("Unsupported recurrence pattern %s." % type(p).__name__)
    rng = {"startDate": b.start.isoformat(), "recurrenceTimeZone": time_zone}
    if isinstance(b, NumberedPattern):
        rng.update(type="numbered", numberOfOccurrences=b.number)
    elif isinstance(b, EndDatePattern):
        rng.update(type="endDate", endDate=b.end.isoformat())
    else:
        rng["type"] = "noEnd"
    return {"pattern": pattern, "range": rng}
