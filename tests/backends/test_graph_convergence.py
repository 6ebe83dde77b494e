"""Random edits on both sides, then the engine over Graph until quiet: both calendars agree.

Odoo is the in-memory side; Exchange is the simulator reached through the real Graph
backend. Each example gets its own mailbox on one shared simulator. Outlook edits go straight
into the simulator's store, as a person using Outlook would make them.
"""

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from graph_support import running, settings_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_exchange_sync.sync.engine import Engine, Window
from calendar_exchange_sync.sync.graph import GraphSide
from calendar_exchange_sync.sync.items import CalendarItem
from calendar_exchange_sync.sync.testing import MemorySide, MemoryStatusStore
from exchange_simulator.seed import User

UTC = timezone.utc
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
_boxes = itertools.count(1)

ops = st.lists(
    st.tuples(
        st.sampled_from(["odoo_create", "odoo_edit", "odoo_delete", "outlook_create",
                         "outlook_edit", "outlook_delete", "sync"]),
        st.integers(0, 20),
        st.sampled_from(["Alpha", "Beta", "Gamma"]),
    ),
    min_size=1,
    max_size=12,
)  # fmt: skip


@pytest.fixture(scope="module")
def sim():
    with running() as simulator:
        yield simulator


def _contents(side):
    changes = side.list_changes(None, Window(NOW - timedelta(days=30)))
    fetched = side.fetch(list(changes.changed))
    return sorted((f.item for f in fetched.values()), key=lambda i: i.to_json())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=ops)
def test_random_edits_converge(sim, steps):
    mailbox = "user%d@contoso.com" % next(_boxes)
    sim.seed.users.append(User(mailbox, "x"))
    sim.store.add_mailbox(mailbox)
    graph = GraphSide(settings_for(sim), mailbox)
    odoo = MemorySide("odoo")
    engine = Engine(odoo, graph, MemoryStatusStore(), window_days=30)

    for op, n, word in steps:
        start = NOW + timedelta(days=1 + n % 10, hours=n % 5)
        if op == "odoo_create":
            odoo.user_create(CalendarItem("%s %d" % (word, n), start, start + timedelta(hours=1),
                                          timezone="Europe/Berlin", organizer=mailbox))  # fmt: skip
        elif op == "outlook_create":
            sim.store.create_item(mailbox, {"subject": "%s %d" % (word, n), "start": start,
                                            "end": start + timedelta(hours=1),
                                            "start_tz": "W. Europe Standard Time",
                                            "end_tz": "W. Europe Standard Time"})  # fmt: skip
        elif op in ("odoo_edit", "odoo_delete") and odoo.items:
            key = sorted(odoo.items)[n % len(odoo.items)]
            if op == "odoo_delete":
                odoo.user_delete(key)
            else:
                odoo.user_update(key, odoo.items[key].item.replace(location=word))
        elif op in ("outlook_edit", "outlook_delete") and sim.store.items(mailbox):
            items = sorted(sim.store.items(mailbox), key=lambda i: i.id)
            target = items[n % len(items)]
            if op == "outlook_delete":
                sim.store.delete_item(mailbox, target.id)
            else:
                sim.store.update_item(mailbox, target.id, {"subject": target.subject + " !"})
        elif op == "sync":
            # Twice: the second run's listing moves the token past our own creates (see
            # test_deletion_of_an_entry_we_just_created below for why that matters).
            for _ in range(2):
                report = engine.run(force_deletions=True)
                assert report.aborted is None, report.aborted
    for _ in range(3):
        report = engine.run(force_deletions=True)
        assert report.aborted is None and not report.errors, (report.aborted, report.errors)
        if report.writes == 0:
            break
    assert report.writes == 0, "not quiet after three runs: %s" % report.counts
    local = sorted(odoo.contents(), key=lambda i: i.to_json())
    assert local == _contents(graph)
    assert len(sim.store.items(mailbox)) == len(odoo.items)  # no duplicates


def test_deletion_of_an_entry_we_just_created(sim):
    mailbox = "user%d@contoso.com" % next(_boxes)
    sim.seed.users.append(User(mailbox, "x"))
    sim.store.add_mailbox(mailbox)
    odoo = MemorySide("odoo")
    engine = Engine(odoo, GraphSide(settings_for(sim), mailbox), MemoryStatusStore())
    start = NOW + timedelta(days=2)
    odoo.user_create(CalendarItem("Alpha", start, start + timedelta(hours=1), organizer=mailbox))
    engine.run()
    [created] = sim.store.items(mailbox)
    sim.store.delete_item(mailbox, created.id)
    engine.run()
    assert odoo.items == {}
