"""Fixtures for the engine tests (helpers live in engine_world.py so tests can import them)."""

import pytest
from engine_world import World, make_item


@pytest.fixture
def world():
    return World()


@pytest.fixture
def item():
    return make_item
