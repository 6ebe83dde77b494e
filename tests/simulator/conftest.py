"""Fixtures for the simulator's own tests: a small seed and a running simulator."""

import pytest

from exchange_simulator.seed import seed_data
from exchange_simulator.simulator import Simulator

# The shared test seed (exchange_simulator/seeds/contoso.json) with the items these tests
# read back: a weekly series and a private appointment in Alice's calendar.
SEED = seed_data("contoso")
SEED.update(
    {
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
)


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
