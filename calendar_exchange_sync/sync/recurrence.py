"""RFC 5545 RRULE values <-> Exchange recurrence patterns, and occurrence expansion.

Odoo stores a series as an RRULE (``FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=...``); Exchange stores a
*pattern* and a *range*. The pattern dict produced here has exactly the shape of Microsoft
Graph's ``patternedRecurrence`` JSON, which the EWS backend maps onto its XML elements:

    {"pattern": {"type": "daily|weekly|absoluteMonthly|relativeMonthly|absoluteYearly|
                          relativeYearly",
                 "interval": 1, "month": 0, "dayOfMonth": 0, "daysOfWeek": ["monday"],
                 "firstDayOfWeek": "monday", "index": "first|second|third|fourth|last"},
     "range": {"type": "endDate|noEnd|numbered", "startDate": "2026-01-05",
               "endDate": "2026-12-31", "numberOfOccurrences": 0,
               "recurrenceTimeZone": "W. Europe Standard Time"}}

Both directions need the series' first start and its time zone, because Exchange ranges start
and end on *dates* of the series' zone and the end date is inclusive, whereas RRULE's UNTIL is
an instant. Exchange semantics that RRULE only reaches with a detour:

* "day 31 of every month" falls on the last day of shorter months in Exchange, while plain
  ``BYMONTHDAY=31`` skips them. The exact RRULE is ``BYMONTHDAY=28,29,30,31;BYSETPOS=-1``; we
  write that form and refuse the plain one (it would silently drop occurrences on one side).
* "the last day of the month" is ``relativeMonthly`` over all seven days with index ``last``.

RRULEs Exchange cannot express (HOURLY, BYHOUR, BYWEEKNO, ordinal days such as ``1MO,3MO``,
``BYSETPOS=2,4``, every-other-day-on-weekdays, ...) raise ValueError with a plain sentence.
RRULEs written here are canonical in the sense of ``sync.normalize.rrule`` (same part order,
``INTERVAL=1``/``WKST=MO`` dropped) and also drop WKST where it cannot change the dates.

RRULEs are read by ``normalize.rrule_parts`` (the one parser); UNTIL and the series' start are
read as ``expansion`` reads them, so a pattern ends where the expansion does.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from . import tz as tzmod
from .expansion import local_start, parse_until
from .normalize import rrule_parts

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_INDEX_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_INDEX_VALUES = {name: value for value, name in _INDEX_NAMES.items()}
_SUPPORTED_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH"}
_SUPPORTED_PARTS |= {"BYSETPOS", "WKST"}
# Same order as sync.normalize.rrule, so what we write is already canonical there.
_PART_ORDER = ("FREQ", "UNTIL", "COUNT", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH")
_PART_ORDER += ("BYSETPOS", "WKST")
# Shortest length of each month: "day 29+" of February, or 31 of April, needs the detour.
_MIN_MONTH_DAYS = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31}
_MIN_MONTH_DAYS |= {11: 30, 12: 31}
_MAX_MONTH_DAYS = {**_MIN_MONTH_DAYS, 2: 29}
NO_END_DATE = "0001-01-01"  # what Graph puts in range.endDate when the range has none


# --------------------------------------------------------------------------- parsing


def parse_rrule(value: str) -> dict[str, str]:
    """The parts of an RRULE (``normalize.rrule_parts``), refusing what Exchange cannot hold."""
    parts = rrule_parts(value)
    for name in parts:
        if name not in _SUPPORTED_PARTS:
            raise ValueError(f"Exchange cannot store a recurrence that uses {name} ('{value}').")
    if parts.get("FREQ") not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise ValueError(
            f"Exchange only repeats daily, weekly, monthly or yearly; '{value}' cannot be synced."
        )
    return parts


def _int(parts, name, default=None):
    if name not in parts:
        return default
    try:
        return int(parts[name])
    except ValueError:
        raise ValueError(f"{name}={parts[name]} is not a number.") from None


def _ints(parts, name):
    if name not in parts:
        return []
    try:
        return sorted({int(v) for v in parts[name].split(",")})
    except ValueError:
        raise ValueError(f"{name}={parts[name]} must list numbers.") from None


def _days(parts):
    """BYDAY as a list of (ordinal or 0, weekday index 0=Monday), in weekday order."""
    out = set()
    for token in filter(None, parts.get("BYDAY", "").split(",")):
        code, prefix = token[-2:], token[:-2]
        if code not in DAY_CODES or (prefix and not prefix.lstrip("+-").isdigit()):
            raise ValueError(f"BYDAY entry '{token}' is not a weekday such as MO or -1FR.")
        out.add((int(prefix) if prefix else 0, DAY_CODES.index(code)))
    return sorted(out, key=lambda pair: (pair[1], pair[0]))


# --------------------------------------------------------------------------- RRULE -> pattern


def _pattern(ptype, interval, *, days=(), day=0, month=0, index=1, first_day="sunday"):
    return {
        "type": ptype,
        "interval": interval,
        "month": month,
        "dayOfMonth": day,
        "daysOfWeek": [DAY_NAMES[d] for d in days],
        "firstDayOfWeek": first_day,
        "index": _INDEX_NAMES[index],
    }


def _day_of_month(parts, fallback_day, month=None):
    """Exchange dayOfMonth for BYMONTHDAY (plain, or the ``28..d;BYSETPOS=-1`` detour)."""
    listed = _ints(parts, "BYMONTHDAY") or [fallback_day]
    setpos = _ints(parts, "BYSETPOS")
    shortest = _MIN_MONTH_DAYS[month] if month else 28
    longest = _MAX_MONTH_DAYS[month] if month else 31
    if len(listed) == 1 and not setpos and 1 <= listed[0] <= shortest:
        return listed[0]
    last = listed[-1]
    if setpos == [-1] and 29 <= last <= longest and listed == list(range(28, last + 1)):
        return last
    if len(listed) == 1 and not setpos and shortest < listed[0] <= longest:
        raise ValueError(
            f"Day {listed[0]} does not exist in every month: Exchange would move it to the "
            f"last day of shorter months, the rule skips them. Write "
            f"BYMONTHDAY={','.join(str(d) for d in range(28, listed[0] + 1))};BYSETPOS=-1 "
            "to mean what Exchange does."
        )
    raise ValueError(
        f"Exchange cannot repeat on BYMONTHDAY={parts.get('BYMONTHDAY', fallback_day)}"
        + (f" with BYSETPOS={parts['BYSETPOS']}." if setpos else ".")
    )


def _relative(parts):
    """(days, index) of a "the second Tuesday" / "the last weekday" rule, or ValueError."""
    days = _days(parts)
    setpos = _ints(parts, "BYSETPOS")
    ordinals = {n for n, _ in days}
    if len(days) == 1 and ordinals != {0} and not setpos:
        index = days[0][0]
    elif ordinals == {0} and len(setpos) == 1:
        index = setpos[0]
    else:
        raise ValueError(
            f"Exchange can repeat on one position in the month (BYDAY=2TU, or BYDAY=MO,TU,..."
            f";BYSETPOS=1), not on BYDAY={parts.get('BYDAY')}"
            + (f";BYSETPOS={parts['BYSETPOS']}." if setpos else ".")
        )
    if index not in _INDEX_NAMES:
        raise ValueError(
            f"Exchange only knows the first, second, third, fourth or last position, not {index}."
        )
    return [d for _, d in days], index


def _refuse(parts, *names, why):
    for name in names:
        if name in parts:
            raise ValueError(f"Exchange cannot store {name} in {why}.")


def rrule_to_pattern(rrule: str, start: datetime | date, zone: str) -> dict:
    """Graph ``patternedRecurrence`` dict for an RRULE whose series starts at ``start``.

    ``start`` is the first occurrence's start (aware datetime, or a date for all-day series),
    ``zone`` the series' time zone (IANA or Windows name). Raises ValueError when Exchange
    cannot express the rule.
    """
    parts = parse_rrule(rrule)
    local = local_start(start, zone)
    freq = parts["FREQ"]
    interval = _int(parts, "INTERVAL", 1)
    if interval < 1:
        raise ValueError(f"INTERVAL={interval} must be at least 1.")
    wkst = parts.get("WKST", "MO")
    if wkst not in DAY_CODES:
        raise ValueError(f"WKST={wkst} is not a weekday.")
    if freq == "DAILY":
        _refuse(parts, "BYMONTH", "BYMONTHDAY", "BYSETPOS", why="a daily rule")
        if "BYDAY" not in parts:
            pattern = _pattern("daily", interval)
        else:
            days = _days(parts)
            if interval != 1 or any(n for n, _ in days):
                raise ValueError(
                    "Exchange cannot repeat every few days on chosen weekdays; "
                    "use a weekly rule instead."
                )
            # Every day, but only on these weekdays, is Exchange's weekly pattern.
            pattern = _pattern("weekly", 1, days=[d for _, d in days], first_day="monday")
    elif freq == "WEEKLY":
        _refuse(parts, "BYMONTH", "BYMONTHDAY", "BYSETPOS", why="a weekly rule")
        days = _days(parts) or [(0, local.weekday())]
        if any(n for n, _ in days):
            raise ValueError("A weekly rule cannot number its weekdays (BYDAY=1MO).")
        first_day = DAY_NAMES[DAY_CODES.index(wkst)]
        pattern = _pattern("weekly", interval, days=[d for _, d in days], first_day=first_day)
    elif freq == "MONTHLY":
        _refuse(parts, "BYMONTH", why="a monthly rule")
        if "BYDAY" in parts and "BYMONTHDAY" in parts:
            raise ValueError("Exchange cannot combine BYDAY and BYMONTHDAY.")
        if "BYDAY" in parts:
            days, index = _relative(parts)
            pattern = _pattern("relativeMonthly", interval, days=days, index=index)
        elif _ints(parts, "BYMONTHDAY") == [-1] and "BYSETPOS" not in parts:
            # "The last day of the month" is Exchange's last-of-any-weekday.
            pattern = _pattern("relativeMonthly", interval, days=range(7), index=-1)
        else:
            day = _day_of_month(parts, local.day)
            pattern = _pattern("absoluteMonthly", interval, day=day)
    else:  # YEARLY
        months = _ints(parts, "BYMONTH") or [local.month]
        if len(months) != 1 or not 1 <= months[0] <= 12:
            raise ValueError(f"Exchange repeats yearly in one month, not BYMONTH={months}.")
        month = months[0]
        if "BYDAY" in parts and "BYMONTHDAY" in parts:
            raise ValueError("Exchange cannot combine BYDAY and BYMONTHDAY.")
        if "BYDAY" in parts:
            days, index = _relative(parts)
            pattern = _pattern("relativeYearly", interval, days=days, index=index, month=month)
        else:
            day = _day_of_month(parts, local.day, month)
            pattern = _pattern("absoluteYearly", interval, day=day, month=month)
    return {"pattern": pattern, "range": _range(parts, local, zone)}


def _range(parts, local: datetime, zone: str) -> dict:
    try:
        windows = tzmod.iana_to_windows(tzmod.to_iana(zone))
    except ValueError:
        windows = tzmod.to_iana(zone)
    out = {
        "type": "noEnd",
        "startDate": local.date().isoformat(),
        "endDate": NO_END_DATE,
        "numberOfOccurrences": 0,
        "recurrenceTimeZone": windows,
    }
    if "COUNT" in parts:
        count = _int(parts, "COUNT")
        if count < 1:
            raise ValueError(f"COUNT={count} must be at least 1.")
        out.update(type="numbered", numberOfOccurrences=count)
    elif "UNTIL" in parts:
        until = parse_until(parts["UNTIL"], zone)
        # Exchange ends on an inclusive date: the last date whose occurrence is <= UNTIL.
        last = until.date() if until.time() >= local.time() else until.date() - timedelta(1)
        out.update(type="endDate", endDate=last.isoformat())
    return out


# --------------------------------------------------------------------------- pattern -> RRULE


def _day_codes(names) -> list[int]:
    try:
        return sorted({DAY_NAMES.index(str(n).lower()) for n in names})
    except ValueError:
        raise ValueError(f"daysOfWeek {names} holds something that is not a weekday.") from None


def _monthday_parts(day: int, month: int | None) -> dict:
    shortest = _MIN_MONTH_DAYS[month] if month else 28
    longest = _MAX_MONTH_DAYS[month] if month else 31
    if not 1 <= day <= longest:
        raise ValueError(f"dayOfMonth {day} does not exist in that month.")
    if day <= shortest:
        return {"BYMONTHDAY": str(day)}
    # Exchange falls back to the month's last day: take the last of 28..day that exists.
    return {"BYMONTHDAY": ",".join(str(d) for d in range(28, day + 1)), "BYSETPOS": "-1"}


def _relative_parts(days: list[int], index_name: str) -> dict:
    if index_name not in _INDEX_VALUES:
        raise ValueError(f"Unknown recurrence index '{index_name}'.")
    if not days:
        raise ValueError("A relative pattern needs at least one day of the week.")
    index = _INDEX_VALUES[index_name]
    if len(days) == 1:
        return {"BYDAY": f"{index}{DAY_CODES[days[0]]}"}
    return {"BYDAY": ",".join(DAY_CODES[d] for d in days), "BYSETPOS": str(index)}


def pattern_to_rrule(recurrence: dict, start: datetime | date, zone: str) -> str:
    """Canonical RRULE for a Graph ``patternedRecurrence`` dict (see the module docstring).

    ``start`` / ``zone`` as for ``rrule_to_pattern``; ``range.recurrenceTimeZone``, when set,
    is the zone the end date is read in.
    """
    pattern, rng = recurrence.get("pattern") or {}, recurrence.get("range") or {}
    ptype = pattern.get("type")
    interval = int(pattern.get("interval") or 1)
    if interval < 1:
        raise ValueError(f"Recurrence interval {interval} must be at least 1.")
    local = local_start(start, zone)
    parts: dict[str, str] = {}
    if ptype == "daily":
        parts["FREQ"] = "DAILY"
    elif ptype == "weekly":
        days = _day_codes(pattern.get("daysOfWeek") or []) or [local.weekday()]
        parts.update(FREQ="WEEKLY", BYDAY=",".join(DAY_CODES[d] for d in days))
        first = str(pattern.get("firstDayOfWeek") or "sunday").lower()
        if first not in DAY_NAMES:
            raise ValueError(f"firstDayOfWeek '{first}' is not a weekday.")
        # The week start only changes which weeks count when skipping weeks.
        if interval > 1 and first != "monday":
            parts["WKST"] = DAY_CODES[DAY_NAMES.index(first)]
    elif ptype in ("absoluteMonthly", "absoluteYearly"):
        yearly = ptype == "absoluteYearly"
        month = int(pattern.get("month") or local.month) if yearly else None
        if yearly and not 1 <= month <= 12:
            raise ValueError(f"Month {month} does not exist.")
        parts["FREQ"] = "YEARLY" if yearly else "MONTHLY"
        if yearly:
            parts["BYMONTH"] = str(month)
        parts.update(_monthday_parts(int(pattern.get("dayOfMonth") or local.day), month))
    elif ptype in ("relativeMonthly", "relativeYearly"):
        yearly = ptype == "relativeYearly"
        parts["FREQ"] = "YEARLY" if yearly else "MONTHLY"
        if yearly:
            month = int(pattern.get("month") or local.month)
            if not 1 <= month <= 12:
                raise ValueError(f"Month {month} does not exist.")
            parts["BYMONTH"] = str(month)
        days = _day_codes(pattern.get("daysOfWeek") or [])
        parts.update(_relative_parts(days, str(pattern.get("index") or "first")))
    else:
        raise ValueError(f"Unknown recurrence pattern type '{ptype}'.")
    if interval > 1:
        parts["INTERVAL"] = str(interval)
    rtype = rng.get("type") or "noEnd"
    if rtype == "numbered":
        count = int(rng.get("numberOfOccurrences") or 0)
        if count < 1:
            raise ValueError("A numbered recurrence needs at least one occurrence.")
        parts["COUNT"] = str(count)
    elif rtype == "endDate":
        parts["UNTIL"] = _until_value(rng, start, zone)
    elif rtype != "noEnd":
        raise ValueError(f"Unknown recurrence range type '{rtype}'.")
    return ";".join(f"{name}={parts[name]}" for name in _PART_ORDER if name in parts)


def _until_value(rng: dict, start: datetime | date, zone: str) -> str:
    try:
        end = date.fromisoformat(str(rng.get("endDate"))[:10])
    except ValueError:
        raise ValueError(f"Recurrence end date '{rng.get('endDate')}' is not a date.") from None
    if not isinstance(start, datetime):
        return end.strftime("%Y%m%d")
    range_zone = rng.get("recurrenceTimeZone") or zone
    try:
        range_zone = tzmod.to_iana(range_zone)
    except ValueError:
        range_zone = zone  # a custom zone name Graph may send: fall back to the event's zone
    # The instant the last possible occurrence on the end date starts (series' wall clock).
    clock = local_start(start, range_zone).time()
    return tzmod.combine_utc(end, clock, range_zone).strftime("%Y%m%dT%H%M%SZ")


def canonical_rrule(rrule: str, start: datetime | date, zone: str) -> str:
    """The RRULE as Exchange gives it back: the same dates, one spelling.

    "FREQ=WEEKLY;COUNT=6" with a Thursday start reads back from Exchange as
    "FREQ=WEEKLY;COUNT=6;BYDAY=TH". Whoever stores a rule (the Odoo side) should store this
    form, or the first read after an export looks like a change. Raises ValueError for a rule
    Exchange cannot store.
    """
    return pattern_to_rrule(rrule_to_pattern(rrule, start, zone), start, zone)
