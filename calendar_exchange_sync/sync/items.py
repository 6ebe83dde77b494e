"""The calendar item value object every side speaks: what one entry means to the user.

``CalendarItem`` holds the content of one calendar entry (or of a whole recurring series with
its modified and deleted occurrences), normalised on construction so that ``==`` and
``content_hash()`` mean "the same for the user": times in UTC to the second, attendees sorted by
address, categories sorted, HTML bodies without meaningless whitespace, RRULEs in canonical form.

Identity is not content. The Odoo identity, the remote ids, versions and the iCalendar UID travel
beside the item (see ``sides.Fetched``), never inside it.

All-day entries use ``date`` objects with an EXCLUSIVE end, as Exchange and Graph do (a one-day
entry on 3 May runs from 3 May to 4 May). Odoo's ``stop_date`` is inclusive; convert only with
``exclusive_end()`` and ``inclusive_stop()`` below, so the off-by-one lives in one place.

A series' ``timezone`` matters (it decides where the occurrences fall across DST changes); the
zone of a single timed entry or of an all-day entry does not change what the user sees, so it is
carried for the backends but left out of equality, hashes and diffs.
"""

import dataclasses
import hashlib
import json
from datetime import date, datetime, timedelta
from functools import lru_cache

from . import normalize
from .normalize import canonical_json as _canonical_json
from .normalize import check_zone as _check_zone
from .normalize import parse_when as _parse_when
from .normalize import when_text as _json_value

RESPONSES = ("none", "accepted", "declined", "tentative", "organizer")
PRIVACIES = ("public", "private", "confidential")
SHOW_AS = ("busy", "free")

# The fields that make up an item's content, in the order diffs and hashes use.
CONTENT_FIELDS = (
    "subject",
    "start",
    "end",
    "all_day",
    "timezone",
    "body",
    "location",
    "privacy",
    "show_as",
    "reminder_minutes",
    "organizer",
    "attendees",
    "categories",
    "activity_type",
    "recurrence",
    "response",
)
# Fields that only make sense together: a merge takes all of them from the same side.
TIME_FIELDS = frozenset({"start", "end", "all_day", "timezone"})
# Extra keys of field_hashes() for a series: its rule, and each modified or deleted occurrence
# by original start ("recurrence:exception:2026-05-06T08:00:00Z").
RULE_KEY = "recurrence:rule"
EXCEPTION_KEY = "recurrence:exception:"
DELETED_KEY = "recurrence:deleted:"


_json_string = json.encoder.encode_basestring  # what canonical_json writes for a str
_sha256 = hashlib.sha256
_EPOCH_DAY = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=4096)
def _day_text(day):
    """when_text's date part ("2026-05-04") of a day counted from 1970-01-01 (a year from 1000
    on): a mailbox holds far fewer days than entries."""
    return date.fromordinal(_EPOCH_DAY + day).isoformat()


@lru_cache(maxsize=4096)
def _clock_text(second):
    """when_text's time part ("T08:30:00Z") of a second of the day: entries start and end at
    a few times of day. (With the date part, a third of formatting the six numbers.)"""
    return "T%02d:%02d:%02dZ" % (second // 3600, second // 60 % 60, second % 60)


@lru_cache(maxsize=4096)
def _utc_parts(moment):
    """when_text of an item's UTC time (an aware ``datetime`` to the second, of a year from
    1000 on) and its field digest, worked out once per moment: a mailbox's entries start and
    end at fewer moments than it has entries (and a new moment takes its day and time of day
    from their own caches)."""
    day, second = divmod(int(moment.timestamp()), 86400)
    text = _day_text(day) + _clock_text(second)
    return text, _unique_digest("s" + text)


def _unique_digest(text):
    """``_short_digest`` uncached, for the fields nearly every entry has its own value of
    (subject, body): a cache would only churn."""
    return _sha256(text.encode()).hexdigest()[:16]


@lru_cache(maxsize=4096)
def _short_digest(text):
    """The 16-digit digest of one field's text. Cached: most fields (privacy, the reminder,
    the organizer, no recurrence …) hold one of a few values over a whole mailbox, and equal
    digests are then one string, not one per entry."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@lru_cache(maxsize=4096)
def _location_parts(location):
    """The location's member of the content document (with the end's closing quote before
    it) and its field digest: a mailbox has a few rooms, or none."""
    return '","location":' + _json_string(location), _unique_digest("s" + location)


@lru_cache(maxsize=1024)
def _attendees_json(attendees):
    """canonical_json of the attendees' dicts (a tuple of frozen ``Attendee``, so cacheable:
    the same few colleagues attend most of a mailbox's meetings)."""
    return _canonical_json([a.to_dict() for a in attendees])


@lru_cache(maxsize=1024)
def _strings_json(values):
    return _canonical_json(list(values))


@lru_cache(maxsize=256)
def _rule_json(rrule):
    """canonical_json of a ``Recurrence.to_dict()`` without exceptions or deletions."""
    return _canonical_json({"rrule": rrule, "exceptions": [], "deleted": []})


@lru_cache(maxsize=4096)
def _shared_parts(
    all_day, zone, privacy, show_as, reminder, organizer, activity_type, attendees, categories
):
    """The JSON texts and field digests of the fields most entries of a mailbox share (the
    owner as organizer, the default privacy and reminder, a few colleagues …): worked out once
    per combination, not once per entry. Returns (the runs of the content document between
    the values of each entry's own, see ``CalendarItem._digests``; digests in
    ``CONTENT_FIELDS`` order)."""
    attendees_json = _attendees_json(attendees)
    categories_json = _strings_json(categories)
    texts = (  # canonical_json(content()) writes its keys in sorted order
        '{"activity_type":%s,"all_day":%s,"attendees":%s,"body":'
        % (
            "null" if activity_type is None else _json_string(activity_type),
            "true" if all_day else "false",
            attendees_json,
        ),
        ',"categories":%s,"end":"' % categories_json,
        ',"organizer":%s,"privacy":%s,"recurrence":'
        % ("null" if organizer is None else _json_string(organizer), _json_string(privacy)),
        ',"reminder_minutes":%s' % ("null" if reminder is None else int.__repr__(reminder)),
        ',"show_as":%s,"start":"' % _json_string(show_as),
        ',"timezone":%s}' % ("null" if zone is None else _json_string(zone)),
    )
    digest = _short_digest
    digests = (
        digest("t" if all_day else "f"),
        digest("n" if zone is None else "s" + zone),
        digest("s" + privacy),
        digest("s" + show_as),
        digest("n" if reminder is None else "i%d" % reminder),
        digest("n" if organizer is None else "s" + organizer),
        digest("j" + attendees_json),
        digest("j" + categories_json),
        digest("n" if activity_type is None else "s" + activity_type),
    )
    return texts, digests


class FieldHashes(dict):
    """The read-only ``field_hashes()`` of an item: computed once, then shared by the item,
    the status rows that agree on it and the stores that keep them (no copy per row)."""

    __slots__ = ()

    def _read_only(self, *args, **kwargs):
        raise TypeError("field hashes are read-only; build a new dict from them")

    __setitem__ = __delitem__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only
    __ior__ = _read_only

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (FieldHashes, (dict(self),))


def exclusive_end(inclusive_stop):
    """Exchange-style exclusive end date of an all-day entry from Odoo's inclusive stop_date."""
    return inclusive_stop + timedelta(days=1)


def inclusive_stop(end):
    """Odoo's inclusive stop_date from the exclusive end date of an all-day item."""
    return end - timedelta(days=1)


# Normalising a frozen dataclass in __post_init__ (itself, not a function calling it: an item
# sets a dozen values, and a mailbox's items are many).
_set = object.__setattr__


@dataclasses.dataclass(frozen=True, slots=True)
class Attendee:
    """One attendee: address (lower-cased), display name, response, required or optional."""

    email: str
    name: str = ""
    response: str = "none"
    optional: bool = False

    def __post_init__(self):
        _set(self, "email", normalize.email(self.email))
        if not self.email:
            raise ValueError("an attendee needs an e-mail address")
        _set(self, "name", (self.name or "").strip())
        _set(self, "response", (self.response or "none").strip().lower())
        if self.response not in RESPONSES:
            raise ValueError("attendee response %r is not one of %s" % (self.response, RESPONSES))
        _set(self, "optional", bool(self.optional))

    def to_dict(self):
        return {
            "email": self.email,
            "name": self.name,
            "response": self.response,
            "optional": self.optional,
        }

    @classmethod
    def from_dict(cls, data):
        return cls(**data)


@dataclasses.dataclass(frozen=True, slots=True)
class Occurrence:
    """A modified occurrence of a series: its original start (the key) and its own content."""

    original_start: datetime | date
    item: "CalendarItem"

    def __post_init__(self):
        _set(self, "original_start", normalize.start_key(self.original_start))
        if not isinstance(self.item, CalendarItem):
            raise TypeError("an occurrence holds a CalendarItem, not %r" % (self.item,))
        if self.item.recurrence is not None:
            raise ValueError("a modified occurrence cannot itself recur")
        if self.item.activity_type is not None:
            # An occurrence is of its series' type: neither Odoo nor Exchange types one
            # occurrence on its own, so the field is no part of an exception's content.
            _set(self, "item", self.item.replace(activity_type=None))
        if self.item.response is not None:
            # An answer is given to the whole series: one occurrence has none of its own here.
            _set(self, "item", self.item.replace(response=None))

    def to_dict(self):
        return {"original_start": _json_value(self.original_start), "item": self.item.to_dict()}

    @classmethod
    def from_dict(cls, data):
        return cls(_parse_when(data["original_start"]), CalendarItem.from_dict(data["item"]))


@dataclasses.dataclass(frozen=True, slots=True)
class Recurrence:
    """A series rule with its exceptions (modified occurrences) and deleted occurrences.

    ``rrule`` is an RFC 5545 RRULE value without DTSTART (the series' start is the item's start),
    UNTIL in UTC (``…Z``) or a plain date for all-day series. ``exceptions`` and ``deleted`` are
    keyed by the ORIGINAL start of the occurrence (UTC datetime, or date for all-day series),
    never by position.
    """

    rrule: str
    exceptions: tuple = ()
    deleted: frozenset = frozenset()

    def __post_init__(self):
        _set(self, "rrule", normalize.rrule(self.rrule))
        exceptions = tuple(self.exceptions)
        keys = [e.original_start for e in exceptions]
        if len(set(keys)) != len(keys):
            raise ValueError("two modified occurrences share one original start")
        ordered = sorted(exceptions, key=lambda e: _json_value(e.original_start))
        _set(self, "exceptions", tuple(ordered))
        _set(self, "deleted", frozenset(normalize.start_key(d) for d in self.deleted))
        both = self.deleted.intersection(keys)
        if both:
            raise ValueError("occurrence %s is both modified and deleted" % _json_value(min(both)))

    def exception_at(self, original_start):
        """The modified occurrence whose original start is ``original_start``, or None."""
        key = normalize.start_key(original_start)
        return next((e for e in self.exceptions if e.original_start == key), None)

    def to_dict(self):
        return {
            "rrule": self.rrule,
            "exceptions": [e.to_dict() for e in self.exceptions],
            "deleted": sorted(_json_value(d) for d in self.deleted),
        }

    @classmethod
    def from_dict(cls, data):
        return cls(
            data["rrule"],
            tuple(Occurrence.from_dict(e) for e in data.get("exceptions", ())),
            frozenset(_parse_when(d) for d in data.get("deleted", ())),
        )


@dataclasses.dataclass(frozen=True, eq=False, slots=True)
class CalendarItem:
    """The normalised content of one calendar entry or series (see the module docstring)."""

    subject: str
    start: datetime | date
    end: datetime | date
    all_day: bool = False
    timezone: str = "UTC"
    body: str = ""
    location: str = ""
    privacy: str = "public"
    show_as: str = "busy"
    reminder_minutes: int | None = None
    organizer: str | None = None
    attendees: tuple = ()
    categories: tuple = ()
    activity_type: str | None = None
    recurrence: Recurrence | None = None
    # The mailbox owner's answer to a meeting somebody else organises ("none", "accepted",
    # "tentative", "declined"); None for an entry of their own. Only a copy of a meeting
    # has one: it is what travels between the owner's Odoo attendee line and their copy.
    response: str | None = None
    # Lazily computed canonical content, content hash and field digests; not fields a caller
    # sets.
    _content: dict | None = dataclasses.field(default=None, init=False, repr=False)
    _digest: str | None = dataclasses.field(default=None, init=False, repr=False)
    _hashes: dict | None = dataclasses.field(default=None, init=False, repr=False)
    # When the item ends (``span.last_end``, False until asked): the window asks once per side.
    _last_end: object = dataclasses.field(default=False, init=False, repr=False)

    def __post_init__(self):
        _set(self, "subject", (self.subject or "").strip())
        _set(self, "all_day", bool(self.all_day))
        self._normalise_times()
        _set(self, "timezone", _check_zone((self.timezone or "UTC").strip()))
        _set(self, "body", normalize.html_body(self.body))
        _set(self, "location", (self.location or "").strip())
        _set(self, "privacy", (self.privacy or "public").strip().lower())
        if self.privacy not in PRIVACIES:
            raise ValueError("privacy %r is not one of %s" % (self.privacy, PRIVACIES))
        _set(self, "show_as", (self.show_as or "busy").strip().lower())
        if self.show_as not in SHOW_AS:
            raise ValueError("show_as %r is not one of %s" % (self.show_as, SHOW_AS))
        minutes = self.reminder_minutes
        if minutes is not None and (isinstance(minutes, bool) or int(minutes) != minutes):
            raise ValueError("reminder_minutes must be a whole number of minutes or None")
        if minutes is not None and minutes < 0:
            raise ValueError("reminder_minutes cannot be negative")
        _set(self, "reminder_minutes", None if minutes is None else int(minutes))
        _set(self, "organizer", normalize.email(self.organizer) or None)
        self._normalise_people_and_tags()
        _set(self, "activity_type", (self.activity_type or "").strip() or None)
        if self.response is not None:
            _set(self, "response", self.response.strip().lower() or "none")
            if self.response not in RESPONSES or self.response == "organizer":
                raise ValueError("response %r is not an attendee's answer" % self.response)
        self._check_recurrence()

    def _normalise_times(self):
        if self.all_day:
            for name in ("start", "end"):
                value = getattr(self, name)
                if isinstance(value, datetime) or not isinstance(value, date):
                    raise TypeError("an all-day item's %s must be a date, not %r" % (name, value))
            if self.end <= self.start:
                raise ValueError(
                    "an all-day item's end is exclusive and must follow its start "
                    "(a one-day entry on %s ends on %s)" % (self.start, exclusive_end(self.start))
                )
            return
        _set(self, "start", normalize.utc_datetime(self.start, "start"))
        _set(self, "end", normalize.utc_datetime(self.end, "end"))
        if self.end < self.start:
            raise ValueError("end %s is before start %s" % (self.end, self.start))

    def _normalise_people_and_tags(self):
        if isinstance(self.attendees, (str, bytes)) or isinstance(self.categories, (str, bytes)):
            raise TypeError("attendees and categories are sequences, not strings")
        seen = {}
        for attendee in self.attendees:
            if isinstance(attendee, dict):
                attendee = Attendee.from_dict(attendee)
            seen.setdefault(attendee.email, attendee)  # a listed-twice address keeps its first
        _set(self, "attendees", tuple(seen[e] for e in sorted(seen)))
        tags = {c.strip() for c in self.categories if c and c.strip()}
        _set(self, "categories", tuple(sorted(tags)))

    def _check_recurrence(self):
        rec = self.recurrence
        if rec is None:
            return
        if isinstance(rec, dict):
            rec = Recurrence.from_dict(rec)
            _set(self, "recurrence", rec)
        keys = list(rec.deleted) + [e.original_start for e in rec.exceptions]
        expected = date if self.all_day else datetime
        for key in keys:
            if isinstance(key, datetime) != (expected is datetime):
                raise ValueError(
                    "occurrence key %s must be a %s for %s series"
                    % (key, expected.__name__, "an all-day" if self.all_day else "a timed")
                )

    # -- content -------------------------------------------------------------------------

    def content(self):
        """The canonical JSON-ready dict of what the user sees (cached)."""
        if self._content is None:
            value = {
                "subject": self.subject,
                "start": _json_value(self.start),
                "end": _json_value(self.end),
                "all_day": self.all_day,
                "timezone": self._meaningful_zone(),
                "body": self.body,
                "location": self.location,
                "privacy": self.privacy,
                "show_as": self.show_as,
                "reminder_minutes": self.reminder_minutes,
                "organizer": self.organizer,
                "attendees": [a.to_dict() for a in self.attendees],
                "categories": list(self.categories),
                "activity_type": self.activity_type,
                "recurrence": self.recurrence.to_dict() if self.recurrence else None,
            }
            if self.response is not None:
                # Only copies of meetings have one: the content (and hash) of every other
                # entry stays what it was before answers were synchronised.
                value["response"] = self.response
            _set(self, "_content", value)
        return self._content

    def _meaningful_zone(self):
        return self.timezone if self.recurrence is not None and not self.all_day else None

    def _key(self):
        """What ``content()`` holds, as a tuple of hashable values: equal exactly when the
        contents are (compared without building them; an exception's zone is part of its
        series' content, see ``Recurrence.to_dict``)."""
        rec = self.recurrence
        if rec is not None:
            rec = (
                rec.rrule,
                tuple((e.original_start, e.item._key(), e.item.timezone) for e in rec.exceptions),
                rec.deleted,
            )
        return (
            self.subject,
            self.start,
            self.end,
            self.all_day,
            self._meaningful_zone(),
            self.body,
            self.location,
            self.privacy,
            self.show_as,
            self.reminder_minutes,
            self.organizer,
            self.attendees,
            self.categories,
            self.activity_type,
            rec,
            self.response,
        )

    def _digests(self):
        """Compute (once) the content hash and the field digests together.

        Each field's canonical JSON text is written once and serves both: the field digest
        hashes it (``normalize.field_text``), and the content hash hashes the fields' texts
        joined in key order, which is byte for byte ``canonical_json(self.content())``
        (tests/sync/test_items_digests.py holds both to the definitions). Building the content
        dict and encoding it again for every item was most of an initial pairing's time.
        """
        rec = self.recurrence
        start, end = self.start, self.end
        digest = _short_digest
        if type(start) is datetime and type(end) is datetime and start.year >= 1000:
            start, start_digest = _utc_parts(start)
            end, end_digest = _utc_parts(end)
        else:
            start, end = _json_value(start), _json_value(end)
            start_digest, end_digest = digest("s" + start), digest("s" + end)
        location_json, location_digest = _location_parts(self.location)
        subject, body = self.subject, self.body
        zone = self._meaningful_zone()
        (head, categories, middle, reminder, show_as, tail), common = _shared_parts(
            self.all_day, zone, self.privacy, self.show_as, self.reminder_minutes,
            self.organizer, self.activity_type, self.attendees, self.categories,
        )  # fmt: skip
        if rec is None:
            recurrence = "null"
        elif not rec.exceptions and not rec.deleted:
            recurrence = _rule_json(rec.rrule)
        else:
            recurrence = _canonical_json(rec.to_dict())
        response = self.response
        # canonical_json(self.content()), joined from its runs ("response" only when set; a
        # time needs no escaping, only its quotes, which the runs around it hold).
        document = "".join(
            (
                head,
                _json_string(body),
                categories,
                end,
                location_json,
                middle,
                recurrence,
                reminder,
                "" if response is None else ',"response":' + _json_string(response),
                show_as,
                start,
                '","subject":',
                _json_string(subject),
                tail,
            )
        )
        hashes = FieldHashes(  # normalize.field_text of each value of content(), in its order
            subject=_sha256(("s" + subject).encode()).hexdigest()[:16],
            start=start_digest,
            end=end_digest,
            all_day=common[0],
            timezone=common[1],
            body=_sha256(("s" + body).encode()).hexdigest()[:16],
            location=location_digest,
            privacy=common[2],
            show_as=common[3],
            reminder_minutes=common[4],
            organizer=common[5],
            attendees=common[6],
            categories=common[7],
            activity_type=common[8],
            recurrence=digest("n" if rec is None else "j" + recurrence),
        )
        if response is not None:
            dict.__setitem__(hashes, "response", digest("s" + response))
        if rec is not None:
            dict.update(hashes, self._occurrence_hashes())  # still being built: not frozen yet
        _set(self, "_digest", _sha256(document.encode()).hexdigest())
        _set(self, "_hashes", hashes)

    def content_hash(self):
        """sha256 hex digest of the canonical content: stable across processes and versions."""
        if self._digest is None:
            self._digests()
        return self._digest

    def field_hashes(self):
        """Short per-field digests, enough to tell later which fields changed since then
        (a read-only mapping, computed once: status rows keep it as it is)."""
        if self._hashes is None:
            self._digests()
        return self._hashes

    def _occurrence_hashes(self):
        """Series parts, so a merge can take each occurrence from the side that changed it."""
        rec = self.recurrence
        if rec is None:
            return {}
        hashes = {RULE_KEY: _short_digest(rec.rrule)}
        for exception in rec.exceptions:
            key = EXCEPTION_KEY + _json_value(exception.original_start)
            hashes[key] = exception.item.content_hash()[:16]
        for deleted in rec.deleted:
            hashes[DELETED_KEY + _json_value(deleted)] = "deleted"
        return hashes

    def changed_fields(self, other):
        """Names of the content fields whose values differ between ``self`` and ``other``.

        ``other`` may be another item or a ``field_hashes()`` dict of an earlier state.
        """
        if isinstance(other, CalendarItem):
            mine, theirs = self.content(), other.content()
        elif not other:
            return set(CONTENT_FIELDS)  # no earlier state: everything is new
        else:
            mine, theirs = self._hashes or self.field_hashes(), other
        return {name for name in CONTENT_FIELDS if mine.get(name) != theirs.get(name)}

    def replace(self, **changes):
        """A copy with some fields changed (normalised again)."""
        return dataclasses.replace(self, **changes)

    def occurrence_at(self, original_start):
        """The occurrence of this series starting at ``original_start`` exactly as the series
        makes it: the series' own values and duration, no rule (what an exception is compared
        with, and what an exception is reset to). Timed (UTC) and all-day (date) alike."""
        duration = self.end - self.start
        return self.replace(start=original_start, end=original_start + duration, recurrence=None)

    def __eq__(self, other):
        if other is self:
            return True
        if not isinstance(other, CalendarItem):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    # -- storage -------------------------------------------------------------------------

    def to_dict(self):
        """Everything, the zone included, as JSON-ready data (for status stores and seeds)."""
        data = dict(self.content())
        data["timezone"] = self.timezone
        return data

    def to_json(self):
        return _canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        for name in ("start", "end"):
            data[name] = _parse_when(data[name])
        data["attendees"] = tuple(Attendee.from_dict(a) for a in data.get("attendees", ()))
        data["categories"] = tuple(data.get("categories", ()))
        if data.get("recurrence"):
            data["recurrence"] = Recurrence.from_dict(data["recurrence"])
        return cls(**data)

    @classmethod
    def from_json(cls, text):
        return cls.from_dict(json.loads(text))
