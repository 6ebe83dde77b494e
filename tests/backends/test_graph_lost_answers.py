"""The Graph client when an answer is lost (issue 11, point 1): nothing is sent twice blindly.

A ``$batch`` of creates that Exchange carried out but whose answer never came back (the
connection dropped, or the answer came after the client's time-out) is recovered by looking the
entries up by the identity each carries; a create that may not have happened fails for now and
is created by a later run with the same transactionId, which Graph never turns into a second
event. Reads may be sent again; a read that times out says it timed out.
"""

import time
from datetime import datetime, timedelta

import pytest
from graph_support import ALICE, UTC, running, side_for, window

from calendar_exchange_sync.sync import errors
from calendar_exchange_sync.sync.engine import Engine
from calendar_exchange_sync.sync.items import CalendarItem
from calendar_exchange_sync.sync.testing import MemorySide, MemoryStatusStore
from exchange_simulator.graph.events import from_graph_id

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
BATCH = "POST /$batch"
DELTA = "GET /users/{id}/calendarView/delta"


def entries(count, subject="Entry", first=100):
    return [
        (
            "calendar.event,%d" % (first + n),
            CalendarItem(
                "%s %d" % (subject, n),
                NOW + timedelta(days=1 + n),
                NOW + timedelta(days=1 + n, hours=1),
                organizer=ALICE,
            ),
        )
        for n in range(count)
    ]


def stored_ids(sim):
    return sorted(i.id for i in sim.store.items(ALICE))


@pytest.mark.parametrize("fault", ["lost_answer", "late_answer"])
def test_creates_whose_answer_is_lost_are_found_not_sent_again(fault):
    with running() as sim:
        side = side_for(sim, timeout=1.0)
        sim.faults.add(fault, protocol="graph", operation=BATCH, seconds=2.0)
        began = time.monotonic()
        results = side.create(entries(3))
        assert all(r.ok for r in results), [r.error for r in results]
        # Every create reached Exchange once, and each result names its own event.
        assert sim.store.count(ALICE) == 3
        assert sorted(from_graph_id(r.remote.id) for r in results) == stored_ids(sim)
        by_id = {i.id: i.subject for i in sim.store.items(ALICE)}
        assert [by_id[from_graph_id(r.remote.id)] for r in results] == [
            "Entry 0",
            "Entry 1",
            "Entry 2",
        ]
        # One $batch of creates, then one of reads; a late answer costs one time-out.
        batches = sim.journal.entries(operation=BATCH)
        assert [e.fault for e in batches] == [fault, ""]
        assert time.monotonic() - began < 1.9
        time.sleep(1.2 if fault == "late_answer" else 0)  # let the late answer go to nobody


def test_a_create_that_may_not_have_happened_fails_and_a_later_create_makes_it_once():
    with running() as sim:
        side = side_for(sim)
        made = side.create(entries(1, "Before"))  # an event already in the mailbox
        # The connection drops before Exchange did anything: the client cannot know that.
        sim.faults.add("reset", protocol="graph", operation=BATCH)
        [result] = side.create(entries(1, "Lost", first=200))
        assert not result.ok and isinstance(result.error, errors.AnswerLost)
        assert not result.error.mailbox_wide  # the item's error, the run goes on
        assert "checked again on the next run" in str(result.error)
        assert sim.store.count(ALICE) == 1
        # A later run creates it; a create resent after the server had made it would find
        # that event by its transactionId instead.
        [again] = side.create(entries(1, "Lost", first=200))
        [twice] = side.create(entries(1, "Lost", first=200))
        assert again.ok and twice.remote.id == again.remote.id
        assert sim.store.count(ALICE) == 2 and made[0].ok


def test_updates_and_deletes_whose_answer_is_lost_are_not_resent():
    with running() as sim:
        side = side_for(sim)
        [made] = side.create(entries(1))
        item = entries(1, "Renamed")[0][1]
        sim.faults.add("lost_answer", protocol="graph", operation=BATCH)
        [result] = side.update([(made.remote.id, made.remote.version, item)])
        assert not result.ok and isinstance(result.error, errors.AnswerLost)
        assert [i.subject for i in sim.store.items(ALICE)] == ["Renamed 0"]  # it did happen
        sim.faults.add("lost_answer", protocol="graph", operation=BATCH)
        [gone] = side.delete([(made.remote.id, None)])
        assert not gone.ok and sim.store.count(ALICE) == 0
        # Nothing was sent after the lost answers: a batch of writes, and no other.
        assert [e.fault for e in sim.journal.entries(operation=BATCH)][-2:] == [
            "lost_answer",
            "lost_answer",
        ]


def test_a_read_is_sent_again_after_a_dropped_connection_not_after_a_time_out():
    with running() as sim:
        side = side_for(sim, timeout=1.0)
        sim.faults.add("lost_answer", protocol="graph", operation=DELTA)
        assert side.list_changes(None, window()).complete
        assert sim.journal.count(operation=DELTA) == 2
        sim.faults.add("late_answer", protocol="graph", operation=DELTA, seconds=2.0)
        with pytest.raises(errors.ServerTimeout) as info:
            side.list_changes(None, window())
        assert info.value.mailbox_wide and "did not answer within 1 seconds" in str(info.value)
        assert "could not be reached" not in str(info.value)
        assert sim.journal.count(operation=DELTA) == 3
        time.sleep(1.2)


def test_by_default_a_throttled_call_is_not_slept_on():
    with running() as sim:
        side = side_for(sim, max_wait=0.0)
        sim.faults.add("throttle", protocol="graph", operation=DELTA, retry_after=5)
        began = time.monotonic()
        with pytest.raises(errors.ThrottledError) as info:
            side.list_changes(None, window())
        assert time.monotonic() - began < 1 and info.value.retry_after == 5
        assert sim.journal.count(operation=DELTA) == 1


def test_an_engine_run_with_a_lost_create_answer_makes_each_entry_once():
    with running() as sim:
        odoo = MemorySide("odoo")
        for n in range(3):
            odoo.user_create(entries(3)[n][1])
        engine = Engine(odoo, side_for(sim, timeout=1.0), MemoryStatusStore(), window_days=30)
        sim.faults.add("lost_answer", protocol="graph", operation=BATCH)
        report = engine.run()
        assert report.aborted is None and not report.errors, report.to_dict()
        for _ in range(3):
            again = engine.run()
            assert again.ok and again.get("local", "create") == 0, again.to_dict()
        assert sim.store.count(ALICE) == 3 and len(odoo.items) == 3
