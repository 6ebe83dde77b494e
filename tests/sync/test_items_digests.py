"""The item's digests and equality, computed the fast way, are exactly their definitions.

``CalendarItem`` writes its content hash and field digests from per-field JSON texts and
compares items by a tuple of their fields, without building ``content()``. Stored status rows
hold these digests, so they must stay byte for byte what the definitions give: the sha256 of
``canonical_json(content())``, and the digest of ``field_text`` of each content value.
"""

import copy
import hashlib
import json
import pickle
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from test_items_properties import items

from calendar_exchange_sync.sync.items import (
    DELETED_KEY,
    EXCEPTION_KEY,
    RULE_KEY,
    Attendee,
    CalendarItem,
    Occurrence,
    Recurrence,
)
from calendar_exchange_sync.sync.normalize import canonical_json, field_text, when_text

UTC = timezone.utc


def reference_hash(item):
    return hashlib.sha256(canonical_json(item.content()).encode()).hexdigest()


def reference_field_hashes(item):
    hashes = {
        name: hashlib.sha256(field_text(value).encode()).hexdigest()[:16]
        for name, value in item.content().items()
    }
    rec = item.recurrence
    if rec is not None:
        hashes[RULE_KEY] = hashlib.sha256(rec.rrule.encode()).hexdigest()[:16]
        for exception in rec.exceptions:
            key = EXCEPTION_KEY + when_text(exception.original_start)
            hashes[key] = reference_hash(exception.item)[:16]
        for deleted in rec.deleted:
            hashes[DELETED_KEY + when_text(deleted)] = "deleted"
    return hashes


@settings(max_examples=300, deadline=None)
@given(items())
def test_digests_are_their_definitions(item):
    fresh = item.replace()  # nothing cached yet
    assert fresh.content_hash() == reference_hash(item)
    assert fresh.replace().field_hashes() == reference_field_hashes(item)
    response = item.replace(response="tentative")
    assert response.content_hash() == reference_hash(response)
    assert response.field_hashes() == reference_field_hashes(response)


@settings(max_examples=300, deadline=None)
@given(items(), items())
def test_equality_is_equal_content(a, b):
    assert (a == b) == (a.content() == b.content())
    assert a == a.replace() and hash(a) == hash(a.replace())
    twin = a.replace(subject=b.subject, attendees=b.attendees, categories=b.categories)
    assert (a == twin) == (a.content() == twin.content())


def test_an_exceptions_zone_is_part_of_its_series():
    start = datetime(2026, 5, 4, 8, tzinfo=UTC)
    moved = CalendarItem("Moved", start, start.replace(hour=9), timezone="UTC")

    def series(zone):
        exception = Occurrence(start, moved.replace(timezone=zone))
        rule = Recurrence("FREQ=DAILY;COUNT=3", (exception,))
        return CalendarItem("Daily", start, start.replace(hour=9), recurrence=rule)

    one, two = series("UTC"), series("Europe/Stockholm")
    assert one.content() != two.content()
    assert one != two and one.content_hash() != two.content_hash()
    assert series("UTC") == one and hash(series("UTC")) == hash(one)


def test_unusual_text_is_written_as_the_encoder_writes_it():
    start = datetime(2026, 5, 4, 8, tzinfo=UTC)
    subject = 'Quote " back\\slash \x01 tab\t é 😀 \u2028'
    item = CalendarItem(
        subject,
        start,
        start,
        location="ü",
        reminder_minutes=0,
        attendees=(Attendee("Zoë@Example.com", 'N "x"'),),
        categories=("b", "a"),
    )
    assert item.content_hash() == reference_hash(item)
    assert item.field_hashes() == reference_field_hashes(item)


@pytest.mark.parametrize(
    "start",
    [
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),  # before 1970: a negative timestamp
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1000, 1, 1, 0, 0, 1, tzinfo=UTC),
        datetime(999, 12, 31, 12, tzinfo=UTC),  # written by strftime: no zero padding
        datetime(9999, 12, 31, 22, 30, 15, tzinfo=UTC),
    ],
)
def test_times_of_any_year_are_written_as_when_text_writes_them(start):
    # The digests write a time from its day and second of the day (see CalendarItem._digests).
    item = CalendarItem("Edge", start, start.replace(minute=59, second=59))
    assert item.content_hash() == reference_hash(item)
    assert item.field_hashes() == reference_field_hashes(item)


def test_field_hashes_are_read_only_and_travel_as_a_dict():
    start = datetime(2026, 5, 4, 8, tzinfo=UTC)
    hashes = CalendarItem("One", start, start).field_hashes()
    with pytest.raises(TypeError):
        hashes["subject"] = "x"
    with pytest.raises(TypeError):
        hashes.update(subject="x")
    with pytest.raises(TypeError):
        del hashes["subject"]
    plain = dict(hashes)
    plain["subject"] = "x"  # a copy is an ordinary dict
    assert copy.copy(hashes) is hashes and copy.deepcopy(hashes) == hashes
    assert pickle.loads(pickle.dumps(hashes)) == hashes
    assert json.loads(json.dumps(hashes)) == hashes
