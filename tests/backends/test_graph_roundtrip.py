"""Random calendar items through the Graph backend and the simulator and back (hypothesis).

One simulator serves every example; each example creates its item, reads it back through a
fresh side, and must get exactly the item it wrote (the organizer being the mailbox owner).
"""

import itertools
from datetime import date, datetime, timedelta, timezone

import pytest
from graph_support import ALICE, running, side_for
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from calendar_exchange_sync.sync.items import Attendee, CalendarItem

UTC = timezone.utc
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Sydney"]
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40).map(str.strip)


@st.composite
def items(draw):
    zone = draw(st.sampled_from(ZONES))
    all_day = draw(st.booleans())
    if all_day:
        first = draw(st.dates(date(2026, 1, 1), date(2027, 12, 31)))
        start, end = first, first + timedelta(days=draw(st.integers(1, 5)))
    else:
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
            minutes=15 * draw(st.integers(0, 4 * 24 * 700))
        )
        end = start + timedelta(minutes=15 * draw(st.integers(0, 40)))
    attendees = draw(
        st.lists(
            st.builds(
                Attendee,
                st.from_regex(r"[a-z]{1,8}@(contoso|fabrikam)\.com", fullmatch=True),
                text,
                st.just("none"),
                st.booleans(),
            ),
            max_size=3,
        )
    )
    return CalendarItem(
        subject=draw(text),
        start=start,
        end=end,
        all_day=all_day,
        timezone=zone,
        body=draw(st.sampled_from(["", "<p>x</p>", "<div><b>Agenda</b><br>1. y</div>"])),
        location=draw(text),
        privacy=draw(st.sampled_from(["public", "private", "confidential"])),
        show_as=draw(st.sampled_from(["busy", "free"])),
        reminder_minutes=draw(st.none() | st.integers(0, 10080)),
        organizer=ALICE,
        attendees=tuple(attendees),
        categories=tuple(draw(st.lists(text.filter(bool), max_size=3))),
        activity_type=draw(st.none() | st.sampled_from(["Meeting", "Call", "Lunch"])),
    )


EXAMPLES = itertools.count()


@pytest.fixture(scope="module")
def sim():
    with running() as simulator:
        yield simulator


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(item=items())
# The day New York's clocks move forward lasts 23 hours, and is still one all-day day
# (found by this test: the simulator once counted hours).
@example(
    item=CalendarItem(
        subject="Spring forward",
        start=date(2027, 3, 14),
        end=date(2027, 3, 15),
        all_day=True,
        timezone="America/New_York",
        organizer=ALICE,
    )
)
def test_random_items_round_trip(sim, item):
    # One Odoo event per example: the identity (and so the transactionId) is its own.
    [created] = side_for(sim).create([("calendar.event,r%d" % next(EXAMPLES), item)])
    assert created.ok, created.error
    fetched = side_for(sim).fetch([created.remote.id])[created.remote.id]
    assert fetched.item == item, fetched.item.changed_fields(item)
