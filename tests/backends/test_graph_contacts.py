"""The Graph contacts side against the simulator over HTTPS, and the raw Graph calls Outlook's
clients make: the mapping both ways, the "Odoo" contact folder, minimal PATCHes that keep the
other details, If-Match, delta, the permission, and the engine's pairing over the wire."""

from datetime import UTC, datetime

import pytest
import requests
from graph_support import ALICE, running, seed, settings_for

from calendar_exchange_sync.sync.contacts import Address, ContactItem, contact_options
from calendar_exchange_sync.sync.engine import Engine, Window
from calendar_exchange_sync.sync.errors import ConsentRequired, ImpersonationDenied
from calendar_exchange_sync.sync.graph.contacts import GraphContactsSide
from calendar_exchange_sync.sync.testing import IndexedMemoryStatusStore, MemorySide

PERMISSIONS = ["Calendars.ReadWrite", "Contacts.ReadWrite"]
WINDOW = Window(datetime(2026, 1, 1, tzinfo=UTC))
MARY = ContactItem(
    name="Mary Ann Smith",
    company="Acme AB",
    job_title="Buyer",
    emails=("mary@acme.example", "mary.smith@home.example"),
    business_phone="+46 8 123 45",
    mobile_phone="+46 70 111 22",
    address=Address(street="Main 1\nFloor 2", city="Lund", zip="222 22", country="Sweden"),
    website="www.acme.example",
    notes="Met at the fair.\nLikes tea.",
    categories=("Customer", "VIP"),
)


@pytest.fixture(name="sim")
def sim_fixture():
    with running(seed(permissions=PERMISSIONS)) as sim:
        yield sim


def side(sim, **kw):
    return GraphContactsSide(settings_for(sim), ALICE, **kw)


class Outlook:
    """Raw Graph as a client (Outlook on the web, a script) calls it."""

    def __init__(self, sim, contacts_side):
        self.client = contacts_side.client
        self.base = self.client.base + "/users/" + ALICE

    def call(self, method, path, **kw):
        token = self.client.token()
        response = requests.request(
            method,
            self.base + path,
            headers={
                "Authorization": "Bearer " + token,
                "Prefer": 'IdType="ImmutableId"',
                **kw.pop("headers", {}),
            },
            verify=self.client.settings.verify,
            timeout=10,
            **kw,
        )
        return response.status_code, (response.json() if response.content else None)


def odoo_folder(sim):
    folders = sim.store.contact_folders(ALICE)
    return next(fid for fid, info in folders.items() if info["name"] == "Odoo")


def test_mapping_both_ways_in_the_odoo_folder(sim):
    contacts = side(sim)
    first = contacts.list_changes(None, WINDOW)
    assert first.complete and not first.changed
    [created] = contacts.create([("res.partner,7", MARY)])
    assert created.ok
    stored = sim.store.get_item(ALICE, next(iter(_ids(sim))))
    assert stored.folder_id == odoo_folder(sim)
    assert (stored.given_name, stored.middle_name, stored.surname) == ("Mary", "Ann", "Smith")
    assert stored.file_as == "Smith, Mary"
    assert stored.phones == {"BusinessPhone": "+46 8 123 45", "MobilePhone": "+46 70 111 22"}
    assert stored.addresses["Business"]["country"] == "Sweden"
    again = side(sim)
    changes = again.list_changes(first.token, WINDOW)
    assert set(changes.changed) == {created.remote.id} and not changes.complete
    assert again.fetch([created.remote.id])[created.remote.id].item == MARY
    fresh = side(sim)
    fresh.list_changes(changes.token, WINDOW)
    got = fresh.fetch([created.remote.id])[created.remote.id]  # read with $batch
    assert got.item == MARY and got.identity == "res.partner,7"
    assert fresh.find_by_identity(["res.partner,7", "res.partner,8"]) == {
        "res.partner,7": created.remote
    }


def _ids(sim):
    return [c.id for c in sim.store.contacts(ALICE, odoo_folder(sim))]


def test_raw_graph_contact_reads_as_the_card_and_patch_keeps_the_rest(sim):
    contacts = side(sim)
    first = contacts.list_changes(None, WINDOW)
    outlook = Outlook(sim, contacts)
    folder = contacts.folder_id
    status, body = outlook.call(
        "POST",
        "/contactFolders/%s/contacts" % folder,
        json={
            "givenName": "Per",
            "surname": "Olsson",
            "companyName": "Volvo",
            "emailAddresses": [{"address": "Per@Volvo.example", "name": "Per"}],
            "businessPhones": ["031-1", "031-9"],
            "homePhones": ["031-2"],
            "mobilePhone": "070-1",
            "businessAddress": {"street": "Gata 3", "city": "Göteborg", "countryOrRegion": "SE"},
            "homeAddress": {"street": "Hem 4", "city": "Borås"},
            "personalNotes": "Call after 9",
            "nickName": "Pelle",
        },
    )
    assert status == 201
    changes = contacts.list_changes(first.token, WINDOW)
    got = contacts.fetch([body["id"]])[body["id"]]
    assert got.item == ContactItem(
        name="Per Olsson",
        company="Volvo",
        emails=("per@volvo.example",),
        business_phone="031-1",
        mobile_phone="070-1",
        address=Address(street="Gata 3", city="Göteborg", country="SE"),
        notes="Call after 9",
    )
    wanted = got.item.replace(job_title="Engineer", business_phone="031-5")
    [done] = contacts.update([(body["id"], changes.changed[body["id"]], wanted)])
    assert done.ok
    status, after = outlook.call("GET", "/contacts/%s" % body["id"])
    assert after["jobTitle"] == "Engineer"
    assert after["businessPhones"] == ["031-5", "031-9"]  # the second number stays
    assert after["homePhones"] == ["031-2"] and after["nickName"] == "Pelle"
    assert after["homeAddress"]["city"] == "Borås" and after["givenName"] == "Per"
    # The version we knew is stale now: refused with 412, never overwritten.
    [stale] = contacts.update([(body["id"], got.version, wanted.replace(job_title="X"))])
    assert not stale.ok and type(stale.error).__name__ == "StaleVersion"


def test_delete_and_delta_removal(sim):
    contacts = side(sim)
    first = contacts.list_changes(None, WINDOW)
    [created] = contacts.create([("res.partner,7", MARY)])
    second = side(sim).list_changes(first.token, WINDOW)
    version = second.changed[created.remote.id]
    [stale] = contacts.delete([(created.remote.id, 'W/"other"')])
    assert not stale.ok
    [done] = contacts.delete([(created.remote.id, version)])
    assert done.ok
    assert side(sim).list_changes(second.token, WINDOW).removed == {created.remote.id}


def test_quiet_run_is_one_request(sim):
    local = MemorySide("odoo", "L")
    local.filter_window = False
    local.user_create(MARY)
    store = IndexedMemoryStatusStore()
    for _ in range(2):
        Engine(local, side(sim), store, contact_options()).run()
    quiet = side(sim)
    quiet.client.token()  # the token comes from msal's cache in production; not counted
    before = quiet.client.requests
    report = Engine(local, quiet, store, contact_options()).run()
    assert report.ok and report.writes == 0
    assert quiet.client.requests - before == 1


def test_initial_pairing_over_the_wire_and_main_folder(sim):
    main = side(sim, folder_name=None)
    main.list_changes(None, WINDOW)
    main.create([(None, ContactItem(name="Mary Smith", emails=("MARY@acme.example",)))])
    assert sim.store.contacts(ALICE)  # in the user's own Contacts folder
    local = MemorySide("odoo", "L")
    local.filter_window = False
    local.user_create(MARY)
    store = IndexedMemoryStatusStore()
    report = Engine(local, side(sim, folder_name=None), store, contact_options()).run()
    assert report.matched == 1 and report.ok and len(sim.store.contacts(ALICE)) == 1


def test_contacts_need_their_permission():
    with running(seed(permissions=["Calendars.ReadWrite"])) as sim:
        with pytest.raises((ConsentRequired, ImpersonationDenied)):
            side(sim).list_changes(None, WINDOW)


def test_many_identities_are_found_in_one_paged_listing(sim):
    writer = side(sim)
    writer.list_changes(None, WINDOW)
    made = {}
    for start in (0, 20):  # a $batch holds 20 requests at most
        batch = [
            ("res.partner,%d" % n, ContactItem(name="Contact %d" % n))
            for n in range(start, start + 20)
        ]
        for (identity, _item), result in zip(batch, writer.create(batch), strict=True):
            assert result.ok, result.error
            made[identity] = result.remote.id
    reader = side(sim)
    reader.list_changes(None, WINDOW)
    before = reader.client.requests
    found = reader.find_by_identity([*made, "res.partner,999"])
    assert {identity: remote.id for identity, remote in found.items()} == made
    assert reader.client.requests - before == 1  # one listing, not a search per identity
    again = reader.find_by_identity(["res.partner,3"])  # kept for the run
    assert again["res.partner,3"].id == made["res.partner,3"]
    assert reader.client.requests - before == 1
