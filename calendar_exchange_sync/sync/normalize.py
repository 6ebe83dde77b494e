"""Canonical forms for the free-form parts of a calendar item: HTML bodies, RRULE values, e-mail
addresses and times.

Every side writes these values its own way (Exchange wraps bodies in ``<html><body>``, Odoo adds
``<p><br></p>`` to an empty description, one side writes ``BYDAY=WE,MO`` and the other
``INTERVAL=1;BYDAY=MO,WE``). The item value object runs its fields through these functions so
that two items compare equal exactly when they look the same to the user.
"""

import json
import re
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .tz import UTC

# Order in which RRULE parts are written; anything unknown goes last, alphabetically.
_RRULE_ORDER = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
_FREQS = {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY_RE = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_NUMERIC_LISTS = {"BYSECOND", "BYMINUTE", "BYHOUR", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO"}
_NUMERIC_LISTS |= {"BYMONTH", "BYSETPOS"}

# Whitespace between tags and an outer <html>/<body> shell never change what the user sees.
_BETWEEN_TAGS = re.compile(r">\s+<")
_SHELL = re.compile(r"^<html[^>]*>|</html>$|^<body[^>]*>|</body>$|^<head>.*?</head>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
# Exchange's HTML writer turns "<br/>" into "<br>" (HTML 4 void tags): the same to the user.
_VOID_SLASH = re.compile(r"<(area|base|br|col|hr|img|input|meta|wbr)\b([^>]*?)\s*/>", re.I)
_VISIBLE_TAG = re.compile(r"<(img|hr|table|iframe|video|object)\b", re.I)


def utc_datetime(value, what="time"):
    """Return an aware datetime in UTC, to the second (both Exchange and Odoo store seconds)."""
    if not isinstance(value, datetime):
        raise TypeError("%s must be a datetime, not %r" % (what, value))
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("%s must carry a time zone (got naive %s)" % (what, value.isoformat()))
    return value.astimezone(UTC).replace(microsecond=0)


def start_key(value, what="original start"):
    """Normalise an occurrence key: a UTC datetime, or a plain date for all-day series."""
    if isinstance(value, datetime):
        return utc_datetime(value, what)
    if isinstance(value, date):
        return value
    raise TypeError("%s must be a date or datetime, not %r" % (what, value))


def email(value):
    """Lower-case, trimmed e-mail address; ``None`` or empty stays ``None``-ish for callers."""
    return (value or "").strip().lower()


def html_body(value):
    """Canonical HTML: no outer shell, no whitespace between tags, empty when nothing shows."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    previous = None
    while previous != text:  # nested shells (<html><body>) peel one layer per pass
        previous = text
        text = _SHELL.sub("", text).strip()
    text = _BETWEEN_TAGS.sub("><", text)
    text = _VOID_SLASH.sub(r"<\1\2>", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    visible = _TAG.sub("", text).replace("&nbsp;", " ").replace("\xa0", " ")
    if not visible.strip() and not _VISIBLE_TAG.search(text):
        return ""  # "<p><br></p>", "<div></div>": an empty description to the user
    return text


def _until(value):
    """UNTIL as RFC 5545 writes it: a date, a UTC date-time (``…Z``) or a floating one."""
    if not re.fullmatch(r"\d{8}(T\d{6}Z?)?", value):
        raise ValueError("UNTIL=%s is not an RFC 5545 date or date-time" % value)
    return value


def _byday_key(token):
    match = _BYDAY_RE.match(token)
    return (_WEEKDAYS.index(match.group(2)), int(match.group(1) or 0))


def _list(name, value):
    parts = [p.strip() for p in value.split(",")]
    if not parts or any(not p for p in parts):
        raise ValueError("%s=%s has an empty entry" % (name, value))
    if name == "BYDAY":
        tokens = set()
        for token in parts:
            match = _BYDAY_RE.match(token)
            if not match:
                raise ValueError("BYDAY entry %r is not a weekday like MO or -1FR" % token)
            ordinal = int(match.group(1) or 0)  # "+1MO" and "1MO" are the same day
            tokens.add("%s%s" % (ordinal or "", match.group(2)))
        return ",".join(sorted(tokens, key=_byday_key))
    if name in _NUMERIC_LISTS:
        try:
            numbers = sorted({int(p) for p in parts})
        except ValueError:
            raise ValueError("%s=%s must list integers" % (name, value)) from None
        return ",".join(str(n) for n in numbers)
    return ",".join(parts)


def rrule_parts(value):
    """The parts of an RRULE value, ``{NAME: VALUE}``: the one RRULE parser of the product.

    Upper-cased, each value checked and in canonical form (lists sorted and deduplicated,
    numbers without leading zeros, ``+1MO`` as ``1MO``); an ``RRULE:`` prefix is dropped.
    What a caller can hold is its own check: FREQ (``rrule`` below, ``recurrence`` for
    Exchange), a floating UNTIL (items want UTC).
    """
    text = (value or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts = {}
    for chunk in filter(None, (c.strip() for c in text.split(";"))):
        if "=" not in chunk:
            raise ValueError("RRULE part %r is not NAME=VALUE" % chunk)
        name, _, val = chunk.partition("=")
        name, val = name.strip().upper(), val.strip().upper()
        if not val:
            raise ValueError("RRULE part %s has no value" % name)
        if name in parts:
            raise ValueError("RRULE part %s appears twice" % name)
        parts[name] = val
    if "UNTIL" in parts and "COUNT" in parts:
        raise ValueError("RRULE %r has both COUNT and UNTIL" % value)
    for name in list(parts):
        val = parts[name]
        if name == "UNTIL":
            parts[name] = _until(val)
        elif name in ("COUNT", "INTERVAL"):
            if not val.isdigit() or int(val) < 1:
                raise ValueError("%s=%s must be a positive integer" % (name, val))
            parts[name] = str(int(val))
        elif name == "WKST":
            if val not in _WEEKDAYS:
                raise ValueError("WKST=%s is not a weekday" % val)
        elif name.startswith("BY"):
            parts[name] = _list(name, val)
    return parts


def rrule(value):
    """Canonical RRULE value of an item (no ``RRULE:`` prefix, no DTSTART).

    Parts as ``rrule_parts`` reads them, written in a fixed order; ``INTERVAL=1`` and
    ``WKST=MO`` (the RFC defaults) are dropped; UNTIL must be a date or already UTC.
    """
    parts = rrule_parts(value)
    if parts.get("FREQ") not in _FREQS:
        raise ValueError("RRULE %r needs FREQ=DAILY/WEEKLY/MONTHLY/YEARLY/…" % value)
    if re.fullmatch(r"\d{8}T\d{6}", parts.get("UNTIL", "")):
        raise ValueError(
            "UNTIL=%s has no time zone; convert it to UTC (…Z) before building the item"
            % parts["UNTIL"]
        )
    if parts.get("INTERVAL") == "1":
        del parts["INTERVAL"]
    if parts.get("WKST") == "MO":
        del parts["WKST"]

    def order(name):
        return (_RRULE_ORDER.index(name), "") if name in _RRULE_ORDER else (99, name)

    return ";".join("%s=%s" % (n, parts[n]) for n in sorted(parts, key=order))


# -- canonical text for hashes and storage ------------------------------------------------


@lru_cache(maxsize=512)
def check_zone(name):
    """``name`` when it is an IANA zone known here, else ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("%r is not an IANA time zone name" % name) from None
    return name


def when_text(value):
    if isinstance(value, datetime):
        if value.year >= 1000:  # a few times faster than strftime, which pads no year
            return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (
                value.year,
                value.month,
                value.day,
                value.hour,
                value.minute,
                value.second,
            )
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def parse_when(text):
    """Inverse of ``when_text`` for dates and UTC datetimes."""
    if "T" in text:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return date.fromisoformat(text)


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def field_text(value):
    """A stable text for one field's canonical value (cheap for the common scalar cases)."""
    if isinstance(value, str):
        return "s" + value
    if value is None or isinstance(value, bool):
        return {None: "n", True: "t", False: "f"}[value]
    if isinstance(value, int):
        return "i%d" % value
    return "j" + canonical_json(value)
