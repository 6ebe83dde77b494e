"""A mailbox synchronised through EWS moves to Exchange Online: its pairs are found again
(identity, UID, translated ids) and the engine carries on through Graph with no duplicate,
no deletion, no invitation; the same for a company that switches protocol on one Exchange."""

import copy
from datetime import datetime, timedelta, timezone

import pytest
from ews_support import ALICE, BOB, SEED, settings

from calendar_exchange_sync.sync.engine import Engine
from calendar_exchange_sync.sync.ews import EwsSide
from calendar_exchange_sync.sync.graph import GraphSettings, GraphSide, delegated, refind
from calendar_exchange_sync.sync.items import Attendee, CalendarItem, Occurrence, Recurrence
from calendar_exchange_sync.sync.migration import StoredPair, repair
from calendar_exchange_sync.sync.recurrence import canonical_rrule
from calendar_exchange_sync.sync.testing import MemorySide, MemoryStatusStore
from exchange_simulator.migration import move_mailbox
from exchange_simulator.simulator import Simulator

UTC = timezone.utc
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
TENANT, CLIENT, SECRET = "0f0e0d0c-1111-2222-3333-444455556666", "client-1", "secret-1"
TENANT_SEED = {
    "tenant_id": TENANT,
    "domains": ["contoso.com"],
    "apps": [
        {"client_id": CLIENT, "client_secret": SECRET, "consented": True,
         "permissions": ["Calendars.ReadWrite"],
         "redirect_uris": ["https://odoo.example.com/calendar_exchange_sync/signin"]}
    ],
}  # fmt: skip


def at(days, hour=9):
    return NOW.replace(hour=hour) + timedelta(days=days)


def single(subject, days, **kwargs):
    return CalendarItem(subject, at(days), at(days, 10), timezone="Europe/Paris",
                        organizer=ALICE, **kwargs)  # fmt: skip


def series(subject, days):
    start = at(days, 8)
    moved = single(subject + " (moved)", days + 7).replace(
        start=start + timedelta(days=7, hours=2), end=start + timedelta(days=7, hours=3)
    )
    return CalendarItem(
        subject, start, start + timedelta(minutes=30), timezone="Europe/Paris", organizer=ALICE,
        recurrence=Recurrence(
            canonical_rrule("FREQ=WEEKLY;COUNT=5", start, "Europe/Paris"),
            exceptions=(Occurrence(start + timedelta(days=7), moved),),
            deleted=frozenset({start + timedelta(days=14)}),
        ),
    )  # fmt: skip


def graph_settings(sim):
    return GraphSettings(
        tenant=TENANT, client_id=CLIENT, client_secret=SECRET, login_url=sim.https_url,
        graph_url=sim.https_url, verify=sim.ca_file, timeout=10, max_wait=2,
    )  # fmt: skip


def synced_through_ews(onprem):
    """Alice's calendar paired with an in-memory Odoo through EWS: entries of both origins."""
    odoo = MemorySide("odoo")
    for number in range(6):
        odoo.user_create(single("Odoo %d" % number, number + 1))
    odoo.user_create(series("Weekly", 2))
    meeting = single("Review", 3, attendees=(Attendee(BOB, "Bob", "none"),))
    odoo.user_create(meeting)
    ews = EwsSide(settings(onprem), ALICE)
    for number in range(4):
        ews.create([(None, single("Outlook %d" % number, number + 2, privacy="private"))])
    ews.create([(None, series("Outlook weekly", 1))])
    store = MemoryStatusStore()
    report = Engine(odoo, ews, store, window_days=30).run()
    assert report.aborted is None and not report.errors, report.errors
    assert len(store.rows) == 13
    return odoo, store


def repair_store(store, side, translate=False):
    pairs = [StoredPair(r.identity, r.remote_id, r.uid) for r in store.rows.values()]
    translated = refind.translate_ids(side, [p.remote_id for p in pairs]) if translate else {}
    result = repair(pairs, refind.listing(side), translated)
    for identity, remote in result.found.items():
        row = store.rows[identity]
        row.remote_id, row.remote_version, row.recheck = remote.id, None, True
    store.tokens.pop("remote", None)
    return result


@pytest.fixture(name="moving")
def moving_fixture():
    onprem_seed = copy.deepcopy(SEED)
    cloud_seed = copy.deepcopy(SEED)
    cloud_seed["tenants"] = [copy.deepcopy(TENANT_SEED)]
    for user in cloud_seed["users"]:
        user["mailbox"] = False
    with (
        Simulator(onprem_seed).start() as onprem,
        Simulator(cloud_seed, https=True).start() as cloud,
    ):
        yield onprem, cloud


def test_a_moved_mailbox_is_re_paired_by_identity_and_uid(moving):
    onprem, cloud = moving
    odoo, store = synced_through_ews(onprem)
    before_odoo = sorted(odoo.contents(), key=lambda i: i.subject)
    before_uids = {i.uid for i in onprem.store.items(ALICE)}
    move_mailbox(onprem, cloud, ALICE)
    cloud.journal.clear()

    graph = GraphSide(graph_settings(cloud), ALICE)
    result = repair_store(store, graph)
    assert result.missing == [] and len(result.found) == 13
    assert result.by_identity == 8 and result.by_uid == 5  # Odoo's entries carry identities
    assert result.translated == 0  # app-only: Graph offers no translateExchangeIds

    report = Engine(odoo, graph, store, window_days=30).run()
    assert report.aborted is None and not report.errors, report.errors
    assert report.writes == 0, report.counts
    assert sorted(odoo.contents(), key=lambda i: i.subject) == before_odoo
    assert {i.uid for i in cloud.store.items(ALICE)} == before_uids
    assert cloud.store.count(ALICE) == 13
    assert cloud.journal.mail() == []  # no invitation, no update, no cancellation
    # Edits travel again, both ways.
    review = next(i for i in cloud.store.items(ALICE) if i.subject == "Outlook 1")
    cloud.store.update_item(ALICE, review.id, {"location": "Room 7"})
    first = next(k for k, v in odoo.items.items() if v.item.subject == "Odoo 0")
    odoo.user_update(first, odoo.items[first].item.replace(subject="Odoo zero"))
    report = Engine(odoo, graph, store, window_days=30).run()
    assert report.aborted is None and not report.errors, report.errors
    assert report.get("local", "update") == 1 and report.get("remote", "update") == 1
    assert "Odoo zero" in {i.subject for i in cloud.store.items(ALICE)}


def test_stored_ews_ids_are_never_sent_to_graph(moving):
    """What went wrong before: the EWS ids reach Graph, and every run fails."""
    onprem, cloud = moving
    odoo, store = synced_through_ews(onprem)
    move_mailbox(onprem, cloud, ALICE)
    store.tokens.pop("remote", None)
    report = Engine(odoo, GraphSide(graph_settings(cloud), ALICE), store, window_days=30).run()
    assert report.aborted is not None and "malformed" in str(report.aborted)
    assert cloud.store.count(ALICE) == 13  # it stopped before creating anything


def test_the_same_exchange_through_graph_translates_ids_for_a_signed_in_user():
    data = copy.deepcopy(SEED)
    data["tenants"] = [copy.deepcopy(TENANT_SEED)]
    with Simulator(data, https=True).start() as sim:
        odoo, store = synced_through_ews(sim)
        before = sorted(odoo.contents(), key=lambda i: i.subject)
        signin = delegated.SignInSettings(
            tenant=TENANT, client_id=CLIENT, client_secret=SECRET,
            redirect_uri="https://odoo.example.com/calendar_exchange_sync/signin",
            login_url=sim.https_url, graph_url=sim.https_url, verify=sim.ca_file,
        )  # fmt: skip
        from test_graph_delegated import browser_signs_in

        url, verifier = delegated.authorization_url(signin, "s")
        answer = browser_signs_in(sim, url, ALICE, "alice-pw")
        tokens = delegated.redeem(signin, answer["code"], verifier)
        graph_cfg = graph_settings(sim)
        side = delegated.DelegatedGraphSide(
            graph_cfg, ALICE, delegated.DelegatedClient(graph_cfg, lambda f: tokens.access_token)
        )
        result = repair_store(store, side, translate=True)
        assert result.translated == 13 and not result.missing
        report = Engine(odoo, side, store, window_days=30).run()
        assert report.aborted is None and not report.errors and report.writes == 0
        assert sorted(odoo.contents(), key=lambda i: i.subject) == before
        assert sim.store.count(ALICE) == 13 and sim.journal.mail() == []
