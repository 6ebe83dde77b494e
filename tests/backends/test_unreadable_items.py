"""One item the product cannot take is an error of that item (issue 11, point 4), on EWS and on
Graph alike: an Exchange entry whose end is before its start (Exchange refuses to create one,
but an old client or an import may have left one behind) is logged with its subject, and the
rest of the mailbox is synchronised, run after run."""

import copy
from datetime import datetime, timedelta

import pytest
from ews_support import ALICE, SEED, settings
from graph_support import running, side_for

from calendar_exchange_sync.sync.engine import Engine, SyncOptions
from calendar_exchange_sync.sync.errors import PermanentError
from calendar_exchange_sync.sync.ews import EwsSide
from calendar_exchange_sync.sync.testing import MemorySide, MemoryStatusStore
from calendar_exchange_sync.sync.tz import UTC
from exchange_simulator.simulator import Simulator

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def seed_items(sim):
    for day in (1, 2, 3):
        start = NOW + timedelta(days=day)
        sim.store.create_item(
            ALICE, {"subject": "Good %d" % day, "start": start, "end": start + timedelta(hours=1)}
        )
    start = NOW + timedelta(days=4)
    return sim.store.create_item(
        ALICE,
        {"subject": "Ends before it starts", "start": start, "end": start - timedelta(hours=2)},
    )


@pytest.fixture(params=["ews", "graph"])
def mailbox(request):
    if request.param == "ews":
        with Simulator(copy.deepcopy(SEED)).start() as sim:
            yield sim, EwsSide(settings(sim), ALICE)
    else:
        with running() as sim:
            yield sim, side_for(sim)


def test_a_malformed_entry_among_good_ones(mailbox):
    sim, side = mailbox
    bad = seed_items(sim)
    odoo = MemorySide("odoo")
    engine = Engine(odoo, side, MemoryStatusStore(), SyncOptions(now=lambda: NOW))
    report = engine.run()
    assert report.aborted is None, report.aborted
    assert sorted(s.item.subject for s in odoo.items.values()) == ["Good 1", "Good 2", "Good 3"]
    [error] = report.errors
    assert error.side == "remote" and error.action == "read"
    assert error.subject == "Ends before it starts" and isinstance(error.error, PermanentError)
    assert "before start" in str(error.error)
    assert error.item_id and bad.id  # named by its id on that side
    # It never stops every run: the next ones are quiet and go on with new work.
    assert engine.run().ok
    odoo.user_create(
        odoo.items[next(iter(odoo.items))].item.replace(subject="New in Odoo", location="x")
    )
    again = engine.run()
    assert again.aborted is None and again.get("remote", "create") == 1
