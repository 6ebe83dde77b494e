"""The engine driving an in-memory Odoo side against the EWS side on the simulator.

Proves the backend is usable as a ``Side``: a first run converges both calendars, a quiet
run costs one SyncFolderItems request, and a lost sync state (or a lost status table) is
recovered by initial matching without a single duplicate.
"""

from datetime import timedelta

from ews_support import (  # noqa: F401 - fixtures
    ALICE,
    ews_sim_fixture,
    meeting,
    side_fixture,
    utc,
)

from calendar_exchange_sync.sync.engine import Engine, SyncOptions
from calendar_exchange_sync.sync.items import CalendarItem, Occurrence, Recurrence
from calendar_exchange_sync.sync.testing import MemorySide, MemoryStatusStore

NOW = utc(2026, 3, 1, 12)


def odoo_series():
    exception = CalendarItem(
        "Standup (late)",
        utc(2026, 3, 4, 10),
        utc(2026, 3, 4, 10, 30),
        timezone="Europe/Berlin",
        organizer=ALICE,
        activity_type="Meeting",
    )
    return CalendarItem(
        "Standup",
        utc(2026, 3, 2, 8),
        utc(2026, 3, 2, 8, 15),
        timezone="Europe/Berlin",
        organizer=ALICE,
        activity_type="Meeting",
        recurrence=Recurrence(
            "FREQ=DAILY;COUNT=10",
            (Occurrence(utc(2026, 3, 4, 8), exception),),
            frozenset({utc(2026, 3, 6, 8)}),
        ),
    )


def world(ews_sim, side):
    odoo = MemorySide("odoo")
    status = MemoryStatusStore()
    engine = Engine(odoo, side, status, SyncOptions(now=lambda: NOW))
    return odoo, status, engine


def contents(items):
    return sorted(items, key=lambda i: (i.subject, str(i.start)))


def exchange_contents(ews_sim, side):
    ids = [i.id for i in ews_sim.store.items(ALICE)]
    return [f.item for f in side.fetch(ids).values()]


def test_first_run_converges_then_quiet_then_lost_state(ews_sim, side):
    odoo, status, engine = world(ews_sim, side)
    for n in range(3):
        odoo.user_create(
            meeting("Odoo %d" % n, start=utc(2026, 3, 10 + n, 9), end=utc(2026, 3, 10 + n, 10))
        )
    odoo.user_create(odoo_series())
    # The same entry already on both sides: matched, not duplicated.
    twin = meeting(
        "Review",
        start=utc(2026, 3, 20, 14),
        end=utc(2026, 3, 20, 15),
        attendees=(),
        categories=(),
        activity_type=None,
        body="",
        location="",
        privacy="public",
        show_as="busy",
        reminder_minutes=None,
    )
    odoo.user_create(twin)
    side.create([("outlook-made", twin)])
    ews_sim.store.update_item(
        ALICE, ews_sim.store.items(ALICE)[0].id, {"extended_properties": {}}
    )  # as if made in Outlook
    ews_sim.store.create_item(
        ALICE,
        {
            "subject": "Dentist",
            "start": utc(2026, 3, 12, 7),
            "end": utc(2026, 3, 12, 8),
            "sensitivity": "Private",
        },
    )

    report = engine.run()
    assert report.aborted is None and not report.errors, report
    assert report.matched == 1
    assert ews_sim.store.count(ALICE) == 6 and len(odoo.items) == 6
    assert contents(exchange_contents(ews_sim, side)) == contents(odoo.contents())

    # The engine reads pairs it has just created once more on the next run (to see a deletion
    # made right after the creation); the run after that one is a quiet one.
    assert engine.run().aborted is None
    ews_sim.journal.clear()
    quiet = engine.run()
    assert quiet.aborted is None and not quiet.counts
    assert ews_sim.journal.operations("ews") == ["SyncFolderItems"]

    # Exchange forgets every sync state: a full listing, matched against the status rows.
    ews_sim.store.expire_change_log(ALICE)
    again = engine.run()
    assert again.aborted is None and not again.errors
    assert "remote" in again.rebaselined
    assert ews_sim.store.count(ALICE) == 6 and len(odoo.items) == 6
    assert not any(action == "create" for (_, action) in again.counts)

    # Even with the whole status table lost, initial matching finds every pair.
    status.forget_everything()
    ews_sim.store.expire_change_log(ALICE)
    rebuilt = engine.run()
    assert rebuilt.aborted is None and rebuilt.matched == 6
    assert ews_sim.store.count(ALICE) == 6 and len(odoo.items) == 6


def test_changes_travel_both_ways(ews_sim, side):
    odoo, status, engine = world(ews_sim, side)
    local_id = odoo.user_create(
        meeting("Budget", start=utc(2026, 3, 9, 9), end=utc(2026, 3, 9, 10))
    )
    assert engine.run().aborted is None
    [remote] = ews_sim.store.items(ALICE)

    ews_sim.store.update_item(
        ALICE, remote.id, {"subject": "Budget (Outlook)", "location": "Room 1"}
    )
    assert engine.run().aborted is None
    assert odoo.items[local_id].item.subject == "Budget (Outlook)"
    assert odoo.items[local_id].item.location == "Room 1"

    later = odoo.items[local_id].item.replace(start=utc(2026, 3, 9, 13), end=utc(2026, 3, 9, 14))
    odoo.user_update(local_id, later)
    assert engine.run().aborted is None
    stored = ews_sim.store.get_item(ALICE, remote.id)
    assert stored.start == utc(2026, 3, 9, 13) and stored.subject == "Budget (Outlook)"

    odoo.user_delete(local_id)
    report = engine.run()
    assert report.aborted is None
    if report.held:
        # The deletion guard may ask first when a calendar would be emptied ...
        assert ews_sim.store.count(ALICE) == 1
        # ... and the deletion goes through once the administrator confirms.
        confirmed = frozenset(h.identity for h in report.held)
        report = Engine(odoo, side, status, SyncOptions(now=lambda: NOW,
                        confirmed_deletions=confirmed)).run()  # fmt: skip
    assert report.aborted is None
    assert ews_sim.store.count(ALICE) == 0


def test_throttled_mailbox_is_postponed_by_the_engine(ews_sim, side):
    odoo, status, engine = world(ews_sim, side)
    odoo.user_create(
        meeting("One", start=NOW + timedelta(days=1), end=NOW + timedelta(days=1, hours=1))
    )
    ews_sim.faults.add("server_busy", protocol="ews", back_off_ms=20000)
    report = engine.run()
    assert report.aborted is not None and report.aborted.retry_after == 20.0
    assert ews_sim.store.count(ALICE) == 0
    assert engine.run().aborted is None and ews_sim.store.count(ALICE) == 1
