"""The cyclic garbage collector during a run (engine/collector.py): paused while the run works,
given back as the caller had it (also when the run raises), and nothing left for it to find.
"""

import gc

import pytest
from engine_world import World, make_item

from calendar_exchange_sync.sync.engine import collector
from calendar_exchange_sync.sync.testing import SimulatedCrash


@pytest.fixture(name="collecting")
def collecting_fixture():
    """The collector running before the test, and as it was after it."""
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def busy_world():
    """A mailbox whose runs do a bit of everything: pairs equal and not, creates both ways."""
    world = World()
    for n in range(12):
        world.local.user_create(make_item("Entry %d" % n, day=1 + n))
        world.remote.user_create(make_item("Entry %d" % n, day=1 + n, location="R%d" % (n % 3)))
    world.local.user_create(make_item("Only in Odoo", day=20))
    world.remote.user_create(make_item("Only in Exchange", day=21))
    return world


def spy_on_fetch(side, states):
    """Record whether the collector runs each time the engine reads ``side``."""
    fetch = side.fetch

    def spying(ids):
        states.append(gc.isenabled())
        return fetch(ids)

    side.fetch = spying


def test_a_run_pauses_the_collector_and_starts_it_again(collecting):
    world, states = busy_world(), []
    spy_on_fetch(world.local, states)
    assert world.sync().ok
    assert states and not any(states)  # paused while the run read
    assert gc.isenabled()


def test_a_collector_the_caller_stopped_stays_stopped(collecting):
    world, states = busy_world(), []
    spy_on_fetch(world.remote, states)
    gc.disable()
    assert world.sync().ok
    assert states and not any(states)
    assert not gc.isenabled()  # the run did not start it


def test_the_collector_runs_again_after_a_run_that_raises(collecting):
    world = busy_world()
    world.remote.faults.add("create", "crash")
    with pytest.raises(SimulatedCrash):
        world.sync()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector.paused():
        assert not gc.isenabled()
        raise RuntimeError("a bug")
    assert gc.isenabled()


def test_a_pause_inside_a_pause_leaves_the_collector_to_the_outer_one(collecting):
    with collector.paused():
        with collector.paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_runs_leave_no_cyclic_garbage(collecting):
    """What justifies the pause: a run's objects are freed by reference counting alone, so
    a collection during the run would have found nothing (see collector.py)."""
    world = busy_world()
    gc.collect()
    reports = [world.sync()]  # initial matching, conflicts, creates both ways
    assert gc.collect() == 0
    local_ids, remote_ids = sorted(world.local.items), sorted(world.remote.items)
    for n, (local_id, remote_id) in enumerate(zip(local_ids[:4], remote_ids[4:8], strict=True)):
        world.local.user_update(local_id, make_item("Edited %d" % n, day=1 + n))
        world.remote.user_update(remote_id, make_item("Moved %d" % n, day=14 + n))
    world.local.user_delete(local_ids[-1])
    world.remote.user_delete(remote_ids[-2])
    world.local.user_create(make_item("New in Odoo", day=25))
    gc.collect()
    reports.append(world.sync(force_deletions=True))  # updates, deletions, a create
    reports.append(world.sync())  # quiet
    assert gc.collect() == 0
    assert all(report.ok for report in reports)
    assert reports[1].writes and not reports[2].writes
