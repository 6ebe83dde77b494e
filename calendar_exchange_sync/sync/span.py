"""When does an item end? Used for the sync window: entries that ended before it are left alone.

A single entry ends at its end. A series ends when its last occurrence (or a modified occurrence
moved later) ends, and never when its rule has neither COUNT nor UNTIL. The last occurrence comes
from the one expansion, ``expansion`` (dateutil on the series' wall clock, so a rule crossing
a DST change ends where the user expects, and a date-only UNTIL is a day of the series' zone):
the window and the mapping to Exchange never disagree on where a series ends.
"""

from . import expansion
from . import tz as tzmod


def last_end(item):
    """The last moment the item occupies (aware UTC), or None for an endless series."""
    end = tzmod.as_utc(item.end, item.timezone)
    rec = item.recurrence
    if rec is None:
        return end
    last = expansion.last_start(rec.rrule, item.start, item.timezone)
    if last is None:
        return None
    # The last occurrence lasts as long as the series' first one (all-day: as many days).
    series_end = tzmod.as_utc(last + (item.end - item.start), item.timezone)
    for exception in rec.exceptions:
        series_end = max(series_end, tzmod.as_utc(exception.item.end, exception.item.timezone))
    return max(series_end, end)


def ended_before(item, moment):
    """True when the item (every occurrence of a series) ended before ``moment``."""
    try:
        end = item._last_end  # an item is immutable: its end is kept on it once worked out
    except AttributeError:  # an item of another kind
        end = last_end(item)
    else:
        if end is False:  # not worked out yet
            end = last_end(item)
            object.__setattr__(item, "_last_end", end)
    return end is not None and end < moment
