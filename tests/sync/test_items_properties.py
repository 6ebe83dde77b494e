"""Properties of the item value object over random items: normalising twice changes nothing,
JSON round trips, and equality, hashes and diffs agree with each other."""

from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_exchange_sync.sync import normalize
from calendar_exchange_sync.sync.items import (
    CONTENT_FIELDS,
    Attendee,
    CalendarItem,
    Occurrence,
    Recurrence,
)

UTC = timezone.utc
ZONES = st.sampled_from(["UTC", "Europe/Stockholm", "America/New_York", "Asia/Kolkata"])
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
BODIES = st.lists(
    st.sampled_from(["<p>", "</p>", " ", "\n", "text", "<br>", "&nbsp;", "<b>x</b>", "\r\n"]),
    max_size=8,
).map("".join)
RULES = st.sampled_from(
    [
        "FREQ=DAILY;COUNT=5",
        "freq=weekly;byday=we,mo;interval=1",
        "FREQ=MONTHLY;BYMONTHDAY=15,1;UNTIL=20270101T000000Z",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;WKST=SU",
    ]
)


@st.composite
def items(draw, series=True):
    all_day = draw(st.booleans())
    if all_day:
        start = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 400)))
        end = start + timedelta(days=draw(st.integers(1, 3)))
    else:
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 10**6)))
        end = start + timedelta(minutes=draw(st.integers(0, 600)))
    recurrence = None
    if series and draw(st.booleans()):
        step = timedelta(days=1)
        keys = draw(st.sets(st.integers(1, 4), max_size=3))
        deleted = {start + k * step for k in keys if k % 2}
        exceptions = tuple(
            Occurrence(start + k * step, draw(items(series=False))) for k in keys if not k % 2
        )
        recurrence = Recurrence(draw(RULES), exceptions, frozenset(deleted))
    return CalendarItem(
        draw(TEXT),
        start,
        end,
        all_day=all_day,
        timezone=draw(ZONES),
        body=draw(BODIES),
        location=draw(TEXT),
        privacy=draw(st.sampled_from(["public", "private", "confidential"])),
        show_as=draw(st.sampled_from(["busy", "free"])),
        reminder_minutes=draw(st.none() | st.integers(0, 10000)),
        organizer=draw(st.none() | st.emails()),
        attendees=tuple(
            Attendee(e, n, r, o)
            for e, n, r, o in draw(
                st.lists(
                    st.tuples(
                        st.emails(),
                        TEXT,
                        st.sampled_from(["none", "accepted", "declined", "tentative"]),
                        st.booleans(),
                    ),
                    max_size=3,
                )
            )
        ),
        categories=tuple(draw(st.lists(TEXT, max_size=3))),
        activity_type=draw(st.none() | TEXT),
        recurrence=recurrence,
    )


@settings(max_examples=100, deadline=None)
@given(items())
def test_normalising_twice_changes_nothing(item):
    again = item.replace()
    assert again == item
    assert again.content() == item.content()
    assert normalize.html_body(item.body) == item.body
    if item.recurrence:
        assert normalize.rrule(item.recurrence.rrule) == item.recurrence.rrule


@settings(max_examples=100, deadline=None)
@given(items())
def test_json_round_trip(item):
    back = CalendarItem.from_json(item.to_json())
    assert back == item and back.content_hash() == item.content_hash()
    assert back.timezone == item.timezone
    assert back.field_hashes() == item.field_hashes()


@settings(max_examples=100, deadline=None)
@given(items(), items())
def test_equality_hash_and_diff_agree(a, b):
    same = a == b
    assert same == (a.content_hash() == b.content_hash())
    assert same == (not a.changed_fields(b))
    assert a.changed_fields(b) == b.changed_fields(a)
    assert a.changed_fields(b) == a.changed_fields(b.field_hashes())
    assert a.changed_fields(b) <= set(CONTENT_FIELDS)
    # Taking from b exactly the fields reported as changed gives b: no difference is missed.
    assert a.replace(**{name: getattr(b, name) for name in a.changed_fields(b)}) == b
