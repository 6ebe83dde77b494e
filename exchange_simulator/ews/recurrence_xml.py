"""EWS ``<t:Recurrence>`` XML <-> the store's Graph-shaped ``patternedRecurrence`` dict.

Graph's recurrence JSON transcribes EWS's elements one to one (RelativeMonthlyRecurrence ->
``relativeMonthly``, DayOfWeekIndex -> ``index`` …), so this is a faithful, lossless mapping.
EWS's compound day names (Day, Weekday, WeekendDay) become explicit lists of days.
"""

from . import versions
from .soap import ItemError, sub, t

PATTERNS = {
    "DailyRecurrence": "daily",
    "WeeklyRecurrence": "weekly",
    "AbsoluteMonthlyRecurrence": "absoluteMonthly",
    "RelativeMonthlyRecurrence": "relativeMonthly",
    "AbsoluteYearlyRecurrence": "absoluteYearly",
    "RelativeYearlyRecurrence": "relativeYearly",
}
RANGES = {
    "NoEndRecurrence": "noEnd",
    "EndDateRecurrence": "endDate",
    "NumberedRecurrence": "numbered",
}
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
COMPOUND = {
    "Day": [d.lower() for d in DAYS],
    "Weekday": ["monday", "tuesday", "wednesday", "thursday", "friday"],
    "WeekendDay": ["saturday", "sunday"],
}
MONTHS = (
    "January February March April May June July August September October November December"
).split()
INDEXES = ("First", "Second", "Third", "Fourth", "Last")


def _text(elem, name):
    child = elem.find(t(name))
    return child.text.strip() if child is not None and child.text else None


def _days(text):
    out = []
    for word in (text or "").split():
        if word in COMPOUND:
            out.extend(d for d in COMPOUND[word] if d not in out)
        elif word in DAYS:
            out.append(word.lower())
        else:
            raise ItemError("ErrorCalendarInvalidRecurrence", "Unknown day of week %s." % word)
    return out


def parse_recurrence(elem, time_zone):
    """The Graph-shaped dict of a ``<t:Recurrence>`` element."""
    pattern, rng = None, None
    for child in elem:
        name = child.tag.split("}")[1]
        if name in PATTERNS:
            pattern = {"type": PATTERNS[name], "interval": int(_text(child, "Interval") or 1)}
            if _text(child, "DaysOfWeek"):
                pattern["daysOfWeek"] = _days(_text(child, "DaysOfWeek"))
            if _text(child, "DayOfMonth"):
                pattern["dayOfMonth"] = int(_text(child, "DayOfMonth"))
            if _text(child, "Month"):
                pattern["month"] = MONTHS.index(_text(child, "Month")) + 1
            if _text(child, "DayOfWeekIndex"):
                pattern["index"] = _text(child, "DayOfWeekIndex").lower()
            pattern["firstDayOfWeek"] = (_text(child, "FirstDayOfWeek") or "Sunday").lower()
        elif name in RANGES:
            # xs:date may carry a zone suffix ("2026-03-02Z"): the calendar date is what counts.
            rng = {"type": RANGES[name], "startDate": _text(child, "StartDate")[:10]}
            rng["recurrenceTimeZone"] = time_zone
            if name == "EndDateRecurrence":
                rng["endDate"] = _text(child, "EndDate")[:10]
            if name == "NumberedRecurrence":
                rng["numberOfOccurrences"] = int(_text(child, "NumberOfOccurrences"))
        else:
            raise ItemError("ErrorUnsupportedRecurrence", "Unsupported recurrence %s." % name)
    if pattern is None or rng is None:
        raise ItemError(
            "ErrorCalendarInvalidRecurrence", "A recurrence needs a pattern and a range."
        )
    return {"pattern": pattern, "range": rng}


def _day_words(days, relative):
    days = [d.lower() for d in days]
    if relative:
        for word, members in COMPOUND.items():
            if sorted(days) == sorted(members):
                return word
    return " ".join(d.capitalize() for d in days)


def write_recurrence(parent, recurrence, version):
    """Append ``<t:Recurrence>`` for the dict (elements in schema order)."""
    pattern, rng = recurrence["pattern"], recurrence["range"]
    elem = sub(parent, t("Recurrence"))
    name = {v: k for k, v in PATTERNS.items()}[pattern["type"]]
    node = sub(elem, t(name))
    kind = pattern["type"]
    if kind in ("daily", "weekly", "absoluteMonthly", "relativeMonthly"):
        sub(node, t("Interval"), str(pattern.get("interval", 1)))
    if kind in ("relativeMonthly", "relativeYearly"):
        sub(node, t("DaysOfWeek"), _day_words(pattern["daysOfWeek"], True))
        sub(node, t("DayOfWeekIndex"), (pattern.get("index") or "first").capitalize())
    if kind == "weekly":
        sub(node, t("DaysOfWeek"), _day_words(pattern["daysOfWeek"], False))
        if versions.has(version, "FirstDayOfWeek"):  # came with Exchange 2010 SP1
            sub(node, t("FirstDayOfWeek"), (pattern.get("firstDayOfWeek") or "sunday").capitalize())
    if kind in ("absoluteMonthly", "absoluteYearly"):
        sub(node, t("DayOfMonth"), str(pattern["dayOfMonth"]))
    if kind in ("absoluteYearly", "relativeYearly"):
        sub(node, t("Month"), MONTHS[int(pattern["month"]) - 1])
    name = {v: k for k, v in RANGES.items()}[rng["type"]]
    node = sub(elem, t(name))
    sub(node, t("StartDate"), rng["startDate"])
    if rng["type"] == "endDate":
        sub(node, t("EndDate"), rng["endDate"])
    if rng["type"] == "numbered":
        sub(node, t("NumberOfOccurrences"), str(rng["numberOfOccurrences"]))
    return elem
