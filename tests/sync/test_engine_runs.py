"""Whole runs: initial matching, the window, filters and classification, the deletion guard
and tokens (trouble and recovery are in test_engine_recovery.py)."""

from datetime import date, timedelta, timezone

from engine_world import T0, World, make_item

from calendar_exchange_sync.sync.items import CalendarItem, Recurrence

UTC = timezone.utc


def old_item(subject, days_ago, **fields):
    start = T0 - timedelta(days=days_ago)
    return CalendarItem(subject, start, start + timedelta(hours=1), **fields)


# -- initial matching ---------------------------------------------------------------------


def test_initial_sync_pairs_equal_entries_instead_of_duplicating(world):
    for n in range(4):
        world.local.user_create(make_item("Standup", day=10 + n))
        world.remote.user_create(make_item("standup", day=10 + n, location="Room"))
    world.local.user_create(make_item("Only in Odoo", day=20))
    world.remote.user_create(make_item("Standup", day=10, hour=15))  # other time: no match
    report = world.sync(policy="remote")
    assert report.ok and report.matched == 4
    assert report.get("remote", "create") == 1 and report.get("local", "create") == 1
    assert len(world.local.items) == len(world.remote.items) == 6
    # Matched pairs differ in subject case and location: the policy chose Exchange's values.
    assert sorted(i.location for i in world.local.contents()).count("Room") == 4
    assert sorted(world.local.contents(), key=repr) == sorted(world.remote.contents(), key=repr)
    assert world.sync().writes == 0


def test_matching_respects_the_recurrence(world):
    weekly = Recurrence("FREQ=WEEKLY;COUNT=4")
    daily = Recurrence("FREQ=DAILY;COUNT=4")
    world.local.user_create(make_item("Sync", recurrence=weekly))
    world.remote.user_create(make_item("Sync", recurrence=daily))
    world.remote.user_create(make_item("Sync", recurrence=weekly, body="<p>notes</p>"))
    report = world.sync(policy="newest")
    assert report.matched == 1
    assert len(world.local.items) == len(world.remote.items) == 2


def test_duplicates_on_one_side_pair_one_to_one(world):
    for _ in range(2):
        world.local.user_create(make_item("Twin"))
    for _ in range(3):
        world.remote.user_create(make_item("Twin"))
    report = world.sync()
    assert report.matched == 2
    assert len(world.local.items) == len(world.remote.items) == 3


def test_lost_status_rematches_everything(world):
    for n in range(5):
        world.local.user_create(make_item("Entry %d" % n, day=5 + n))
    world.sync()
    world.status.forget_everything()
    report = world.sync()
    assert report.matched == 5 and report.writes == 0
    assert len(world.remote.items) == 5


def test_a_pair_matched_equal_is_recorded_as_one_matched_different(world):
    # Pairs equal on both sides skip the decision (matching._decision): their rows must hold
    # what a decided pair's do (versions, last-modified times, the remote UID, the content).
    for n, location in ((0, ""), (1, "Room")):
        world.local.user_create(make_item("Pair %d" % n, day=3 + n))
        world.clock.advance(minutes=1)
        world.remote.user_create(make_item("Pair %d" % n, day=3 + n, location=location), "u%d" % n)
    report = world.sync(policy="local")
    assert report.matched == 2 and report.writes == 1  # only "Pair 1" differs
    rows = sorted(world.status.rows.values(), key=lambda row: row.local_id)
    for row in rows:
        local, remote = world.local.items[row.local_id], world.remote.items[row.remote_id]
        assert (row.local_version, row.remote_version) == (local.version, remote.version)
        assert row.local_modified < row.remote_modified
        assert row.item_hash == local.item.content_hash() == remote.item.content_hash()
        assert row.field_hashes == local.item.field_hashes()
        assert not row.recheck and not row.pending
    assert [row.uid for row in rows] == ["u0", "u1"]
    assert world.sync().writes == 0


# -- the window ---------------------------------------------------------------------------


def test_entries_that_ended_before_the_window_are_left_alone(world):
    # Sides normally leave old entries out of listings; these list everything, so the
    # engine's own filter is what is tested.
    world.local.filter_window = world.remote.filter_window = False
    world.local.user_create(old_item("Ancient", days_ago=40))
    world.remote.user_create(old_item("Ancient remote", days_ago=31))
    world.local.user_create(old_item("Recent", days_ago=29))
    world.remote.user_create(
        CalendarItem("Old all-day", date(2026, 1, 1), date(2026, 1, 2), all_day=True)
    )
    report = world.sync(window_days=30)
    assert report.skipped_old == 3
    assert world.subjects() == (["Ancient", "Recent"], ["Ancient remote", "Old all-day", "Recent"])
    # After the initial sync only changes travel; a wider window needs a new baseline.
    assert world.sync(window_days=60).writes == 0
    world.status.tokens.clear()
    report = world.sync(window_days=60)
    assert report.get("local", "create") == 2 and report.get("remote", "create") == 1


def test_old_series_with_future_occurrences_are_synced(world):
    world.local.filter_window = False
    endless = old_item("Weekly since last year", 300, recurrence=Recurrence("FREQ=WEEKLY"))
    still_running = old_item(
        "Daily until May", 100, recurrence=Recurrence("FREQ=DAILY;UNTIL=20260501T000000Z")
    )
    finished = old_item("Finished", 100, recurrence=Recurrence("FREQ=DAILY;COUNT=20"))
    for entry in (endless, still_running, finished):
        world.local.user_create(entry)
    report = world.sync()
    assert report.skipped_old == 1
    assert world.subjects()[1] == ["Daily until May", "Weekly since last year"]


# -- filters and classification ---------------------------------------------------------


def test_only_exportable_local_entries_go_out_but_everything_comes_in(world):
    world.local.user_create(make_item("Call", activity_type="call"))
    world.local.user_create(make_item("Private todo", activity_type="todo"))
    world.remote.user_create(make_item("Remote todo", activity_type="todo"))
    report = world.sync(may_export=lambda item: item.activity_type == "call")
    assert report.skipped_filtered == 1
    assert world.subjects()[1] == ["Call", "Remote todo"]
    assert world.subjects()[0] == ["Call", "Private todo", "Remote todo"]


def test_incoming_entries_are_classified_without_bouncing_back(world):
    def classify(item):
        return "lunch" if "lunch" in item.subject.lower() else "default"

    rid = world.remote.user_create(make_item("Lunch with Ann"))
    world.remote.user_create(make_item("Call Bo", activity_type="call"))
    report = world.sync(classify=classify)
    assert sorted(i.activity_type for i in world.local.contents()) == ["call", "lunch"]
    assert report.get("remote", "update") == 0  # the Outlook entry is not rewritten
    # The status row keeps the agreed type itself (its field hashes could not tell it).
    assert sorted(r.activity_type for r in world.status.rows.values()) == ["call", "lunch"]
    assert world.sync(classify=classify).writes == 0
    # Exchange never learnt the type: a later edit there keeps the type Odoo has.
    world.remote.user_update(rid, make_item("Meeting with Ann", location="Cafe"))
    report = world.sync(classify=classify)
    assert report.get("local", "update") == 1 and report.get("remote", "update") == 0
    local = {i.subject: i.activity_type for i in world.local.contents()}
    assert local == {"Call Bo": "call", "Meeting with Ann": "lunch"}
    assert world.sync(classify=classify).writes == 0


def test_type_changed_in_odoo_travels_even_when_exchange_had_none(world):
    rid = world.remote.user_create(make_item("Lunch"))
    world.sync(classify=lambda item: "lunch")
    (lid,) = world.local.items
    world.local.user_update(lid, make_item("Lunch", activity_type="holiday"))
    world.remote.user_update(rid, make_item("Lunch", location="Cafe"))  # still no type there
    world.sync(classify=lambda item: "lunch")
    expected = make_item("Lunch", location="Cafe", activity_type="holiday")
    assert world.local.items[lid].item == expected == world.remote.items[rid].item


def test_initial_matching_keeps_the_odoo_type(world):
    world.local.user_create(make_item("Review", activity_type="meeting"))
    world.remote.user_create(make_item("Review"))
    report = world.sync(classify=lambda item: "default", policy="remote")
    assert report.matched == 1 and report.writes == 0
    assert [i.activity_type for i in world.local.contents()] == ["meeting"]


# -- the deletion guard ------------------------------------------------------------------


def synced_world(n):
    world = World()
    ids = [world.local.user_create(make_item("E%d" % i, day=1 + i % 28)) for i in range(n)]
    assert world.sync().ok
    return world, ids


def test_guard_holds_back_the_deletions_and_lets_the_rest_through():
    world, ids = synced_world(10)
    for id_ in ids[:6]:
        world.remote.user_delete(world.pair_of(id_))
    world.remote.user_create(make_item("New meanwhile"))
    world.local.user_update(ids[8], make_item("Edited in Odoo", day=9))
    report = world.sync()
    assert report.aborted is None and not report.ok  # held deletions want attention
    # Nothing deleted; the new entry and the edit went through all the same.
    assert len(world.local.items) == 11
    assert report.get("local", "create") == 1 and report.get("remote", "update") == 1
    assert sorted(h.identity for h in report.held) == sorted(ids[:6])
    assert {h.side for h in report.held} == {"local"}
    assert sorted(h.subject for h in report.held) == ["E%d" % i for i in range(6)]
    # Held, run after run, until someone decides.
    again = world.sync(held_deletions=frozenset(h.identity for h in report.held))
    assert len(again.held) == 6 and again.writes == 0 and len(world.local.items) == 11


def test_confirmed_deletions_are_carried_out_and_the_others_stay_held():
    world, ids = synced_world(10)
    for id_ in ids[:6]:
        world.remote.user_delete(world.pair_of(id_))
    held = frozenset(h.identity for h in world.sync().held)
    assert len(held) == 6
    # Two fewer would be under the limit: the others stay held all the same.
    report = world.sync(held_deletions=held, confirmed_deletions=frozenset(ids[:2]))
    assert report.get("local", "delete") == 2
    assert sorted(h.identity for h in report.held) == sorted(ids[2:6])
    assert ids[0] not in world.local.items and ids[2] in world.local.items


def test_restored_entries_are_created_again_where_they_were_deleted():
    world, ids = synced_world(10)
    for id_ in ids[:6]:
        world.remote.user_delete(world.pair_of(id_))
    world.sync()
    report = world.sync(restored_deletions=frozenset(ids[:6]))
    assert report.ok and report.get("remote", "create") == 6 and not report.held
    assert len(world.remote.items) == 10 and len(world.local.items) == 10
    assert world.sync().writes == 0  # and that is the new agreement
    restored = {world.remote.items[world.pair_of(i)].item.subject for i in ids[:6]}
    assert restored == {"E%d" % i for i in range(6)}


def test_a_restore_never_turns_into_a_deletion():
    # Below the limit the guard would let the deletion through; asked to restore, it restores.
    world, ids = synced_world(10)
    world.remote.user_delete(world.pair_of(ids[0]))
    report = world.sync(restored_deletions=frozenset([ids[0]]))
    assert report.get("remote", "create") == 1 and len(world.local.items) == 10


def test_a_held_deletion_undone_by_an_edit_is_held_no_more():
    world, ids = synced_world(10)
    for id_ in ids[:6]:
        world.remote.user_delete(world.pair_of(id_))
    held = frozenset(h.identity for h in world.sync().held)
    world.local.user_update(ids[0], make_item("Still wanted", day=1))  # modify beats delete
    report = world.sync(held_deletions=held)
    assert report.get("remote", "create") == 1 and len(report.held) == 5


def test_guard_lets_a_small_share_through():
    world, ids = synced_world(10)
    for id_ in ids[:4]:
        world.local.user_delete(id_)
    assert world.sync().get("remote", "delete") == 4


def test_guard_never_empties_a_side_from_an_empty_listing():
    world, ids = synced_world(3)
    for id_ in list(world.remote.items):
        world.remote.user_delete(id_)
    world.remote.invalidate_tokens()  # and the next listing is a complete, empty one
    report = world.sync(deletion_limit=1.0)
    assert len(report.held) == 3 and report.writes == 0
    assert len(world.local.items) == 3


def test_explicit_deletions_of_a_small_calendar_go_through():
    # A user deleting their only two entries is not a failing server: the listing named them.
    world, ids = synced_world(2)
    for id_ in ids:
        world.local.user_delete(id_)
    report = world.sync()
    assert report.ok and report.get("remote", "delete") == 2 and not world.remote.items


def test_guard_needs_a_minimum_count_for_the_share_rule():
    world, ids = synced_world(4)
    for id_ in ids[:3]:
        world.local.user_delete(id_)
    assert world.sync(deletion_min=5).get("remote", "delete") == 3


# -- tokens -------------------------------------------------------------------------------


def test_expired_token_rebaselines_without_duplicates(world):
    for n in range(3):
        world.local.user_create(make_item("E%d" % n, day=3 + n))
    world.sync()
    rid = world.pair_of(next(iter(world.local.items)))
    world.remote.user_update(rid, make_item("changed while token expired", day=3))
    world.remote.invalidate_tokens()
    report = world.sync()
    assert report.rebaselined == ["remote"] and report.ok
    assert report.get("local", "update") == 1 and report.writes == 1
    assert len(world.local.items) == len(world.remote.items) == 3


def test_complete_listing_does_not_delete_entries_outside_the_window(world):
    lid = world.local.user_create(make_item("Soon", day=10))
    world.sync()
    world.clock.advance(days=60)  # the entry is now far in the past
    world.remote.invalidate_tokens()
    world.local.invalidate_tokens()
    report = world.sync()
    assert report.ok and report.writes == 0 and lid in world.local.items
