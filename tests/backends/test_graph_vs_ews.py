"""The same mailbox through both backends: what one writes, the other reads identically.

A migration from Exchange on premises to Exchange Online keeps the mailbox contents, so the
Odoo identity, the activity type and every mapped field must mean the same to EWS and Graph.
Both real client stacks (exchangelib; msal + requests) talk to one simulator.
"""

import copy
from datetime import timedelta

import pytest
from graph_support import ALICE, SEED, side_for, when

from calendar_exchange_sync.sync.items import Attendee, CalendarItem, Occurrence, Recurrence
from exchange_simulator.simulator import Simulator

ews = pytest.importorskip("calendar_exchange_sync.sync.ews")

DELEGATE, PASSWORD = "CONTOSO\\svc-sync", "S3rvice!"
ITEM = CalendarItem(
    "Quarterly review",
    when(5, 10),
    when(5, 11, 30),
    timezone="Europe/Berlin",
    body="<p>Numbers <b>first</b></p>",
    location="Board room",
    privacy="private",
    show_as="free",
    reminder_minutes=20,
    organizer=ALICE,
    attendees=(Attendee("bob@contoso.com", "Bob Baker"), Attendee("x@fabrikam.com", optional=True)),
    categories=("Finance",),
    activity_type="Meeting",
)
SERIES = CalendarItem(
    "Standup",
    when(2, 8),
    when(2, 8, 15),
    timezone="Europe/Berlin",
    organizer=ALICE,
    activity_type="Meeting",
    recurrence=Recurrence(
        "FREQ=WEEKLY;COUNT=6;BYDAY=MO,TH",
        exceptions=(
            Occurrence(
                when(5, 8),
                CalendarItem(
                    "Standup (late)",
                    when(5, 9),
                    when(5, 9, 15),
                    timezone="Europe/Berlin",
                    organizer=ALICE,
                    activity_type="Meeting",
                ),
            ),
        ),  # fmt: skip
        deleted=frozenset({when(9, 8)}),
    ),
)


@pytest.fixture
def sim():
    # The shared seed has the delegate of on premises and the app of Office 365: one server
    # reached both ways; here the delegate impersonates Alice only.
    seed = {**copy.deepcopy(SEED), "impersonation": {"svc-sync@contoso.com": [ALICE]}}
    with Simulator(seed, https=True).start() as running:
        yield running


def _ews_side(sim):
    settings = ews.EwsSettings(
        endpoint=sim.ews_url, username=DELEGATE, password=PASSWORD, timeout=10.0
    )
    return ews.EwsSide(settings, ALICE)


@pytest.mark.parametrize("item", [ITEM, SERIES], ids=["single", "series"])
def test_written_by_graph_read_by_ews(sim, item):
    [created] = side_for(sim).create([("calendar.event,41", item)])
    assert created.ok, created.error
    side = _ews_side(sim)
    changes = side.list_changes(None, _window())
    [(ews_id, _version)] = changes.changed.items()
    fetched = side.fetch([ews_id])[ews_id]
    assert fetched.identity == "calendar.event,41"
    assert fetched.item == item, fetched.item.changed_fields(item)


@pytest.mark.parametrize("item", [ITEM, SERIES], ids=["single", "series"])
def test_written_by_ews_read_by_graph(sim, item):
    [created] = _ews_side(sim).create([("calendar.event,42", item)])
    assert created.ok, created.error
    side = side_for(sim)
    [graph_id] = side.list_changes(None, _window()).changed
    fetched = side.fetch([graph_id])[graph_id]
    assert fetched.identity == "calendar.event,42"
    assert fetched.item == item, fetched.item.changed_fields(item)
    assert side.find_by_identity(["calendar.event,42"])["calendar.event,42"].id == graph_id


def _window():
    from calendar_exchange_sync.sync.engine import Window

    return Window(when(1) - timedelta(days=30))
