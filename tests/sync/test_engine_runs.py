"""Whole runs: initial matching, the window, filters and classification, the deletion guard
and tokens (trouble and recovery are in test_engine_recovery.py)."""

from datetime import date, timedelta, timezone

from engine_world import T0, World, make_item

from calendar_exchange_sync.sync.errors import DeletionGuardTripped
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


def test_guard_stops_a_run_that_deletes_too_much():
    world, ids = synced_world(10)
    for id_ in ids[:6]:
        world.remote.user_delete(world.pair_of(id_))
    world.remote.user_create(make_item("New meanwhile"))
    report = world.sync()
    assert isinstance(report.aborted, DeletionGuardTripped)
    assert report.aborted.would_delete == 6 and report.aborted.side == "odoo"
    assert "6 of the 10" in str(report.aborted)
    assert len(world.local.items) == 10 and report.writes == 0  # nothing at all was done
    # The administrator confirms: the run goes through.
    report = world.sync(force_deletions=True)
    assert report.ok and report.get("local", "delete") == 6 and len(world.local.items) == 5


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
    assert isinstance(report.aborted, DeletionGuardTripped)
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
