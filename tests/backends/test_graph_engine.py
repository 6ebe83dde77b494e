"""The engine with the Graph backend as its Exchange side (Odoo played by the in-memory side):
initial matching without duplicates, changes and deletions both ways, a quiet run costing one
request, and a 410 that rebaselines through matching without duplicating anything."""

from datetime import datetime, timedelta

from graph_support import ALICE, UTC, running, side_for

from calendar_exchange_sync.sync.engine import Engine
from calendar_exchange_sync.sync.items import CalendarItem, Occurrence, Recurrence
from calendar_exchange_sync.sync.recurrence import canonical_rrule
from calendar_exchange_sync.sync.testing import MemorySide, MemoryStatusStore

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def _at(days, hours=0):
    return NOW + timedelta(days=days, hours=hours)


def _item(subject, days, hours=9, **kwargs):
    start = _at(days, hours)
    return CalendarItem(subject, start, start + timedelta(hours=1), timezone="Europe/Berlin",
                        organizer=ALICE, **kwargs)  # fmt: skip


def _exchange_contents(side):
    changes = side.list_changes(None, _window())
    return sorted(
        (f.item for f in side.fetch(list(changes.changed)).values()), key=lambda i: i.subject
    )


def _window():
    from calendar_exchange_sync.sync.engine import Window

    return Window(NOW - timedelta(days=30))


def _series():
    start = _at(1, 8)
    moved = CalendarItem("Weekly (moved)", start + timedelta(days=7, hours=3),
                         start + timedelta(days=7, hours=4), timezone="Europe/Berlin",
                         organizer=ALICE)  # fmt: skip
    return CalendarItem(
        "Weekly",
        start,
        start + timedelta(minutes=30),
        timezone="Europe/Berlin",
        organizer=ALICE,
        recurrence=Recurrence(
            canonical_rrule("FREQ=WEEKLY;COUNT=6", start, "Europe/Berlin"),
            exceptions=(Occurrence(start + timedelta(days=7), moved),),
            deleted=frozenset({start + timedelta(days=14)}),
        ),
    )


def test_two_way_sync_through_graph():
    with running() as sim:
        graph = side_for(sim)
        odoo = MemorySide("odoo")
        engine = Engine(odoo, graph, MemoryStatusStore(), window_days=30)
        shared = _item("Kick-off", 3)
        odoo.user_create(shared)
        odoo.user_create(_series())
        odoo.user_create(_item("Odoo only", 4, categories=("Sales",), activity_type="Call"))
        graph.create([(None, shared)])  # the same entry already exists in Exchange
        graph.create([(None, _item("Outlook only", 5, privacy="private"))])

        report = engine.run()
        assert report.aborted is None and not report.errors, report.errors
        assert report.matched == 1  # Kick-off paired, not duplicated
        assert sorted(i.subject for i in _exchange_contents(graph)) == [
            "Kick-off", "Odoo only", "Outlook only", "Weekly",
        ]  # fmt: skip
        assert sorted(odoo.contents(), key=lambda i: i.subject) == _exchange_contents(graph)

        # Quiet runs write nothing; once the engine has re-read what it just created (its
        # guard against deletions a delta token cannot report), a quiet run is one request.
        assert engine.run().writes == 0
        sim.journal.clear()
        report = engine.run()
        assert report.writes == 0 and sim.journal.count(protocol="graph") == 1

        # Outlook edits one entry and deletes another; Odoo edits the series' title.
        by_subject = {i.subject: i for i in sim.store.items(ALICE)}
        sim.store.update_item(ALICE, by_subject["Kick-off"].id, {"location": "Main hall"})
        sim.store.delete_item(ALICE, by_subject["Outlook only"].id)
        series_id = next(i for i, s in odoo.items.items() if s.item.subject == "Weekly")
        odoo.user_update(series_id, odoo.items[series_id].item.replace(subject="Weekly sync"))
        report = engine.run()
        assert report.aborted is None and not report.errors, report.errors
        assert sorted(i.subject for i in odoo.contents()) == ["Kick-off", "Odoo only",
                                                               "Weekly sync"]  # fmt: skip
        assert next(i for i in odoo.contents() if i.subject == "Kick-off").location == "Main hall"
        assert sorted(odoo.contents(), key=lambda i: i.subject) == _exchange_contents(graph)

        # Graph forgets the sync state: the engine reads everything again and matches it.
        sim.store.expire_change_log(ALICE)
        report = engine.run()
        assert report.rebaselined == ["remote"] and report.writes == 0, report.counts
        assert sim.store.count(ALICE) == 3 and len(odoo.items) == 3
