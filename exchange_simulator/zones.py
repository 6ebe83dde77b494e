"""Windows time zone ids (what EWS and Graph speak) to IANA zones, for the simulator only.

The table comes from tzlocal's copy of the Unicode CLDR ``windowsZones`` mapping, which is a
different source from the ones the addon and exchangelib use: a mapping mistake on the client
side cannot hide behind the same mistake here.
"""

from datetime import timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import tz_win, win_tz

_ALIASES = {"UTC": "UTC", "Coordinated Universal Time": "UTC", "tzone://Microsoft/Utc": "UTC"}


class UnknownTimeZone(ValueError):
    pass


@lru_cache(maxsize=512)
def zone(windows_id):
    """The zoneinfo object for a Windows zone id (an IANA name is accepted too)."""
    if not windows_id or windows_id in _ALIASES:
        return timezone.utc
    name = win_tz.get(windows_id) or windows_id
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(windows_id) from None


def is_known(windows_id):
    try:
        zone(windows_id)
    except UnknownTimeZone:
        return False
    return True


def windows_id(iana_name):
    """The Windows id of an IANA zone name ("UTC" when there is none)."""
    return tz_win.get(iana_name) or "UTC"
