"""Shared fixtures of the EWS backend tests: a seeded simulator and sides on it.

Every test using ``ews_sim`` also proves the simulator's answers stayed valid against
Microsoft's schema and that no request of ours was refused by schema validation.
"""

import copy
from datetime import datetime, timezone

import pytest

from calendar_exchange_sync.sync.ews import EwsSettings, EwsSide
from calendar_exchange_sync.sync.items import Attendee, CalendarItem
from exchange_simulator.simulator import Simulator

UTC = timezone.utc
ALICE, BOB, CAROL = "alice@contoso.com", "bob@contoso.com", "carol@contoso.com"
DELEGATE, PASSWORD = "CONTOSO\\svc-sync", "S3rvice!"

SEED = {
    "server": {"version": "Exchange2016", "domain": "CONTOSO"},
    "users": [
        {
            "smtp": "svc-sync@contoso.com",
            "username": "svc-sync",
            "password": PASSWORD,
            "display_name": "Sync service",
            "mailbox": False,
        },
        {"smtp": ALICE, "password": "alice-pw", "display_name": "Alice"},
        {"smtp": BOB, "password": "bob-pw", "display_name": "Bob"},
        {"smtp": CAROL, "password": "carol-pw", "display_name": "Carol"},
    ],
    # Carol's mailbox exists but the delegate may not impersonate it.
    "impersonation": {"svc-sync@contoso.com": [ALICE, BOB]},
}


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def settings(sim, **changes):
    values = {"endpoint": sim.ews_url, "username": DELEGATE, "password": PASSWORD, "timeout": 10.0}
    values.update(changes)
    return EwsSettings(**values)


def assert_schema_clean(sim):
    # Without the schema folder validation is off (one line in the summary says so; in CI a
    # missing schema stops the run first): these hold trivially then.
    app = sim.mounted("ews")
    assert app.invalid_answers == []
    assert "ErrorSchemaValidation" not in [code for _, code in sim.journal.errors("ews")]


def start(seed=None, **kwargs):
    return Simulator(copy.deepcopy(seed or SEED), **kwargs).start()


@pytest.fixture(name="ews_sim")
def ews_sim_fixture():
    sim = start()
    try:
        yield sim
        assert_schema_clean(sim)
    finally:
        sim.stop()


@pytest.fixture(name="side")
def side_fixture(ews_sim):
    return EwsSide(settings(ews_sim), ALICE)


def meeting(subject="Planning", **changes):
    """A timed entry with every field set, organised by Alice (Exchange's organizer)."""
    values = {
        "subject": subject,
        "start": utc(2026, 3, 5, 11, 0),
        "end": utc(2026, 3, 5, 12, 30),
        "timezone": "Europe/Paris",
        "body": "<p>Agenda: <b>budget</b></p>",
        "location": "Room 4",
        "privacy": "private",
        "show_as": "free",
        "reminder_minutes": 10,
        "organizer": ALICE,
        "attendees": (
            Attendee(BOB, "Bob", "accepted"),
            Attendee(CAROL, "Carol", "tentative", optional=True),
            Attendee("dan@example.org", "Dan", "declined"),
            Attendee("eve@example.org", "", "none", optional=True),
        ),
        "categories": ("Customer", "Important"),
        "activity_type": "Meeting",
    }
    values.update(changes)
    return CalendarItem(**values)
