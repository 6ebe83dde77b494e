"""Fixtures every backend test gets: none may make the simulator answer outside the EWS schema."""

import pytest


@pytest.fixture(autouse=True)
def no_broken_answer():
    """Fail any test during which a simulator built an EWS answer outside the schema (it was
    answered as a server error, so the product saw a failure it would never see for real)."""
    from exchange_simulator.ews.app import BROKEN_ANSWERS

    before = len(BROKEN_ANSWERS)
    yield
    assert BROKEN_ANSWERS[before:] == [], "the simulator built answers outside the schema"
