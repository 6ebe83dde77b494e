"""The Graph backend against the simulator made as strict as Exchange Online (issue 13): what
each stricter behaviour forced in the product, one test per point."""

from datetime import datetime, timedelta

from graph_support import ALICE, UTC, running, side_for

from calendar_exchange_sync.sync.engine import Engine
from calendar_exchange_sync.sync.items import CalendarItem
from calendar_exchange_sync.sync.testing import MemorySide, MemoryStatusStore
from exchange_simulator.graph.events import from_graph_id

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def at(days, hours=9):
    return NOW + timedelta(days=days, hours=hours)


def quiet(engine, runs=10):
    reports = [engine.run() for _ in range(runs)]
    assert all(r.aborted is None and not r.errors for r in reports), reports
    return [dict(r.counts) for r in reports if r.counts]


def test_3_bodies_rewritten_by_exchange_stay_untouched_for_ten_runs():
    with running() as sim:
        odoo = MemorySide("odoo")
        engine = Engine(odoo, side_for(sim), MemoryStatusStore(), window_days=30)
        html = "<p>Line one<br/>line two</p><p>Fish &amp; chips</p>"
        original = CalendarItem("From Odoo", at(2), at(2, 10), body=html, organizer=ALICE)
        local_id = odoo.user_create(original)
        sim.store.create_item(
            ALICE,
            {"subject": "From Outlook, text", "start": at(3), "end": at(3, 10),
             "body": "Bring:\r\n- a < b\r\n- notes", "extra": {"body_type": "Text"}},
        )  # fmt: skip
        first = engine.run()
        assert first.aborted is None and not first.errors
        [made] = [i for i in sim.store.items(ALICE) if i.subject == "From Odoo"]
        assert quiet(engine) == []
        assert sim.store.get_item(ALICE, made.id).change_key == made.change_key
        assert odoo.items[local_id].item == original
        [imported] = [e.item for e in odoo.items.values() if e.item.subject.startswith("From Out")]
        assert "a &lt; b" in imported.body


def test_4_only_the_throttled_members_of_a_batch_are_sent_again():
    with running() as sim:
        side = side_for(sim)
        sim.faults.add("throttle", protocol="graph", operation="POST /users/{id}/calendar/events",
                       count=3, retry_after=0)  # fmt: skip
        items = [("id-%d" % n, CalendarItem("E%d" % n, at(1 + n), at(1 + n, 10), organizer=ALICE))
                 for n in range(12)]  # fmt: skip
        results = side.create(items)
        assert all(r.ok for r in results)
        # Answers come back shuffled: each result is the event of its own item.
        by_id = {i.id: i for i in sim.store.items(ALICE)}
        assert [by_id[from_graph_id(r.remote.id)].subject for r in results] == [
            "E%d" % n for n in range(12)
        ]
        batches = sim.journal.entries(operation="POST /$batch")
        assert [e.items for e in batches] == [12, 3]


def test_5_a_create_sent_again_after_a_lost_answer_is_not_duplicated():
    with running() as sim:
        side = side_for(sim)
        sim.faults.add("lost_answer", protocol="graph", operation="POST /$batch")
        item = CalendarItem("Once", at(2), at(2, 10), organizer=ALICE)
        [result] = side.create([("calendar.event,42", item)])
        assert result.ok
        # The batch was carried out, its answer lost, and the client sent it again at once.
        assert [e.fault for e in sim.journal.entries(operation="POST /$batch")] == [
            "lost_answer",
            "",
        ]
        [stored] = sim.store.items(ALICE)
        assert from_graph_id(result.remote.id) == stored.id
        # The same identity gives the same transactionId, whatever run sends it.
        assert stored.extra["transaction_id"]
        [again] = side.create([("calendar.event,42", item)])
        assert again.remote.id == result.remote.id and sim.store.count(ALICE) == 1


def _outlook_series(sim):
    start = at(1, 8)
    return sim.store.create_item(
        ALICE,
        {"subject": "Weekly", "start": start, "end": start + timedelta(minutes=30),
         "start_tz": "W. Europe Standard Time", "end_tz": "W. Europe Standard Time",
         "recurrence": {"pattern": {"type": "weekly", "interval": 1,
                                    "daysOfWeek": [start.strftime("%A").lower()],
                                    "firstDayOfWeek": "monday"},
                        "range": {"type": "numbered", "startDate": start.date().isoformat(),
                                  "numberOfOccurrences": 5,
                                  "recurrenceTimeZone": "W. Europe Standard Time"}}},
    )  # fmt: skip


def test_1_a_series_seen_only_through_its_occurrences_is_read_by_its_master_id():
    with running() as sim:
        odoo = MemorySide("odoo")
        engine = Engine(odoo, side_for(sim), MemoryStatusStore(), window_days=30)
        master = _outlook_series(sim)
        assert engine.run().aborted is None
        [series] = [e.item for e in odoo.items.values()]
        assert series.recurrence.rrule.startswith("FREQ=WEEKLY;COUNT=5")
        # Edited in Outlook: the next delta lists its occurrences (never the master), and the
        # series is read again through /events/{seriesMasterId}.
        sim.store.update_item(ALICE, master.id, {"subject": "Weekly (Outlook)"})
        report = engine.run()
        assert report.aborted is None and report.get("local", "update") == 1
        assert [e.item.subject for e in odoo.items.values()] == ["Weekly (Outlook)"]


def test_2_the_series_is_paired_by_its_masters_icaluid_never_an_occurrences():
    with running() as sim:
        odoo = MemorySide("odoo")
        status = MemoryStatusStore()
        engine = Engine(odoo, side_for(sim), status, window_days=30)
        master = _outlook_series(sim)
        assert engine.run().aborted is None
        [row] = status.rows.values()
        assert row.uid == master.uid  # the series' own UID, not one of its occurrences'
        assert len(odoo.items) == 1 and sim.store.count(ALICE) == 1
