"""Fixtures for the simulator's own tests: a small seed and a running simulator."""

import pytest

from exchange_simulator.simulator import Simulator

SEED = {
    "server": {"version": "Exchange2016", "domain": "CONTOSO"},
    "users": [
        {
            "smtp": "svc-sync@contoso.com",
            "username": "svc-sync",
            "password": "S3rvice!",
            "display_name": "Sync service",
            "mailbox": False,
        },
        {"smtp": "alice@contoso.com", "password": "alice-pw", "display_name": "Alice"},
        {"smtp": "bob@contoso.com", "password": "bob-pw", "display_name": "Bob"},
        {"smtp": "carol@contoso.com", "password": "carol-pw", "display_name": "Carol"},
    ],
    "impersonation": {"svc-sync@contoso.com": ["alice@contoso.com", "bob@contoso.com"]},
    "tenants": [
        {
            "tenant_id": "11111111-2222-3333-4444-555555555555",
            "domains": ["contoso.com"],
            "apps": [
                {
                    "client_id": "app-1",
                    "client_secret": "secret-1",
                    "consented": True,
                    "permissions": ["Calendars.ReadWrite"],
                }
            ],
        }
    ],
    "mailboxes": {
        "alice@contoso.com": {
            "items": [
                {
                    "subject": "Standup",
                    "start": "2026-03-02T08:00:00Z",
                    "end": "2026-03-02T08:15:00Z",
                    "start_tz": "W. Europe Standard Time",
                    "end_tz": "W. Europe Standard Time",
                    "recurrence": {
                        "pattern": {
                            "type": "weekly",
                            "interval": 1,
                            "daysOfWeek": ["monday", "wednesday"],
                            "firstDayOfWeek": "monday",
                        },
                        "range": {
                            "type": "numbered",
                            "startDate": "2026-03-02",
                            "numberOfOccurrences": 10,
                            "recurrenceTimeZone": "W. Europe Standard Time",
                        },
                    },
                },
                {
                    "subject": "Dentist",
                    "start": "2026-03-03T13:00:00Z",
                    "end": "2026-03-03T14:00:00Z",
                    "sensitivity": "Private",
                },
            ]
        }
    },
}


@pytest.fixture
def seed():
    import copy

    return copy.deepcopy(SEED)


@pytest.fixture
def simulator(seed):
    with Simulator(seed).start() as sim:
        yield sim


@pytest.fixture(autouse=True)
def no_broken_answer():
    """Fail any test during which a simulator built an EWS answer outside the schema."""
    from exchange_simulator.ews.app import BROKEN_ANSWERS

    before = len(BROKEN_ANSWERS)
    yield
    assert BROKEN_ANSWERS[before:] == [], "the simulator built answers outside the schema"
