"""A run pauses Python's cyclic garbage collector and always gives the caller's state back.

``Engine.run`` disables the collector while it works (a large first sync would otherwise spend
a third of its time in full collections walking its own objects); the caller must find the
collector as it left it, after a run that went well, one a side aborted and one that crashed.
"""

import gc

import pytest
from engine_world import World, make_item

from calendar_exchange_sync.sync.testing import SimulatedCrash


@pytest.fixture
def collector():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def seen_during_run(world):
    """Whether the collector ran during the remote side's listing of the run."""
    states = []
    original = world.remote.list_changes

    def listing(*args, **kwargs):
        states.append(gc.isenabled())
        return original(*args, **kwargs)

    world.remote.list_changes = listing
    return states


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_during_a_run_and_restored_after(collector, enabled):
    world = World()
    world.local.user_create(make_item("Standup"))
    states = seen_during_run(world)
    (gc.enable if enabled else gc.disable)()
    report = world.sync()
    assert report.ok and len(world.remote.items) == 1
    assert states == [False]
    assert gc.isenabled() is enabled


def test_the_collector_is_restored_after_a_crash_and_an_aborted_run(collector):
    world = World()
    world.local.user_create(make_item("Standup"))
    gc.enable()
    world.remote.faults.add("create", "crash")
    with pytest.raises(SimulatedCrash):
        world.sync()
    assert gc.isenabled()
    world.remote.faults.add("list_changes", "down")
    report = world.sync()
    assert report.aborted is not None
    assert gc.isenabled()


def test_a_run_leaves_no_cyclic_garbage(collector):
    """The engine's objects are freed by reference counting alone (why pausing is safe)."""
    world = World()
    for n in range(30):
        item = make_item("Entry %d" % n, day=1 + n % 28, hour=8 + n % 9)
        world.local.user_create(item)
        world.remote.user_create(item)
    world.local.user_create(make_item("Only in Odoo", day=20))
    gc.collect()
    gc.disable()
    report = world.sync()
    assert report.ok and report.matched == 30
    assert gc.collect() == 0
