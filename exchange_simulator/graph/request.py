"""One Graph call (a plain HTTP request or a ``$batch`` member) and what it asks for.

Holds the parsed query, headers and body, the ``Prefer`` preferences Graph honours for
calendars (``odata.maxpagesize``, ``outlook.timezone``, ``outlook.body-content-type``,
``IdType="ImmutableId"``) with the ``Preference-Applied`` answer, ``$expand`` of
single-value extended properties, and Graph's error type.
"""

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qs

from .. import zones
from .events import EventError, parse_ext_id

UTC = timezone.utc
DEFAULT_PAGE = 10  # Graph's page size for event collections when nobody asks otherwise
MAX_PAGE = 1000
_PREFER = re.compile(r'\s*([\w.-]+)\s*(?:=\s*("(?:[^"]*)"|[^,;]*))?')
_EXPAND = re.compile(r"singleValueExtendedProperties\(\$filter=(?P<filter>.+)\)$", re.IGNORECASE)
_ID_EQ = re.compile(r"id\s+eq\s+'([^']+)'", re.IGNORECASE)
_ANY = re.compile(
    r"^singleValueExtendedProperties/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+'(?P<id>[^']+)'\s+and\s+"
    r"\1/value\s+eq\s+'(?P<value>(?:[^']|'')*)'\s*\)$",
    re.IGNORECASE,
)


class GraphError(Exception):
    """An error answer: status, Graph error code and message, extra headers."""

    def __init__(self, status, code, message, headers=()):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, list(headers)

    def body(self, now):
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": now.strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": str(uuid.uuid4()),
                    "client-request-id": str(uuid.uuid4()),
                },
            }
        }


@dataclass
class View:
    """How events are rendered for this call."""

    mailbox: str = ""
    mailbox_name: str = ""
    zone: str = "UTC"
    body: str = "html"
    immutable: bool = False
    ext_ids: set | None = None  # None: extended properties not expanded
    brief: bool = False


@dataclass
class Call:
    method: str
    path: str  # after /v1.0
    query: dict
    headers: dict  # lower-cased names
    body: object = None
    applied: list = field(default_factory=list)
    page_size: int = DEFAULT_PAGE
    view: View = field(default_factory=View)

    @classmethod
    def parse(cls, method, path, query_string, headers, raw_body):
        query = {k: v[-1] for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        body = None
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                raise GraphError(
                    400, "BadRequest", "Unable to read JSON request payload."
                ) from None
        call = cls(method.upper(), path, query, {k.lower(): v for k, v in headers.items()}, body)
        call._preferences()
        call._expand()
        return call

    def _preferences(self):
        for name, value in _PREFER.findall(self.headers.get("prefer", "")):
            if not name:
                continue
            value = value.strip().strip('"')
            key = name.lower()
            if key == "odata.maxpagesize" and value.isdigit():
                self.page_size = max(1, min(int(value), MAX_PAGE))
                self.applied.append("odata.maxpagesize=%d" % self.page_size)
            elif key == "outlook.timezone":
                if not zones.is_known(value):
                    raise GraphError(
                        400,
                        "TimeZoneNotSupportedException",
                        "A valid TimeZone value must be specified. The following TimeZone "
                        "value is not supported: '%s'." % value,
                    )
                self.view.zone = value
                self.applied.append('outlook.timezone="%s"' % value)
            elif key == "outlook.body-content-type" and value.lower() in ("html", "text"):
                self.view.body = value.lower()
                self.applied.append('outlook.body-content-type="%s"' % value.lower())
            elif key == "idtype" and value.lower() == "immutableid":
                self.view.immutable = True
                self.applied.append('IdType="ImmutableId"')

    def _expand(self):
        expand = self.query.get("$expand")
        if not expand:
            return
        match = _EXPAND.match(expand.strip())
        if not match:
            raise GraphError(
                400,
                "BadRequest",
                "Extended properties can only be expanded with a $filter on their id, e.g. "
                "singleValueExtendedProperties($filter=id eq '...').",
            )
        try:
            self.view.ext_ids = {parse_ext_id(i) for i in _ID_EQ.findall(match.group("filter"))}
        except EventError as exc:
            raise GraphError(400, exc.code, exc.message) from None

    def ext_filter(self):
        """(key, value) of a ``$filter=singleValueExtendedProperties/any(...)``, or None."""
        text = self.query.get("$filter")
        if not text:
            return None
        match = _ANY.match(text.strip())
        if not match:
            raise GraphError(400, "ErrorInvalidUrlQueryFilter", "The $filter is not supported.")
        try:
            key = parse_ext_id(match.group("id"))
        except EventError as exc:
            raise GraphError(400, exc.code, exc.message) from None
        return key, match.group("value").replace("''", "'")

    def window(self, required=True):
        """(start, end) UTC datetimes from startDateTime / endDateTime."""
        if "startDateTime" not in self.query or "endDateTime" not in self.query:
            if not required:
                return None, None
            raise GraphError(
                400,
                "ErrorInvalidParameter",
                "This request requires a time window specified by the query string "
                "parameters StartDateTime and EndDateTime.",
            )
        return parse_instant(self.query["startDateTime"]), parse_instant(self.query["endDateTime"])

    def if_match(self):
        value = self.headers.get("if-match")
        if not value or value == "*":
            return None
        return value.strip().removeprefix("W/").strip('"')


def parse_instant(text):
    text = text.strip().replace("Z", "+00:00")
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise GraphError(
            400, "ErrorInvalidParameter", "'%s' is not a valid date and time." % text
        ) from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
