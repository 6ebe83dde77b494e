"""Issue 11 in the engine: extra copies of a create, unreadable items, throttled members of a
batch, and the status store's checkpoints between batches."""

from engine_world import World, make_item

from calendar_exchange_sync.sync.engine import OpResult
from calendar_exchange_sync.sync.errors import PermanentError, ThrottledError


def synced(world, *subjects):
    ids = [world.local.user_create(make_item(s, day=2 + n)) for n, s in enumerate(subjects)]
    assert world.sync().ok
    return ids


# -- extra copies (point 1) ---------------------------------------------------------------


def test_a_create_carried_out_twice_leaves_one_entry_on_each_side(world):
    lid = world.local.user_create(make_item("Once"))
    other = world.local.user_create(make_item("Once too", day=11))
    world.remote.faults.add("create", "dup")
    first = world.sync()
    assert not first.ok and len(world.remote.items) == 4  # two entries, each made twice
    second = world.sync()
    # Each entry's lost create is found by its identity; the copy is removed, not imported.
    assert second.ok and second.get("local", "create") == 0, second.to_dict()
    assert second.get("remote", "delete") == 2
    assert len(world.remote.items) == 2 and len(world.local.items) == 2
    assert not world.remote.extra_copies
    assert {world.pair_of(lid), world.pair_of(other)} == set(world.remote.items)
    assert world.sync().writes == 0


def test_an_extra_copy_of_a_paired_entry_is_removed_not_imported(world):
    (lid,) = synced(world, "Paired")
    rid = world.pair_of(lid)
    stored = world.remote.items[rid]
    # A client resent the create later: a second item with the entry's identity and content.
    world.remote.user_create(stored.item, identity=stored.identity)
    report = world.sync()
    assert report.ok and report.get("remote", "delete") == 1 and report.writes == 1
    assert list(world.remote.items) == [rid] and len(world.local.items) == 1
    # The deletion guard does not count it: removing a copy deletes no entry.
    assert not report.held


def test_an_extra_copy_of_an_entry_edited_since_is_still_an_extra_copy(world):
    (lid,) = synced(world, "Paired")
    rid = world.pair_of(lid)
    stored = world.remote.items[rid]
    world.remote.user_create(stored.item, identity=stored.identity)
    world.local.user_update(lid, make_item("Renamed in Odoo", day=2))
    report = world.sync()
    assert report.get("remote", "delete") == 1 and report.get("remote", "update") == 1
    assert [s.item.subject for s in world.remote.items.values()] == ["Renamed in Odoo"]


def test_a_late_create_is_found_next_run_not_made_again(world):
    lid = world.local.user_create(make_item("Late"))
    world.remote.faults.add("create", "late")
    first = world.sync()
    assert not first.ok and not world.remote.items  # nothing yet: the answer will come late
    report = world.sync()
    assert report.ok and report.get("remote", "create") == 0, report.to_dict()
    assert len(world.remote.items) == 1 and world.pair_of(lid) in world.remote.items
    assert world.sync().writes == 0


# -- unreadable items (point 4) ------------------------------------------------------------


def test_an_unreadable_new_item_is_its_own_error_and_the_rest_goes_on(world):
    good = [world.remote.user_create(make_item("Good %d" % n, day=2 + n)) for n in range(3)]
    bad = world.remote.user_create(make_item("Bad one", day=8))
    world.remote.user_break(bad)
    report = world.sync()
    assert report.aborted is None and report.get("local", "create") == 3
    [error] = report.errors
    assert (error.side, error.action, error.item_id, error.subject) == (
        "remote",
        "read",
        bad,
        "Bad one",
    )
    assert isinstance(error.error, PermanentError)
    # The token moved on: the next runs do not stop on it, nor log it again ...
    assert world.sync().ok and world.sync().writes == 0
    # ... until the item changes: once it can be read it comes in.
    world.remote.user_update(bad, make_item("Bad one, fixed", day=8))
    report = world.sync()
    assert report.ok and report.get("local", "create") == 1
    assert len(world.local.items) == 4 and good


def test_an_unreadable_paired_item_is_never_taken_for_a_deletion(world):
    lid, other = synced(world, "Paired", "Other")
    rid = world.pair_of(lid)
    world.remote.user_break(rid)
    world.local.user_update(other, make_item("Other, edited", day=3))
    report = world.sync()
    assert len(report.errors) == 1 and report.get("local", "delete") == 0
    assert report.get("remote", "update") == 1  # the rest of the mailbox goes on
    assert lid in world.local.items and rid in world.remote.items
    world.remote.invalidate_tokens()  # a complete listing reads it again: still not gone
    report = world.sync()
    assert report.get("local", "delete") == 0 and lid in world.local.items
    world.remote.user_update(rid, make_item("Paired, fixed", day=2))
    assert world.sync().ok and world.local.items[lid].item.subject == "Paired, fixed"


# -- a throttled member of a batch (point 6) -------------------------------------------------


def test_a_throttled_item_of_a_batch_ends_the_run_after_recording_the_batch(world):
    for n in range(4):
        world.local.user_create(make_item("E%d" % n, day=2 + n))
    create = world.remote.create

    def throttled_last(batch):
        results = create(batch[:-1])
        busy = ThrottledError("Throttled member.", retry_after=7)
        return results + [OpResult.failure(busy)]

    world.remote.create = throttled_last
    report = world.sync(batch_size=2)
    assert isinstance(report.aborted, ThrottledError) and report.aborted.retry_after == 7
    assert report.get("remote", "create") == 1 and not report.errors  # said once, as abort
    assert world.remote.calls["create"] == 1  # the run stopped after that batch
    world.remote.create = create
    report = world.sync()
    assert report.ok and len(world.remote.items) == 4 and len(world.local.items) == 4
    assert world.sync().writes == 0


# -- checkpoints between batches (point 3) ---------------------------------------------------


def test_the_store_checkpoints_between_batches_and_may_stop_the_run():
    world = World()
    for n in range(6):
        world.local.user_create(make_item("E%d" % n, day=2 + n))
    calls = []

    def checkpoint():
        calls.append(len(world.remote.items))
        return len(calls) < 4  # the fourth checkpoint says: stop (the lock was lost)

    world.status.checkpoint = checkpoint
    report = world.sync(batch_size=2)
    # After announcing a batch of creates (before it is sent), then after the batch: the run
    # stopped after the second batch, and the third was never announced.
    assert calls == [0, 2, 2, 4] and report.unfinished and len(world.remote.items) == 4
    assert [row.identity for row in world.status.rows.values() if row.pending] == []
    assert world.status.tokens == {}
    del world.status.checkpoint
    report = world.sync(batch_size=2)
    assert report.ok and len(world.remote.items) == 6 and world.sync().writes == 0
