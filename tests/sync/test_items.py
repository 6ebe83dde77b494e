"""CalendarItem normalisation, equality, hashing, diffs and the all-day end conversion."""

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from calendar_exchange_sync.sync import normalize
from calendar_exchange_sync.sync.items import (
    CONTENT_FIELDS,
    Attendee,
    CalendarItem,
    Occurrence,
    Recurrence,
    exclusive_end,
    inclusive_stop,
)

UTC = timezone.utc
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def timed(subject="Review", **fields):
    fields.setdefault("start", datetime(2026, 5, 4, 8, 0, tzinfo=UTC))
    fields.setdefault("end", datetime(2026, 5, 4, 9, 0, tzinfo=UTC))
    return CalendarItem(subject, **fields)


def test_times_are_utc_to_the_second():
    item = timed(
        start=datetime(2026, 5, 4, 10, 0, 0, 999, tzinfo=STOCKHOLM),
        end=datetime(2026, 5, 4, 11, 0, tzinfo=STOCKHOLM),
    )
    assert item.start == datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    assert item.start.tzinfo is UTC and item.start.microsecond == 0
    assert item == timed()


def test_naive_and_reversed_times_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        timed(start=datetime(2026, 5, 4, 8, 0))
    with pytest.raises(ValueError, match="before start"):
        timed(end=datetime(2026, 5, 4, 7, 0, tzinfo=UTC))
    with pytest.raises(ValueError, match="IANA"):
        timed(timezone="W. Europe Standard Time")


def test_same_for_the_user_means_equal():
    a = timed(
        subject="  Review ",
        body="<html><body>\n  <p>Agenda</p>\n  <ul> <li>one</li> </ul>\n</body></html>",
        attendees=[Attendee("Bob@Example.com"), Attendee("ann@example.com", response="Accepted")],
        categories=["Blue", "Red", "Blue", " "],
        organizer="  ANN@example.com",
        location=" Room 1 ",
    )
    b = timed(
        body="<p>Agenda</p><ul><li>one</li></ul>",
        attendees=[Attendee("ann@example.com", response="accepted"), Attendee("bob@example.com")],
        categories=("Red", "Blue"),
        organizer="ann@example.com",
        location="Room 1",
    )
    assert a == b and hash(a) == hash(b)
    assert a.content_hash() == b.content_hash()
    assert a.changed_fields(b) == set()
    assert a.categories == ("Blue", "Red")
    assert [x.email for x in a.attendees] == ["ann@example.com", "bob@example.com"]


def test_empty_bodies_are_empty():
    for empty in ("", "<p><br></p>", "<div>\n</div>", "<p>&nbsp;</p>", None):
        assert timed(body=empty).body == ""
    assert timed(body='<p><img src="x.png"></p>').body == '<p><img src="x.png"></p>'
    assert timed(body="<p>a</p>") != timed(body="<p>b</p>")


def test_zone_counts_only_for_timed_series():
    single_a = timed(timezone="Europe/Stockholm")
    single_b = timed(timezone="America/New_York")
    assert single_a == single_b
    rule = Recurrence("FREQ=WEEKLY;COUNT=5")
    series_a = single_a.replace(recurrence=rule)
    series_b = single_b.replace(recurrence=rule)
    assert series_a != series_b
    assert series_a.changed_fields(series_b) == {"timezone"}


def test_content_hash_is_stable_across_processes():
    item = timed(
        body="<p>é</p>",
        attendees=[Attendee("a@x.org")],
        recurrence=Recurrence(
            "FREQ=DAILY;COUNT=3", deleted=[datetime(2026, 5, 5, 8, 0, tzinfo=UTC)]
        ),
        timezone="Europe/Stockholm",
    )
    script = (
        "import sys, conftest\n"
        "from calendar_exchange_sync.sync.items import CalendarItem\n"
        "print(CalendarItem.from_json(sys.stdin.read()).content_hash())\n"
    )
    root = __file__.rsplit("/tests/", 1)[0]
    out = subprocess.run(
        [sys.executable, "-c", script],
        input=item.to_json(),
        capture_output=True,
        text=True,
        cwd=root,
        env={"PYTHONHASHSEED": "123", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert out.stdout.strip() == item.content_hash()
    assert len(item.content_hash()) == 64


def test_json_round_trip_keeps_everything():
    exception = Occurrence(
        datetime(2026, 5, 6, 8, 0, tzinfo=UTC),
        timed(
            "Moved",
            start=datetime(2026, 5, 6, 12, 0, tzinfo=UTC),
            end=datetime(2026, 5, 6, 13, 0, tzinfo=UTC),
        ),
    )
    item = timed(
        timezone="Europe/Stockholm",
        privacy="private",
        show_as="free",
        reminder_minutes=15,
        activity_type="Meeting",
        attendees=[Attendee("a@x.org", "Ann", "tentative", optional=True)],
        recurrence=Recurrence(
            "FREQ=DAILY;UNTIL=20260520T080000Z",
            exceptions=(exception,),
            deleted=frozenset({datetime(2026, 5, 7, 8, 0, tzinfo=UTC)}),
        ),
    )
    back = CalendarItem.from_json(item.to_json())
    assert back == item
    assert back.timezone == "Europe/Stockholm"
    assert (
        back.recurrence.exception_at(datetime(2026, 5, 6, 10, 0, tzinfo=STOCKHOLM)).item.subject
        == "Moved"
    )


def test_all_day_uses_dates_with_exclusive_end():
    one_day = CalendarItem("Holiday", date(2026, 5, 1), date(2026, 5, 2), all_day=True)
    assert one_day.end == exclusive_end(date(2026, 5, 1))
    assert inclusive_stop(one_day.end) == date(2026, 5, 1)
    assert inclusive_stop(exclusive_end(date(2026, 12, 31))) == date(2026, 12, 31)
    with pytest.raises(ValueError, match="exclusive"):
        CalendarItem("Holiday", date(2026, 5, 1), date(2026, 5, 1), all_day=True)
    with pytest.raises(TypeError):
        CalendarItem("Holiday", datetime(2026, 5, 1, tzinfo=UTC), date(2026, 5, 2), all_day=True)
    # A timed series must key its occurrences by datetime, an all-day one by date.
    with pytest.raises(ValueError, match="date"):
        one_day.replace(
            recurrence=Recurrence("FREQ=DAILY;COUNT=3", deleted=[datetime(2026, 5, 2, tzinfo=UTC)])
        )


def test_changed_fields_against_items_and_hashes():
    base = timed()
    moved = base.replace(start=base.start + timedelta(hours=1), end=base.end + timedelta(hours=1))
    renamed = moved.replace(subject="Other", categories=("x",))
    assert base.changed_fields(moved) == {"start", "end"}
    assert renamed.changed_fields(base) == {"subject", "start", "end", "categories"}
    assert renamed.changed_fields(base.field_hashes()) == {"subject", "start", "end", "categories"}
    assert base.changed_fields({}) >= {"subject", "start"}


def test_field_hashes_are_digests_only():
    typed = timed(activity_type="Lunch", recurrence=Recurrence("FREQ=DAILY;COUNT=3"))
    hashes = typed.field_hashes()
    # "response" is only part of a meeting copy's content (issue 12): other hashes stay as stored.
    assert set(CONTENT_FIELDS) - {"response"} <= hashes.keys()
    assert "response" in typed.replace(response="accepted").field_hashes()
    assert all(len(value) == 16 and int(value, 16) >= 0 for value in hashes.values())
    assert hashes["activity_type"] != timed(activity_type="Holiday").field_hashes()["activity_type"]


def test_validation_of_enumerations():
    with pytest.raises(ValueError):
        timed(privacy="secret")
    with pytest.raises(ValueError):
        timed(show_as="oof")
    with pytest.raises(ValueError):
        timed(reminder_minutes=-5)
    with pytest.raises(ValueError):
        Attendee("a@x.org", response="maybe")
    with pytest.raises(ValueError):
        Attendee("  ")
    with pytest.raises(TypeError):
        timed(categories="Blue")
    assert timed(privacy="Private", show_as="FREE").privacy == "private"


@pytest.mark.parametrize(
    "raw, canonical",
    [
        ("FREQ=WEEKLY;BYDAY=WE,MO;INTERVAL=1", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("rrule:interval=2;freq=weekly;wkst=MO;byday=fr", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
        ("FREQ=WEEKLY;WKST=SU;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO;WKST=SU"),
        ("FREQ=MONTHLY;BYDAY=+1MO;COUNT=010", "FREQ=MONTHLY;COUNT=10;BYDAY=1MO"),
        ("FREQ=MONTHLY;BYMONTHDAY=15,1,15", "FREQ=MONTHLY;BYMONTHDAY=1,15"),
        ("FREQ=YEARLY;UNTIL=20270101;BYMONTH=5", "FREQ=YEARLY;UNTIL=20270101;BYMONTH=5"),
        ("FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR,MO", "FREQ=MONTHLY;BYDAY=MO,FR;BYSETPOS=-1"),
    ],
)
def test_rrule_canonical_form(raw, canonical):
    assert normalize.rrule(raw) == canonical
    assert normalize.rrule(canonical) == canonical


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "BYDAY=MO",
        "FREQ=SOMETIMES",
        "FREQ=DAILY;COUNT=0",
        "FREQ=DAILY;COUNT=2;UNTIL=20260101T000000Z",
        "FREQ=DAILY;UNTIL=20260101T000000",
        "FREQ=WEEKLY;BYDAY=MO,,TU",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=DAILY;FREQ=WEEKLY",
        "FREQ=DAILY;COUNT",
    ],
)
def test_rrule_refuses_bad_values(bad):
    with pytest.raises(ValueError):
        normalize.rrule(bad)


def test_recurrence_keys():
    start = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="both"):
        Recurrence("FREQ=DAILY", (Occurrence(start, timed()),), frozenset({start}))
    with pytest.raises(ValueError, match="share"):
        Recurrence("FREQ=DAILY", (Occurrence(start, timed()), Occurrence(start, timed("x"))))
    with pytest.raises(ValueError, match="recur"):
        Occurrence(start, timed(recurrence=Recurrence("FREQ=DAILY")))
    a = Recurrence("FREQ=DAILY", deleted=[start.astimezone(STOCKHOLM)])
    assert a.deleted == frozenset({start})
