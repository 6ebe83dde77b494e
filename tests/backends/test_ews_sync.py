"""Listing and batches: SyncFolderItems tokens, paging, windows, versions, identities."""

from datetime import timedelta

import pytest
from ews_support import (  # noqa: F401 - fixtures
    ALICE,
    ews_sim_fixture,
    meeting,
    side_fixture,
    utc,
)

from calendar_exchange_sync.sync import errors
from calendar_exchange_sync.sync.engine import Window

WINDOW = Window(utc(2026, 1, 1))


def outlook_item(sim, subject, day=10, **extra):
    values = {"subject": subject, "start": utc(2026, 3, day, 9), "end": utc(2026, 3, day, 10)}
    values.update(extra)
    return sim.store.create_item(ALICE, values)


def test_complete_then_incremental_listing(ews_sim, side):
    a = outlook_item(ews_sim, "a")
    b = outlook_item(ews_sim, "b")
    first = side.list_changes(None, WINDOW)
    assert first.complete and first.token
    assert first.changed == {a.id: a.change_key, b.id: b.change_key}
    ews_sim.journal.clear()

    quiet = side.list_changes(first.token, WINDOW)
    assert (quiet.changed, quiet.removed, quiet.complete) == ({}, set(), False)
    # A run with nothing new costs exactly one SyncFolderItems request.
    assert ews_sim.journal.operations("ews") == ["SyncFolderItems"]

    c = outlook_item(ews_sim, "c")
    b2 = ews_sim.store.update_item(ALICE, b.id, {"subject": "b2"})
    ews_sim.store.delete_item(ALICE, a.id)
    later = side.list_changes(quiet.token, WINDOW)
    assert later.changed == {c.id: c.change_key, b.id: b2.change_key}
    assert later.removed == {a.id}


def test_listing_pages_past_512_changes(ews_sim, side):
    for n in range(600):
        ews_sim.store.create_item(
            ALICE,
            {
                "subject": "bulk %d" % n,
                "start": utc(2026, 3, 1) + timedelta(hours=n),
                "end": utc(2026, 3, 1) + timedelta(hours=n, minutes=30),
            },
        )
    ews_sim.journal.clear()
    listing = side.list_changes(None, WINDOW)
    assert len(listing.changed) == 600
    assert ews_sim.journal.count("ews", "SyncFolderItems") == 2


def test_complete_listing_leaves_out_old_single_entries_but_keeps_series(ews_sim, side):
    old = outlook_item(ews_sim, "old", start=utc(2025, 6, 1, 9), end=utc(2025, 6, 1, 10))
    series = ews_sim.store.create_item(
        ALICE,
        {
            "subject": "old series",
            "start": utc(2025, 6, 2, 9),
            "end": utc(2025, 6, 2, 10),
            "recurrence": {
                "pattern": {"type": "daily", "interval": 1},
                "range": {"type": "noEnd", "startDate": "2025-06-02"},
            },
        },
    )
    recent = outlook_item(ews_sim, "recent")
    listing = side.list_changes(None, WINDOW)
    assert set(listing.changed) == {series.id, recent.id}
    assert old.id not in listing.changed


def test_lost_sync_state_raises_sync_state_invalid(ews_sim, side):
    token = side.list_changes(None, WINDOW).token
    ews_sim.store.expire_change_log(ALICE)
    with pytest.raises(errors.SyncStateInvalid):
        side.list_changes(token, WINDOW)
    with pytest.raises(errors.SyncStateInvalid):
        side.list_changes("bm90IGEgc3RhdGU=", WINDOW)  # forged
    assert "ErrorInvalidSyncStateData" in [c for _, c in ews_sim.journal.errors("ews")]


def test_batches_use_one_request_per_hundred_items(ews_sim, side):
    items = [("calendar.event,%d" % n, meeting("m%d" % n, attendees=())) for n in range(250)]
    ews_sim.journal.clear()
    results = side.create(items)
    assert all(r.ok for r in results)
    assert ews_sim.journal.count("ews", "CreateItem") == 3
    ids = [r.remote.id for r in results]
    ews_sim.journal.clear()
    assert len(side.fetch(ids)) == 250
    assert ews_sim.journal.count("ews", "GetItem") == 3
    assert ews_sim.store.count(ALICE) == 250


def test_stale_version_and_vanished_items(ews_sim, side):
    [a, b] = side.create([("x,1", meeting("a")), ("x,2", meeting("b"))])
    ews_sim.store.update_item(ALICE, a.remote.id, {"subject": "edited in Outlook"})
    ews_sim.store.delete_item(ALICE, b.remote.id)
    results = side.update(
        [
            (a.remote.id, a.remote.version, meeting("ours")),
            (b.remote.id, b.remote.version, meeting("ours")),
        ]
    )
    assert isinstance(results[0].error, errors.StaleVersion)
    assert isinstance(results[1].error, errors.ItemNotFound)
    # Outlook's edit survived: nothing was overwritten blindly.
    assert ews_sim.store.get_item(ALICE, a.remote.id).subject == "edited in Outlook"
    assert "ErrorIrresolvableConflict" in [c for _, c in ews_sim.journal.errors("ews")]
    assert side.fetch([b.remote.id]) == {}


def test_delete_checks_the_version(ews_sim, side):
    [a, b, c] = side.create([("x,1", meeting("a")), ("x,2", meeting("b")), ("x,3", meeting("c"))])
    ews_sim.store.update_item(ALICE, b.remote.id, {"subject": "edited"})
    ews_sim.store.delete_item(ALICE, c.remote.id)
    results = side.delete(
        [
            (a.remote.id, a.remote.version),
            (b.remote.id, b.remote.version),
            (c.remote.id, c.remote.version),
        ]
    )
    assert results[0].ok
    assert isinstance(results[1].error, errors.StaleVersion)
    assert isinstance(results[2].error, errors.ItemNotFound)
    assert [i.subject for i in ews_sim.store.items(ALICE)] == ["edited"]


def test_find_by_identity(ews_sim, side):
    results = side.create([("calendar.event,%d" % n, meeting("m%d" % n)) for n in range(60)])
    outlook_item(ews_sim, "no identity")
    wanted = ["calendar.event,3", "calendar.event,59", "calendar.event,999"]
    found = side.find_by_identity(wanted)
    assert set(found) == {"calendar.event,3", "calendar.event,59"}
    assert found["calendar.event,3"].id == results[3].remote.id
    assert found["calendar.event,3"].version == results[3].remote.version
