"""When does an item end? Used for the sync window: entries that ended before it are left alone.

A single entry ends at its end. A series ends when its last occurrence (or a modified occurrence
moved later) ends, and never when its rule has neither COUNT nor UNTIL. The expansion uses
dateutil in the series' own time zone, so a rule crossing a DST change ends where the user
expects. This is only the window test: mapping rules to Exchange patterns lives elsewhere.
"""

from datetime import datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from .normalize import UTC

# Expanding a bounded rule is cheap, but never loop for ever on a strange one.
_MAX_OCCURRENCES = 20000


def _end_utc(item, value):
    """The moment an item's start or end stands for, as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value
    # All-day: midnight in the entry's zone (the exclusive end date starts the next day).
    return datetime.combine(value, time(), ZoneInfo(item.timezone)).astimezone(UTC)


@lru_cache(maxsize=4096)
def _last_start(rule, dtstart, all_day, tzname):
    """Start of the last occurrence of a bounded rule, or None when it never ends."""
    if "COUNT=" not in rule and "UNTIL=" not in rule:
        return None
    if all_day:
        start = datetime.combine(dtstart, time())
    else:
        start = dtstart.astimezone(ZoneInfo(tzname))
        # A date-only UNTIL on a timed series means "through that day" (in UTC).
        parts = [
            "UNTIL=%sT235959Z" % p[6:] if p.startswith("UNTIL=") and len(p) == 14 else p
            for p in rule.split(";")
        ]
        rule = ";".join(parts)
    last = None
    for count, occurrence in enumerate(rrulestr(rule, dtstart=start)):
        last = occurrence
        if count >= _MAX_OCCURRENCES:
            return None  # treat absurdly long series as open-ended
    return last


def last_end(item):
    """The last moment the item occupies (aware UTC), or None for an endless series."""
    end = _end_utc(item, item.end)
    rec = item.recurrence
    if rec is None:
        return end
    last = _last_start(rec.rrule, item.start, item.all_day, item.timezone)
    if last is None:
        return None
    if item.all_day:
        series_end = _end_utc(item, (last + (item.end - item.start)).date())
    else:
        series_end = (last + (item.end - item.start)).astimezone(UTC)
    for exception in rec.exceptions:
        series_end = max(series_end, _end_utc(exception.item, exception.item.end))
    return max(series_end, end)


def ended_before(item, moment):
    """True when the item (every occurrence of a series) ended before ``moment``."""
    end = last_end(item)
    return end is not None and end < moment
