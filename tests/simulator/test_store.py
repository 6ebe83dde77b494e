"""The simulator's store: ids, change keys, series expansion, change log and clock."""

from datetime import datetime, timedelta, timezone

import pytest

from exchange_simulator.seed import item_from_json, item_to_json, load_seed
from exchange_simulator.store import (
    Attendee,
    ChangeKeyMismatch,
    ItemNotFound,
    Store,
    SyncStateExpired,
)

UTC = timezone.utc


def dt(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def store(seed):
    return load_seed(seed).apply(Store())


def alice_series(store):
    return next(i for i in store.items("alice@contoso.com") if i.subject == "Standup")


def test_create_assigns_identity_and_update_changes_the_key(store):
    item = store.create_item(
        "bob@contoso.com",
        {
            "subject": "Review",
            "start": dt("2026-03-05T10:00"),
            "end": dt("2026-03-05T11:00"),
            "required_attendees": [Attendee("alice@contoso.com", "Alice", "Accept")],
        },
    )
    assert item.id and item.change_key and item.uid and item.item_type == "Single"
    assert item.created == item.last_modified
    updated = store.update_item(
        "bob@contoso.com", item.id, {"subject": "Review 2"}, change_key=item.change_key
    )
    assert updated.change_key != item.change_key
    assert store.get_item("bob@contoso.com", item.id).subject == "Review 2"
    with pytest.raises(ChangeKeyMismatch):
        store.update_item("bob@contoso.com", item.id, {"subject": "x"}, change_key=item.change_key)
    # Returned objects are copies: mutating them does not touch the store.
    updated.subject = "mutated"
    assert store.get_item("bob@contoso.com", item.id).subject == "Review 2"


def test_series_expansion_keeps_local_time_across_dst(store):
    series = alice_series(store)
    assert series.item_type == "RecurringMaster"
    view = store.expand("alice@contoso.com", dt("2026-03-01T00:00"), dt("2026-04-30T00:00"))
    starts = [o.start for o in view if o.master_id == series.id]
    assert len(starts) == 10
    assert starts[0] == dt("2026-03-02T08:00") and starts[1] == dt("2026-03-04T08:00")
    # Europe switched to summer time on 29 March: 09:00 local is now 07:00 UTC.
    assert starts[-2:] == [dt("2026-03-30T07:00"), dt("2026-04-01T07:00")]
    assert [o.instance_index for o in view if o.master_id == series.id] == list(range(1, 11))
    # The single item is in the view too.
    assert any(o.subject == "Dentist" and o.item_type == "Single" for o in view)


def test_modified_and_deleted_occurrences(store):
    series = alice_series(store)
    third = store.occurrence_by_index("alice@contoso.com", series.id, 3)
    moved = store.update_item(
        "alice@contoso.com",
        third,
        {
            "subject": "Standup (moved)",
            "start": dt("2026-03-09T10:00"),
            "end": dt("2026-03-09T10:30"),
        },
    )
    assert moved.item_type == "Exception" and moved.original_start == dt("2026-03-09T08:00")
    store.delete_item("alice@contoso.com", store.occurrence_id(series.id, dt("2026-03-11T08:00")))
    master = store.get_item("alice@contoso.com", series.id)
    assert master.change_key != series.change_key
    assert set(master.modified_occurrences) == {dt("2026-03-09T08:00")}
    assert master.deleted_occurrences == {dt("2026-03-11T08:00")}
    view = [
        o
        for o in store.expand("alice@contoso.com", dt("2026-03-01T00:00"), dt("2026-05-01T00:00"))
        if o.master_id == series.id
    ]
    assert len(view) == 9
    exc = next(o for o in view if o.item_type == "Exception")
    assert (exc.subject, exc.start, exc.end) == (
        "Standup (moved)",
        dt("2026-03-09T10:00"),
        dt("2026-03-09T10:30"),
    )
    with pytest.raises(ItemNotFound):  # not an occurrence of the pattern
        store.get_item("alice@contoso.com", store.occurrence_id(series.id, dt("2026-03-10T08:00")))
    with pytest.raises(ItemNotFound):  # deleted
        store.get_item("alice@contoso.com", store.occurrence_id(series.id, dt("2026-03-11T08:00")))


def test_change_log_coalesces_and_pages(store):
    box = "bob@contoso.com"
    first = store.changes_since(box)
    assert first.changes == [] and not first.more
    token = first.token
    a = store.create_item(
        box, {"subject": "a", "start": dt("2026-03-05T10:00"), "end": dt("2026-03-05T11:00")}
    )
    b = store.create_item(
        box, {"subject": "b", "start": dt("2026-03-06T10:00"), "end": dt("2026-03-06T11:00")}
    )
    store.update_item(box, a.id, {"subject": "a2"})
    page = store.changes_since(box, token, limit=1)
    assert page.changes == [("create", a.id)] and page.more
    page = store.changes_since(box, page.token, limit=1)
    assert page.changes == [("create", b.id)] and page.more
    # a's update came after the point the first page consumed: it is reported again.
    page = store.changes_since(box, page.token, limit=1)
    assert page.changes == [("update", a.id)] and not page.more
    token = page.token
    c = store.create_item(
        box, {"subject": "c", "start": dt("2026-03-07T10:00"), "end": dt("2026-03-07T11:00")}
    )
    store.delete_item(box, c.id)  # created and deleted in between: nothing to report
    store.update_item(box, b.id, {"subject": "b2"})
    store.delete_item(box, a.id)
    assert store.changes_since(box, token).changes == [("update", b.id), ("delete", a.id)]
    store.expire_change_log(box)
    with pytest.raises(SyncStateExpired):
        store.changes_since(box, token)


def test_first_sync_pages_every_live_item(store):
    box = "alice@contoso.com"
    page = store.changes_since(box, None, limit=1)
    assert len(page.changes) == 1 and page.more
    page2 = store.changes_since(box, page.token, limit=1)
    assert len(page2.changes) == 1 and not page2.more
    ids = {page.changes[0][1], page2.changes[0][1]}
    assert ids == {i.id for i in store.items(box)}
    # Nothing new afterwards.
    assert store.changes_since(box, page2.token).changes == []


def test_clock_shift_moves_timestamps(store):
    store.clock.shift(timedelta(minutes=7))
    item = store.create_item(
        "bob@contoso.com",
        {"subject": "skewed", "start": dt("2026-03-05T10:00"), "end": dt("2026-03-05T11:00")},
    )
    delta = item.created - datetime.now(UTC)
    assert timedelta(minutes=6) < delta < timedelta(minutes=8)


def test_seed_item_json_round_trip(store):
    series = alice_series(store)
    third = store.occurrence_by_index("alice@contoso.com", series.id, 3)
    store.update_item("alice@contoso.com", third, {"subject": "moved"})
    store.delete_item(
        "alice@contoso.com", store.occurrence_by_index("alice@contoso.com", series.id, 4)
    )
    store.update_item(
        "alice@contoso.com",
        series.id,
        {
            "extended_properties": {
                ("c11ff724-aa03-4555-9952-8fa248a11c3e", "OdooId", "String"): "42"
            }
        },
    )
    raw = item_to_json(store.get_item("alice@contoso.com", series.id))
    copy = Store()
    copy.add_mailbox("x@y.z")
    again = copy.create_item("x@y.z", item_from_json(raw))
    assert item_to_json(again) == raw


def test_day_31_falls_on_the_last_day_of_short_months(store):
    item = store.create_item("bob@contoso.com", {
        "subject": "Month end", "start": dt("2026-01-31T09:00"), "end": dt("2026-01-31T10:00"),
        "recurrence": {"pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
                       "range": {"type": "numbered", "startDate": "2026-01-31",
                                 "numberOfOccurrences": 4}},
    })  # fmt: skip
    starts = store.occurrence_starts("bob@contoso.com", item.id)
    assert [s.date().isoformat() for s in starts] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
    ]
    leap = store.create_item("bob@contoso.com", {
        "subject": "Leap", "start": dt("2028-02-29T09:00"), "end": dt("2028-02-29T10:00"),
        "recurrence": {"pattern": {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 29,
                                   "month": 2},
                       "range": {"type": "numbered", "startDate": "2028-02-29",
                                 "numberOfOccurrences": 2}},
    })  # fmt: skip
    assert [s.date().isoformat() for s in store.occurrence_starts("bob@contoso.com", leap.id)] == [
        "2028-02-29",
        "2029-02-28",
    ]
