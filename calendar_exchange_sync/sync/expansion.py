"""Expanding a series: the starts of its occurrences, its last one, the key of each.

This is the one expansion of the product (dateutil's rrule on the series' wall clock, so a
rule crossing a DST change keeps its local time, as Exchange does) for any RFC 5545 rule;
``recurrence`` maps rules to Exchange patterns, ``span`` asks here where a series ends.
RRULEs are read by ``normalize.rrule_parts``. An UNTIL that is a date means "through that day
in the series' zone", as Graph (``range.endDate`` is a date of ``range.recurrenceTimeZone``),
EWS (``EndDatePattern``) and Odoo (``until`` combined with the end of the day on the series'
wall clock) read an end date; a UTC UNTIL is an instant, a floating one a wall-clock time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

from dateutil import rrule as du

from . import tz as tzmod
from .normalize import rrule_parts


def parse_until(value: str, zone: str) -> datetime:
    """UNTIL as a naive wall-clock time in the series' zone (a DATE means that whole day)."""
    try:
        if len(value) == 8:
            return datetime.combine(datetime.strptime(value, "%Y%m%d").date(), time.max)
        if value.endswith("Z"):
            moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=tzmod.UTC)
            return tzmod.to_local(moment, zone)
        return datetime.strptime(value, "%Y%m%dT%H%M%S")  # floating: already local
    except ValueError:
        raise ValueError(f"UNTIL={value} is not an RFC 5545 date or date-time.") from None


def local_start(start: datetime | date, zone: str) -> datetime:
    if isinstance(start, datetime):
        return tzmod.to_local(start, zone)
    return datetime.combine(start, time())


def occurrence_key(original_start: datetime, all_day: bool, zone: str) -> datetime | date:
    """The key an occurrence of a series is known by (``items.Occurrence.original_start``)
    for its original start (an aware instant): that instant in UTC, or for an all-day series
    the date it falls on in the series' zone. ``occurrences`` yields keys of the same kind."""
    if all_day:
        return tzmod.local_date(original_start, zone)
    return original_start.astimezone(tzmod.UTC)


def _window_bounds(window):
    if window is None:
        return None, None
    if isinstance(window, tuple | list):
        return window[0], window[1]
    return window.start, window.end


def build_rule(rrule: str, start: datetime | date, zone: str) -> du.rrule:
    """A dateutil rule producing naive wall-clock starts in the series' zone (any RFC 5545
    rule: what Exchange can hold is ``parse_rrule``'s question, not the expansion's)."""
    parts = rrule_parts(rrule)
    local = local_start(start, zone)
    if "UNTIL" in parts:
        until = parse_until(parts["UNTIL"], zone)
        parts["UNTIL"] = until.strftime("%Y%m%dT%H%M%S")
    text = ";".join(f"{k}={v}" for k, v in parts.items())
    return du.rrulestr(text, dtstart=local)


def occurrences(rrule: str, start: datetime | date, zone: str, window=None, limit=5000):
    """Starts of the occurrences of a series that fall in ``window``, in order.

    Timed series (``start`` an aware datetime) yield aware UTC datetimes; all-day series
    (``start`` a date) yield dates. ``window`` is ``(from, to)`` or an object with ``start``
    and ``end`` (aware datetimes or dates; ``to`` exclusive, either may be None). The expansion
    keeps the wall-clock time in ``zone`` across DST changes, as Exchange does. At most
    ``limit`` occurrences are returned, so an endless series without a window ends.
    """
    low, high = _window_bounds(window)
    low, high = tzmod.as_utc(low, zone), tzmod.as_utc(high, zone)
    rule = build_rule(rrule, start, zone)
    iterator = iter(rule)
    if low is not None:
        # Skip ahead cheaply: one day of margin covers any UTC offset.
        iterator = iter(rule.xafter(tzmod.to_local(low, zone) - timedelta(days=1), inc=True))
    out = []
    all_day = not isinstance(start, datetime)
    for local in iterator:
        moment = tzmod.to_utc(local, zone)
        if high is not None and moment >= high:
            break
        if low is not None and moment < low:
            continue
        out.append(local.date() if all_day else moment)
        if len(out) >= limit:
            break
    return out


# Expanding a bounded rule is cheap, but never loop for ever on a strange one.
_MAX_OCCURRENCES = 20000


@lru_cache(maxsize=4096)
def last_start(rrule: str, start: datetime | date, zone: str) -> datetime | date | None:
    """The start of a series' last occurrence (as ``occurrences`` gives starts), or None when
    the rule never ends (no COUNT, no UNTIL) or runs past ``_MAX_OCCURRENCES``."""
    parts = rrule_parts(rrule)
    if "COUNT" not in parts and "UNTIL" not in parts:
        return None
    last = None
    for count, local in enumerate(build_rule(rrule, start, zone)):
        if count >= _MAX_OCCURRENCES:
            return None  # treat absurdly long series as open-ended
        last = local
    if last is None:
        return None
    return last.date() if not isinstance(start, datetime) else tzmod.to_utc(last, zone)
