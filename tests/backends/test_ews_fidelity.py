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
from calendar_exchange_sync.sync.testing import MemorySide, MemoryStatusStore

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


def test_8_a_restart_keeps_the_sync_state_and_a_lost_one_is_read_again_by_identity(
    ews_sim, side, tmp_path
):
    from ews_support import settings, start

    from calendar_exchange_sync.sync.ews import EwsSide
    from exchange_simulator.seed import save_seed

    odoo, status, engine = world(side)
    for n in range(3):
        odoo.user_create(CalendarItem("Odoo %d" % n, utc(2026, 3, 9 + n, 9),
                                      utc(2026, 3, 9 + n, 10), organizer=ALICE))  # fmt: skip
    ews_sim.store.create_item(ALICE, {"subject": "Outlook", "start": utc(2026, 3, 20, 9),
                                      "end": utc(2026, 3, 20, 10)})  # fmt: skip
    assert quiet(engine, 2) != []  # the first run and the re-read of what it created
    assert quiet(engine, 1) == []
    saved = tmp_path / "exchange.json"
    save_seed(ews_sim.seed, saved, ews_sim.store)
    restarted = start(saved)
    try:
        again = EwsSide(settings(restarted), ALICE)
        engine = Engine(odoo, again, status, SyncOptions(now=lambda: NOW))
        # The same server: the stored SyncState still answers, with nothing to do.
        assert quiet(engine, 1) == []
        operations = [o for o in restarted.journal.operations("ews") if o != "Authenticate"]
        assert operations == ["SyncFolderItems"]  # (NTLM's handshake on a new connection apart)
        # A server that no longer knows the state: read in full and paired by identity (and
        # by item id for Outlook's entry); nothing is created, nothing deleted.
        restarted.store.expire_change_log(ALICE)
        report = engine.run()
        assert report.aborted is None and not report.errors
        assert "remote" in report.rebaselined
        assert not any(action in ("create", "delete") for (_, action) in report.counts)
        assert restarted.store.count(ALICE) == 4 and len(odoo.items) == 4
        assert quiet(engine, 2) == []
    finally:
        restarted.stop()


def test_10_exchange_2007_sp1_series_through_the_workaround_module():
    from ews_support import SEED, assert_schema_clean, settings, start
    from exchangelib.recurrence import WeeklyPattern
    from exchangelib.util import xml_to_str
    from exchangelib.version import Build, Version

    from calendar_exchange_sync.sync.ews import EwsSide, exchange2007
    from calendar_exchange_sync.sync.items import Occurrence, Recurrence

    exchange2007.apply()  # applied on import already; applying again changes nothing
    pattern = WeeklyPattern(interval=1, weekdays=[1])
    old, new = Version(Build(8, 1), "Exchange2007_SP1"), Version(Build(15, 1), "Exchange2016")
    assert "FirstDayOfWeek" not in xml_to_str(pattern.to_xml(version=old))
    assert "FirstDayOfWeek" in xml_to_str(pattern.to_xml(version=new))

    sim = start(dict(SEED, server={"version": "Exchange2007_SP1", "domain": "CONTOSO"}))
    try:
        side = EwsSide(settings(sim, version="Exchange2007_SP1"), ALICE)
        first = utc(2026, 3, 2, 8)
        moved = CalendarItem("Weekly (moved)", utc(2026, 3, 9, 13), utc(2026, 3, 9, 14),
                             timezone="Europe/Berlin", organizer=ALICE)  # fmt: skip
        series = CalendarItem(
            "Weekly", first, utc(2026, 3, 2, 9), timezone="Europe/Berlin", organizer=ALICE,
            recurrence=Recurrence("FREQ=WEEKLY;COUNT=6;BYDAY=MO",
                                  (Occurrence(utc(2026, 3, 9, 8), moved),),
                                  frozenset({utc(2026, 3, 16, 8)})),
        )  # fmt: skip
        [created] = side.create([("calendar.recurrence,7", series)])
        assert created.ok, created.error
        fetched = side.fetch([created.remote.id])[created.remote.id]
        assert fetched.item == series, fetched.item.changed_fields(series)
        [stored] = sim.store.items(ALICE)
        assert stored.start_tz == "W. Europe Standard Time"
        later = series.replace(subject="Weekly, renamed")
        [updated] = side.update([(created.remote.id, fetched.version, later)])
        assert updated.ok, updated.error
        assert side.fetch([created.remote.id])[created.remote.id].item == later
        assert_schema_clean(sim)
    finally:
        sim.stop()
