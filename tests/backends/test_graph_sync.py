"""Listing, series and failure handling of the Graph backend against the simulator.

Delta paging (including empty pages) and @removed, 410 -> SyncStateInvalid, a window that
moves, recurring series with modified and deleted occurrences both ways, a $batch with a
failing member, 429 with and without Retry-After, 503 and a reset connection.
"""

import time
from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time
from graph_support import ALICE, UTC, running, side_for, when, window

from calendar_exchange_sync.sync import errors
from calendar_exchange_sync.sync.engine import Window
from calendar_exchange_sync.sync.items import CalendarItem, Occurrence, Recurrence

DELTA = "GET /users/{id}/calendarView/delta"


def _single(subject, day, hour=9):
    return CalendarItem(subject, when(day, hour), when(day, hour + 1), timezone="Europe/Berlin")


def _seed_items(sim, count):
    for n in range(count):
        sim.store.create_item(
            ALICE,
            {"subject": "Item %d" % n, "start": when(1 + n % 28, 8), "end": when(1 + n % 28, 9)},
        )


def test_delta_pages_then_only_changes_and_removals():
    with running() as sim:
        _seed_items(sim, 12)
        side = side_for(sim, page_size=5)
        first = side.list_changes(None, window())
        assert first.complete and len(first.changed) == 12 and not first.removed
        assert sim.journal.count(operation=DELTA) >= 3  # several pages
        # Nothing changed: one request, nothing listed.
        sim.journal.clear()
        quiet = side.list_changes(first.token, window())
        assert not quiet.complete and not quiet.changed and not quiet.removed
        assert sim.journal.count(protocol="graph") == 1
        # Someone edits one entry and deletes another in Outlook.
        items = sorted(sim.store.items(ALICE), key=lambda i: i.subject)
        sim.store.update_item(ALICE, items[0].id, {"subject": "Edited"})
        sim.store.delete_item(ALICE, items[1].id)
        later = side.list_changes(quiet.token, window())
        ids = {i.id: gid for gid in first.changed for i in items if gid.endswith(
            i.id.replace("+", "-").replace("/", "_").rstrip("="))}  # fmt: skip
        assert set(later.changed) == {ids[items[0].id]}
        assert later.removed == {ids[items[1].id]}
        assert later.changed[ids[items[0].id]] != first.changed[ids[items[0].id]]


def test_empty_pages_are_followed():
    with running() as sim:
        _seed_items(sim, 3)
        sim.faults.add("empty_page", protocol="graph", operation=DELTA, count=2)
        changes = side_for(sim).list_changes(None, window())
        assert len(changes.changed) == 3
        assert sim.journal.count(operation=DELTA) == 3


def test_expired_delta_token_raises_sync_state_invalid():
    with running() as sim:
        side = side_for(sim)
        token = side.list_changes(None, window()).token
        sim.store.expire_change_log(ALICE)
        with pytest.raises(errors.SyncStateInvalid):
            side.list_changes(token, window())


def test_a_window_that_moved_past_the_round_starts_a_new_one():
    with running() as sim:
        side = side_for(sim)
        token = side.list_changes(None, window()).token
        assert not side.list_changes(token, window()).complete
        earlier = Window(datetime(2025, 6, 1, tzinfo=UTC))
        assert side.list_changes(token, earlier).complete


def test_series_with_modified_and_deleted_occurrences_round_trip():
    with running() as sim:
        side = side_for(sim)
        start = when(2, 9)  # Monday 2 March, 10:00 Berlin; DST changes on 29 March
        # Exchange makes the mailbox owner organize the series and each of its occurrences.
        moved = CalendarItem(
            "Standup (long)", when(4, 12), when(4, 13), timezone="Europe/Berlin", location="Hall",
            organizer=ALICE,
        )  # fmt: skip
        series = CalendarItem(
            "Standup",
            start,
            start + timedelta(minutes=15),
            timezone="Europe/Berlin",
            recurrence=Recurrence(
                "FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE",
                exceptions=(Occurrence(when(4, 9), moved),),
                deleted=frozenset({when(9, 9)}),
            ),
        )
        [created] = side.create([("calendar.recurrence,5", series)])
        assert created.ok, created.error
        fetched = side.fetch([created.remote.id])[created.remote.id]
        assert fetched.item == series.replace(organizer=ALICE)
        assert fetched.version == created.remote.version
        # Exchange holds one master with one exception and one deleted occurrence.
        [master] = sim.store.items(ALICE)
        assert master.recurrence["pattern"]["daysOfWeek"] == ["monday", "wednesday"]
        assert list(master.modified_occurrences) == [when(4, 9)]
        assert master.deleted_occurrences == {when(9, 9)}
        # Wall clock kept across DST: the occurrence after 29 March is at 08:00 UTC.
        view = sim.store.expand(ALICE, when(30, 0), when(31, 0))
        assert [v.start for v in view] == [when(30, 8)]

        # Change which occurrences are special: a new exception, the old one reverted,
        # another deletion.
        changed = series.replace(
            recurrence=Recurrence(
                series.recurrence.rrule,
                exceptions=(Occurrence(when(11, 9), moved.replace(start=when(11, 15),
                                                                   end=when(11, 16))),),
                deleted=frozenset({when(9, 9), when(16, 9)}),
            )
        )  # fmt: skip
        [updated] = side.update([(created.remote.id, fetched.version, changed)])
        assert updated.ok, updated.error
        again = side.fetch([created.remote.id])[created.remote.id]
        assert again.item == changed.replace(organizer=ALICE)
        [master] = sim.store.items(ALICE)
        assert master.deleted_occurrences == {when(9, 9), when(16, 9)}
        reverted = master.modified_occurrences.get(when(4, 9), {})
        assert reverted.get("subject", "Standup") == "Standup"


def test_series_made_in_outlook_is_read_with_its_exceptions():
    with running() as sim:
        master = sim.store.create_item(
            ALICE,
            {
                "subject": "Jour fixe",
                "start": when(3, 14),
                "end": when(3, 15),
                "start_tz": "W. Europe Standard Time",
                "end_tz": "W. Europe Standard Time",
                "recurrence": {
                    "pattern": {"type": "relativeMonthly", "interval": 1,
                                "daysOfWeek": ["tuesday"], "index": "first"},
                    "range": {"type": "numbered", "startDate": "2026-03-03",
                              "numberOfOccurrences": 6,
                              "recurrenceTimeZone": "W. Europe Standard Time"},
                },
            },
        )  # fmt: skip
        occurrence = sim.store.occurrence_by_index(ALICE, master.id, 2)
        sim.store.update_item(ALICE, occurrence, {"subject": "Jour fixe (April)"})
        third = sim.store.occurrence_by_index(ALICE, master.id, 3)
        sim.store.delete_item(ALICE, third)
        side = side_for(sim)
        changes = side.list_changes(None, window())
        [series_id] = list(changes.changed)  # instances fold into their master
        got = side.fetch([series_id])[series_id].item
        assert got.recurrence.rrule == "FREQ=MONTHLY;COUNT=6;BYDAY=1TU"
        [exception] = got.recurrence.exceptions
        assert exception.item.subject == "Jour fixe (April)"
        assert exception.original_start == datetime(2026, 4, 7, 13, tzinfo=UTC)  # 15:00 CEST
        assert got.recurrence.deleted == {datetime(2026, 5, 5, 13, tzinfo=UTC)}


def test_batch_with_a_failing_member_fails_only_that_member():
    with running() as sim:
        side = side_for(sim)
        created = side.create([("a", _single("A", 5)), ("b", _single("B", 6))])
        fetched = side.fetch([r.remote.id for r in created])
        a, b = (fetched[r.remote.id] for r in created)
        # B changes in Outlook after we read it: our version is stale.
        sim.store.update_item(ALICE, sim.store.items(ALICE)[1].id, {"location": "Elsewhere"})
        results = side.update(
            [
                (created[0].remote.id, a.version, a.item.replace(subject="A2")),
                (created[1].remote.id, b.version, b.item.replace(subject="B2")),
            ]
        )
        assert results[0].ok and not results[1].ok
        assert isinstance(results[1].error, errors.StaleVersion)
        assert sorted(i.subject for i in sim.store.items(ALICE)) == ["A2", "B"]
        gone = side.delete([(created[0].remote.id, results[0].remote.version)] * 2)
        assert gone[0].ok and isinstance(gone[1].error, errors.ItemNotFound)


def test_writes_go_in_batches_of_twenty():
    with running() as sim:
        side = side_for(sim)
        results = side.create([("e%d" % n, _single("E%d" % n, 1 + n % 20)) for n in range(45)])
        assert all(r.ok for r in results)
        batches = sim.journal.entries(operation="POST /$batch")
        assert [e.items for e in batches] == [20, 20, 5]


def test_throttling_with_retry_after_is_waited_out():
    with running() as sim:
        sim.faults.add("throttle", protocol="graph", operation=DELTA, retry_after=1)
        began = time.monotonic()
        changes = side_for(sim).list_changes(None, window())
        assert changes.complete and time.monotonic() - began >= 1
        assert [e.status for e in sim.journal.entries(operation=DELTA)] == [429, 200]


def test_long_retry_after_postpones_the_mailbox():
    with running() as sim:
        sim.faults.add("throttle", protocol="graph", operation=DELTA, retry_after=120)
        with pytest.raises(errors.ThrottledError) as info:
            side_for(sim).list_changes(None, window())
        assert info.value.retry_after == 120 and info.value.mailbox_wide
        assert sim.journal.count(operation=DELTA) == 1  # not hammered


def test_throttling_without_retry_after_backs_off_then_gives_up():
    with running() as sim:
        sim.faults.add("throttle", protocol="graph", operation=DELTA, count=5, retry_after=None)
        with pytest.raises(errors.ThrottledError) as info:
            side_for(sim).list_changes(None, window())
        assert info.value.retry_after is None
        assert sim.journal.count(operation=DELTA) == 3


def test_throttled_batch_members_are_retried():
    with running() as sim:
        sim.faults.add("throttle", protocol="graph", operation="POST /users/{id}/calendar/events",
                       count=2, retry_after=0)  # fmt: skip
        results = side_for(sim).create([("x%d" % n, _single("X%d" % n, 3 + n)) for n in range(4)])
        assert all(r.ok for r in results)
        assert len(sim.store.items(ALICE)) == 4
        assert sim.journal.count(operation="POST /$batch") == 2


def test_unavailable_and_reset_connections():
    with running() as sim:
        side = side_for(sim)
        side.list_changes(None, window())
        sim.faults.add("reset", protocol="graph", operation=DELTA)
        assert side.list_changes(None, window()).complete  # one reset is retried at once
        sim.faults.add("reset", protocol="graph", operation=DELTA, count=2)
        with pytest.raises(errors.ConnectionFailed):
            side.list_changes(None, window())
        sim.faults.add("unavailable", protocol="graph", operation=DELTA, count=3)
        with pytest.raises(errors.ThrottledError):
            side.list_changes(None, window())


def test_all_day_series_keys_occurrences_by_date():
    from datetime import date

    longer = CalendarItem("Holiday (long)", date(2026, 3, 9), date(2026, 3, 11), all_day=True,
                          timezone="Europe/Berlin", organizer=ALICE)  # fmt: skip
    item = CalendarItem(
        "Holiday block",
        date(2026, 3, 2),
        date(2026, 3, 3),
        all_day=True,
        timezone="Europe/Berlin",
        organizer=ALICE,
        recurrence=Recurrence(
            "FREQ=WEEKLY;UNTIL=20260330;BYDAY=MO",
            exceptions=(Occurrence(date(2026, 3, 9), longer),),
            deleted=frozenset({date(2026, 3, 16)}),
        ),
    )
    with running() as sim:
        side = side_for(sim)
        [created] = side.create([("h", item)])
        assert created.ok, created.error
        assert side.fetch([created.remote.id])[created.remote.id].item == item
        [master] = sim.store.items(ALICE)
        assert master.is_all_day and master.recurrence["range"]["endDate"] == "2026-03-30"
        # Midnight in Berlin is 23:00 UTC the day before.
        assert master.deleted_occurrences == {datetime(2026, 3, 15, 23, tzinfo=UTC)}


def test_the_round_is_renewed_before_its_horizon_runs_out():
    from graph_support import settings_for

    from calendar_exchange_sync.sync.graph import GraphSide

    def engine_window():
        return Window(datetime.now(UTC) - timedelta(days=30))  # the engine's, 30 days back

    # One ticking freeze per moment: freezegun before 1.3 (Odoo 19 pins 1.2) has no move_to
    # on a ticking clock.
    with running() as sim:
        with freeze_time("2026-03-01", tick=True):
            side = GraphSide(settings_for(sim), ALICE)
            token = side.list_changes(None, engine_window()).token
        with freeze_time("2026-06-09", tick=True):  # 100 days later: the window start followed
            assert not side.list_changes(token, engine_window()).complete
        with freeze_time("2026-11-06", tick=True):  # 250 days: a 400-day horizon is < 180 ahead
            assert side.list_changes(token, engine_window()).complete


@pytest.mark.parametrize("token", ["not json", '{"SyncState": "H4sIA"}', '{"start": 1}'])
def test_a_token_that_is_not_ours_asks_for_a_full_listing(token):
    with running() as sim:
        with pytest.raises(errors.SyncStateInvalid, match="read again in full"):
            side_for(sim).list_changes(token, window())
        assert sim.journal.count(protocol="graph") == 0


def test_series_update_without_a_fresh_read_still_sets_every_occurrence_right():
    start = when(2, 9)
    series = CalendarItem(
        "Standup", start, start + timedelta(minutes=15), timezone="Europe/Berlin",
        organizer=ALICE,
        recurrence=Recurrence(
            "FREQ=DAILY;COUNT=5",
            exceptions=(Occurrence(when(3, 9), CalendarItem(
                "Late", when(3, 11), when(3, 11, 15), timezone="Europe/Berlin",
                organizer=ALICE)),),
        ),
    )  # fmt: skip
    with running() as sim:
        [created] = side_for(sim).create([("s", series)])
        plain = series.replace(subject="Daily", recurrence=Recurrence("FREQ=DAILY;COUNT=5"))
        # A new side has read nothing: the engine may update from the version alone.
        [updated] = side_for(sim).update([(created.remote.id, created.remote.version, plain)])
        assert updated.ok, updated.error
        again = side_for(sim).fetch([created.remote.id])[created.remote.id]
        assert again.item == plain and again.version == updated.remote.version


def test_a_vanished_mailbox_is_not_read_as_deleted_entries():
    with running() as sim:
        side = side_for(sim)
        [created] = side.create([("v", _single("V", 7))])
        sim.seed.users[:] = [u for u in sim.seed.users if u.smtp != ALICE]
        with pytest.raises(errors.MailboxNotFound):
            side.fetch([created.remote.id])
