"""Time zones as Exchange and Odoo name them, and local <-> UTC conversion.

Exchange (EWS and Graph) names zones the Windows way ("W. Europe Standard Time"); Odoo, Python
and iCalendar use IANA names ("Europe/Berlin"). The translation tables come from CLDR's
windowsZones.xml as shipped in ``exchangelib.winzone``, so both backends agree on one source
(imported on first use: the item model and the engine need no Exchange client library).

This module is also the one home of the UTC helpers: ``UTC``, ``to_utc``/``to_local`` for wall
clocks, ``as_utc`` for an item's start or end (a date stands for its midnight in a zone) and
``plain_utc`` for the datetime subclasses client libraries hand out.

Conversions between a naive local wall-clock time and UTC follow what Exchange does with a
recurring meeting across a DST change: the wall-clock time is kept and the UTC instant moves.
For the two awkward cases we follow ``zoneinfo``'s ``fold=0`` rule, documented here once:
a time inside a spring-forward gap (02:30 on the night clocks jump 02:00 -> 03:00) is read with
the offset before the jump, so it lands one hour later in real time (03:30 local); a time that
happens twice in the autumn is read as its first (summer-time) occurrence.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc

# CLDR still names a few zones by their pre-rename IANA ids; prefer the names Odoo and current
# tzdata show to users. The old ids stay valid links, so both directions keep working.
_MODERN_IANA = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Godthab": "America/Nuuk",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
}

# Names Exchange uses for UTC besides the Windows "UTC" id.
_UTC_ALIASES = {"utc", "etc/utc", "z", "gmt", "etc/gmt", "tzone://microsoft/utc", "zulu"}


@functools.cache
def _maps():
    """(Windows -> IANA, IANA -> Windows) from CLDR, as exchangelib ships them."""
    from exchangelib.winzone import IANA_TO_MS_TIMEZONE_MAP, MS_TIMEZONE_TO_IANA_MAP

    return MS_TIMEZONE_TO_IANA_MAP, IANA_TO_MS_TIMEZONE_MAP


@functools.cache
def _windows_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in _maps()[0]}


def is_windows_name(name: str) -> bool:
    """True when ``name`` is a Windows time zone id Exchange knows (case-insensitive)."""
    return name.strip().lower() in _windows_by_lower()


def windows_to_iana(name: str) -> str:
    """IANA name for a Windows zone id, e.g. "W. Europe Standard Time" -> "Europe/Berlin".

    Raises ValueError for a name that is not a Windows zone id.
    """
    key = name.strip().lower()
    if key in _UTC_ALIASES:
        return "UTC"
    windows = _windows_by_lower().get(key)
    if windows is None:
        raise ValueError(f"'{name}' is not a Windows time zone name that Exchange uses.")
    iana = _maps()[0][windows]
    if iana == "Etc/UTC":
        return "UTC"
    return _MODERN_IANA.get(iana, iana)


def iana_to_windows(name: str) -> str:
    """Windows zone id for an IANA name, e.g. "Europe/Paris" -> "Romance Standard Time".

    Accepts old and new IANA spellings ("Asia/Calcutta", "Asia/Kolkata"). Raises ValueError for
    a zone Exchange has no Windows id for.
    """
    key = name.strip()
    if key.lower() in _UTC_ALIASES:
        return "UTC"
    entry = _maps()[1].get(key)
    if entry is None:
        # A new IANA name whose CLDR entry still uses the old spelling.
        old = {new: old for old, new in _MODERN_IANA.items()}.get(key)
        entry = _maps()[1].get(old) if old else None
    if entry is None:
        raise ValueError(f"Time zone '{name}' has no Windows equivalent that Exchange accepts.")
    return entry[0]


def to_iana(name: str | None) -> str:
    """Normalise any zone name Exchange, Graph or Odoo may hand us to an IANA name.

    Windows ids are translated, IANA names are checked and returned (modern spelling), empty
    means UTC. Raises ValueError for an unknown name.
    """
    if not name or name.strip().lower() in _UTC_ALIASES:
        return "UTC"
    name = name.strip()
    # Windows ids never hold a "/": an area/city name needs no Windows table (and no
    # exchangelib import, which the item model and the engine can do without).
    if "/" not in name and is_windows_name(name):
        return windows_to_iana(name)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown time zone '{name}'.") from exc
    return _MODERN_IANA.get(name, name)


@functools.lru_cache(maxsize=256)
def get_zone(name: str | None) -> ZoneInfo:
    """The ``ZoneInfo`` for a Windows or IANA name (see ``to_iana``)."""
    return ZoneInfo(to_iana(name))


def to_utc(local: datetime, zone: str | None) -> datetime:
    """Aware UTC datetime for a naive wall-clock time in ``zone`` (Windows or IANA name).

    An aware input is simply converted to UTC (its own offset wins over ``zone``).
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return local.replace(tzinfo=get_zone(zone)).astimezone(UTC)


def to_local(moment: datetime, zone: str | None) -> datetime:
    """Naive wall-clock time in ``zone`` for an aware datetime (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(get_zone(zone)).replace(tzinfo=None)


def local_date(moment: datetime | date, zone: str | None) -> date:
    """The calendar date ``moment`` falls on in ``zone``; a ``date`` is returned unchanged."""
    if not isinstance(moment, datetime):
        return moment
    return to_local(moment, zone).date()


def combine_utc(day: date, clock: time, zone: str | None) -> datetime:
    """Aware UTC instant of wall-clock ``clock`` on ``day`` in ``zone``."""
    return to_utc(datetime.combine(day, clock.replace(tzinfo=None)), zone)


def as_utc(value: datetime | date | None, zone: str | None = None) -> datetime | None:
    """The instant an item's start or end stands for, aware UTC: a datetime as it is (a naive
    one taken as UTC), a date as its midnight in ``zone`` (all-day entries), None as None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is UTC:
            return value  # an item's own times (normalised to UTC): nothing to convert
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return combine_utc(value, time(), zone)


def plain_utc(value: datetime | None) -> datetime | None:
    """A plain ``datetime`` in UTC from any aware one, subclasses included (exchangelib's
    EWSDateTime insists on its own zone class): what the item model compares."""
    if value is None:
        return None
    return datetime.fromtimestamp(value.timestamp(), tz=UTC)
