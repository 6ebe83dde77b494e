"""Every row of the decision table, the merge and each conflict policy, and the clock skew.

Each test drives two in-memory sides through the real engine and checks what each side holds.
"""

from datetime import datetime, timedelta, timezone

import pytest
from engine_world import World, make_item

from calendar_exchange_sync.sync.engine import Fetched
from calendar_exchange_sync.sync.engine.decisions import CHANGED, GONE, UNCHANGED, Seen, decide
from calendar_exchange_sync.sync.items import Occurrence, Recurrence


def synced(world, *subjects):
    """Create entries in Odoo, sync them out, and return (local ids, remote ids)."""
    ids = [world.local.user_create(make_item(s, day=10 + n)) for n, s in enumerate(subjects)]
    report = world.sync()
    assert report.ok and report.get("remote", "create") == len(subjects)
    return ids, [world.pair_of(i) for i in ids]


def quiet(world, **settings):
    report = world.sync(**settings)
    assert report.ok, report.to_dict()
    assert report.writes == 0, report.to_dict()
    return report


def test_new_on_either_side_is_created_on_the_other(world, item):
    world.local.user_create(item("From Odoo"))
    world.remote.user_create(item("From Exchange", day=11))
    report = world.sync()
    assert report.get("remote", "create") == 1 and report.get("local", "create") == 1
    assert world.subjects() == (["From Exchange", "From Odoo"],) * 2
    quiet(world)


def test_unchanged_on_both_sides_does_nothing(world):
    synced(world, "a", "b")
    quiet(world)  # reads the new pairs once more (see test_deletion_right_after_creation)
    before = dict(world.remote.calls)
    quiet(world)
    # An incremental run with nothing to do reads nothing and writes nothing.
    assert world.remote.calls.get("fetch") == before.get("fetch")


def test_deletion_right_after_creation_is_seen(world):
    # The token stored by the creating run predates the create; a delta from it never
    # mentions an entry created and deleted since (Graph and EWS behave alike).
    (a, b), (ra, rb) = synced(world, "a", "b")
    world.remote.user_delete(ra)
    report = world.sync()
    assert report.get("local", "delete") == 1 and a not in world.local.items
    quiet(world)


def test_changed_remote_updates_local(world):
    (a, _), (ra, _) = synced(world, "a", "b")
    world.remote.user_update(ra, make_item("a (moved)", day=20))
    report = world.sync()
    assert report.get("local", "update") == 1 and report.writes == 1
    assert world.local.items[a].item == make_item("a (moved)", day=20)
    quiet(world)


def test_changed_local_updates_remote(world):
    (a, _), (ra, _) = synced(world, "a", "b")
    world.local.user_update(a, make_item("a", day=10, location="Room 2"))
    report = world.sync()
    assert report.get("remote", "update") == 1 and report.writes == 1
    assert world.remote.items[ra].item.location == "Room 2"
    quiet(world)


def test_gone_remote_deletes_local(world):
    (a, b, c), (ra, rb, rc) = synced(world, "a", "b", "c")
    world.remote.user_delete(ra)
    report = world.sync()
    assert report.get("local", "delete") == 1 and report.writes == 1
    assert a not in world.local.items and b in world.local.items
    assert len(world.status.rows) == 2
    quiet(world)


def test_gone_local_deletes_remote(world):
    (a, b, c), (ra, rb, rc) = synced(world, "a", "b", "c")
    world.local.user_delete(b)
    report = world.sync()
    assert report.get("remote", "delete") == 1 and report.writes == 1
    assert rb not in world.remote.items
    quiet(world)


def test_gone_on_both_sides_forgets_the_pair(world):
    (a, b, c), (ra, rb, rc) = synced(world, "a", "b", "c")
    world.local.user_delete(a)
    world.remote.user_delete(ra)
    report = world.sync()
    assert report.ok and report.writes == 0
    assert {r.local_id for r in world.status.rows.values()} == {b, c}


def test_modify_beats_delete_towards_remote(world):
    (a, b, c), (ra, rb, rc) = synced(world, "a", "b", "c")
    world.local.user_update(a, make_item("a edited", day=10))
    world.remote.user_delete(ra)
    report = world.sync()
    assert report.get("remote", "create") == 1 and report.get("local", "delete") == 0
    assert "a edited" in world.subjects()[1]
    assert world.pair_of(a) not in (None, ra)
    quiet(world)


def test_modify_beats_delete_towards_local(world):
    (a, b, c), (ra, rb, rc) = synced(world, "a", "b", "c")
    world.remote.user_update(rb, make_item("b edited", day=11))
    world.local.user_delete(b)
    report = world.sync()
    assert report.get("local", "create") == 1 and report.get("remote", "delete") == 0
    assert world.subjects()[0] == ["a", "b edited", "c"]
    quiet(world)


def test_new_version_with_same_content_is_not_a_change(world):
    (a, _), (ra, _) = synced(world, "a", "b")
    world.remote.user_update(ra, world.remote.items[ra].item)  # e.g. a touched, unchanged item
    report = world.sync()
    assert report.ok and report.writes == 0
    row = next(r for r in world.status.rows.values() if r.remote_id == ra)
    assert row.remote_version == world.remote.items[ra].version
    quiet(world)


def test_merge_takes_fields_changed_on_one_side_only(world):
    (a, _), (ra, _) = synced(world, "a", "b")
    world.local.user_update(a, make_item("a renamed", day=10))
    world.remote.user_update(ra, make_item("a", day=10, location="Room 9", reminder_minutes=10))
    report = world.sync()
    assert report.ok and report.conflicts == 0
    expected = make_item("a renamed", day=10, location="Room 9", reminder_minutes=10)
    assert world.local.items[a].item == expected
    assert world.remote.items[ra].item == expected
    quiet(world)


def test_time_fields_merge_as_one_group(world):
    (a, _), (ra, _) = synced(world, "a", "b")
    # Odoo moves the start only (a longer meeting); Exchange moves the end only.
    local_item = make_item("a", day=10, hour=9, hours=2)
    remote_item = make_item("a", day=10, hour=10, hours=3)
    world.local.user_update(a, local_item)
    world.clock.advance(minutes=5)
    world.remote.user_update(ra, remote_item)
    report = world.sync(policy="newest")
    assert report.conflicts == 1
    assert world.local.items[a].item == remote_item == world.remote.items[ra].item


@pytest.mark.parametrize(
    "policy, local_later, winner",
    [
        ("local", False, "local"),
        ("local", True, "local"),
        ("remote", False, "remote"),
        ("remote", True, "remote"),
        ("newest", True, "local"),
        ("newest", False, "remote"),
    ],
)
def test_policy_decides_fields_changed_on_both_sides(policy, local_later, winner):
    world = World()
    (a, _), (ra, _) = synced(world, "a", "b")
    edits = [
        lambda: world.local.user_update(a, make_item("local title", day=10, location="L")),
        lambda: world.remote.user_update(ra, make_item("remote title", day=10, body="<p>R</p>")),
    ]
    for edit in edits if local_later is False else reversed(edits):
        edit()
        world.clock.advance(minutes=1)
    report = world.sync(policy=policy)
    assert report.ok and report.conflicts == 1
    title = "local title" if winner == "local" else "remote title"
    # The conflicting field follows the policy; the one-sided fields are merged either way.
    expected = make_item(title, day=10, location="L", body="<p>R</p>")
    assert world.local.items[a].item == expected == world.remote.items[ra].item
    quiet(world, policy=policy)


def test_newest_corrects_for_clock_skew():
    # The Exchange server's clock runs 10 minutes ahead of Odoo's.
    world = World(remote_skew=timedelta(minutes=10))
    (a, _), (ra, _) = synced(world, "a", "b")
    world.remote.user_update(ra, make_item("remote title", day=10))
    world.clock.advance(minutes=3)  # Odoo's edit really is the later one
    world.local.user_update(a, make_item("local title", day=10))
    # The remote stamp reads 10 minutes ahead; corrected, Odoo's edit is the newer one.
    report = world.sync(policy="newest", clock_skew=timedelta(minutes=10))
    assert report.conflicts == 1
    assert world.remote.items[ra].item.subject == "local title"
    assert world.local.items[a].item.subject == "local title"


def test_without_skew_correction_the_fast_clock_wins():
    world = World(remote_skew=timedelta(minutes=10))
    (a, _), (ra, _) = synced(world, "a", "b")
    world.remote.user_update(ra, make_item("remote title", day=10))
    world.clock.advance(minutes=3)
    world.local.user_update(a, make_item("local title", day=10))
    world.sync(policy="newest", clock_skew=timedelta(0))
    assert world.local.items[a].item.subject == "remote title"


def _fetched(item, minute):
    return Fetched("v", item, last_modified=datetime(2026, 1, 1, 0, minute, tzinfo=timezone.utc))


@pytest.mark.parametrize(
    "local_state, remote_state, ops",
    [
        (UNCHANGED, UNCHANGED, (None, None, False)),
        (UNCHANGED, CHANGED, ("update", None, False)),
        (UNCHANGED, GONE, ("delete", None, True)),
        (CHANGED, UNCHANGED, (None, "update", False)),
        (CHANGED, GONE, (None, "create", False)),
        (GONE, UNCHANGED, (None, "delete", True)),
        (GONE, CHANGED, ("create", None, False)),
        (GONE, GONE, (None, None, True)),
    ],
)
def test_decision_table_rows(local_state, remote_state, ops):
    base = make_item("base")
    local = Seen(local_state, _fetched(make_item("local"), 1) if local_state == CHANGED else None)
    remote = Seen(
        remote_state, _fetched(make_item("remote"), 2) if remote_state == CHANGED else None
    )
    plan = decide(base.field_hashes(), local, remote)
    assert (plan.local_op, plan.remote_op, plan.forget) == ops


def test_changed_on_both_to_the_same_value_is_no_conflict():
    base = make_item("base")
    same = make_item("same")
    plan = decide(
        base.field_hashes(), Seen(CHANGED, _fetched(same, 1)), Seen(CHANGED, _fetched(same, 2))
    )
    assert plan.writes == 0 and not plan.conflicts and plan.item == same


def _series(subject="Weekly", **fields):
    return make_item(subject, day=2, recurrence=Recurrence("FREQ=WEEKLY;COUNT=6"), **fields)


def _with(item, exceptions=(), deleted=()):
    rule = item.recurrence.rrule
    return item.replace(recurrence=Recurrence(rule, tuple(exceptions), frozenset(deleted)))


def _moved(series, week, hours, subject=None):
    original = series.start + timedelta(weeks=week)
    start = original + timedelta(hours=hours)
    content = series.replace(
        subject=subject or series.subject,
        start=start,
        end=start + timedelta(hours=1),
        recurrence=None,
    )
    return Occurrence(original, content)


def _series_world():
    world = World()
    series = _series()
    lid = world.local.user_create(series)
    world.local.user_create(make_item("other"))
    world.sync()
    return world, series, lid, world.pair_of(lid)


def test_occurrences_changed_on_each_side_are_both_kept():
    world, series, lid, rid = _series_world()
    week1 = _moved(series, 1, 2)
    week3 = series.start + timedelta(weeks=3)
    world.local.user_update(lid, _with(series, exceptions=[week1]))
    world.remote.user_update(
        rid,
        _with(
            series,
            deleted=[week3],
        ).replace(location="Room 4"),
    )
    report = world.sync(policy="local")
    assert report.ok and report.conflicts == 0
    merged = _with(series, exceptions=[week1], deleted=[week3]).replace(location="Room 4")
    assert world.local.items[lid].item == merged == world.remote.items[rid].item
    quiet(world)


@pytest.mark.parametrize("policy, winner", [("local", "local"), ("remote", "remote")])
def test_one_occurrence_changed_on_both_sides_follows_the_policy(policy, winner):
    world, series, lid, rid = _series_world()
    mine, theirs = _moved(series, 2, 1, "odoo"), _moved(series, 2, 3, "exchange")
    week4 = _moved(series, 4, 5)
    world.local.user_update(lid, _with(series, exceptions=[mine, week4]))
    world.remote.user_update(rid, _with(series, exceptions=[theirs]))
    report = world.sync(policy=policy)
    assert report.conflicts == 1
    kept = mine if winner == "local" else theirs
    expected = _with(series, exceptions=[kept, week4])
    assert world.local.items[lid].item == expected == world.remote.items[rid].item


def test_moving_a_series_against_an_occurrence_edit_is_a_conflict():
    world, series, lid, rid = _series_world()
    shift = timedelta(hours=2)
    moved = series.replace(start=series.start + shift, end=series.end + shift)
    world.local.user_update(lid, moved)
    world.clock.advance(minutes=1)
    world.remote.user_update(rid, _with(series, exceptions=[_moved(series, 1, 4)]))
    report = world.sync(policy="newest")  # Exchange's edit is the later one
    assert report.conflicts == 1
    expected = _with(series, exceptions=[_moved(series, 1, 4)])
    assert world.local.items[lid].item == expected == world.remote.items[rid].item


def test_only_the_side_created_on_is_read_again(world):
    world.remote.user_create(make_item("Imported"))
    world.sync()
    remote_reads = world.remote.calls.get("fetch", 0)
    local_reads = world.local.calls.get("fetch", 0)
    quiet(world)
    assert world.remote.calls.get("fetch", 0) == remote_reads  # the Exchange entry was listed
    # The Odoo copy is verified by the listing, which names it with the version we wrote.
    assert world.local.calls.get("fetch", 0) == local_reads


def test_a_created_copy_the_listing_is_silent_about_is_read_again(world):
    # Created and deleted before the next listing: no listing reports it, so it is read.
    world.remote.user_create(make_item("Imported"))
    world.sync()
    (lid,) = world.local.items
    world.local.user_delete(lid)
    local_reads = world.local.calls.get("fetch", 0)
    report = world.sync()
    assert world.local.calls.get("fetch") == local_reads + 1
    assert report.get("remote", "delete") == 1 and not world.remote.items
    quiet(world)


def test_a_side_that_lists_every_removal_is_not_asked_to_verify_its_creates(world):
    # Odoo's listing names every bound entry the calendar no longer holds: the entries a run
    # creates there are settled at once, and a deletion before the next listing still travels.
    world.local.lists_every_removal = True
    world.remote.user_create(make_item("Imported"))
    world.remote.user_create(make_item("Kept", day=6))
    world.sync()
    assert not [r for r in world.status.rows.values() if r.recheck or r.verify_side]
    deleted, kept = sorted(world.local.items, key=lambda i: world.local.items[i].item.subject)
    world.local.user_delete(deleted)
    local_reads = world.local.calls.get("fetch", 0)
    report = world.sync()
    assert world.local.calls.get("fetch", 0) == local_reads  # told by the listing, not read
    assert report.get("remote", "delete") == 1
    assert [i.subject for i in world.remote.contents()] == ["Kept"]
    quiet(world)
    assert world.local.calls.get("fetch", 0) == local_reads
