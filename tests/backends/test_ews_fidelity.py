"""The EWS backend against the simulator made as strict as Exchange (issue 13): what each
stricter behaviour forced in the product, one test per point."""

from ews_support import (  # noqa: F401 - fixtures
    ALICE,
    ews_sim_fixture,
    side_fixture,
    utc,
)

from calendar_exchange_sync.sync.engine import Engine, SyncOptions
from calendar_exchange_sync.sync.items import CalendarItem
from calendar_exchange_sync.sync.memory import MemorySide, MemoryStatusStore

NOW = utc(2026, 3, 1, 12)


def world(side):
    odoo = MemorySide("odoo")
    status = MemoryStatusStore()
    return odoo, status, Engine(odoo, side, status, SyncOptions(now=lambda: NOW))


def quiet(engine, runs=10):
    """The counts of ``runs`` runs: all empty when nothing travels."""
    reports = [engine.run() for _ in range(runs)]
    assert all(r.aborted is None and not r.errors for r in reports), reports
    return [dict(r.counts) for r in reports if r.counts]


def test_3_bodies_rewritten_by_exchange_stay_untouched_for_ten_runs(ews_sim, side):
    odoo, _status, engine = world(side)
    html = "<p>Line one<br/>line two</p><p>Fish &amp; chips</p>"
    original = CalendarItem(
        "From Odoo", utc(2026, 3, 9, 9), utc(2026, 3, 9, 10), body=html, organizer=ALICE
    )
    local_id = odoo.user_create(original)
    ews_sim.store.create_item(
        ALICE,
        {"subject": "From Outlook, text", "start": utc(2026, 3, 10, 9),
         "end": utc(2026, 3, 10, 10), "body": "Bring:\r\n- a < b\r\n- notes",
         "extra": {"body_type": "Text"}},
    )  # fmt: skip
    first = engine.run()
    assert first.aborted is None and not first.errors
    [made] = [i for i in ews_sim.store.items(ALICE) if i.subject == "From Odoo"]
    assert quiet(engine) == []
    # Nothing was written back on either side: the same version in Exchange, the user's text
    # in Odoo, and the Outlook text shown as text (escaped, one line each).
    assert ews_sim.store.get_item(ALICE, made.id).change_key == made.change_key
    assert odoo.items[local_id].item == original
    [imported] = [e.item for e in odoo.items.values() if e.item.subject.startswith("From Out")]
    assert "a &lt; b" in imported.body and imported.body.count("<br>") == 2
