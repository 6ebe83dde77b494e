"""The EWS contacts side against the simulator, with exchangelib's own Contact: the mapping both
ways, the "Odoo" folder, minimal updates that leave Outlook's other fields alone, deletions,
and the engine's initial pairing over the wire."""

from datetime import datetime, timezone

import pytest
from ews_support import ALICE, ews_sim_fixture, settings  # noqa: F401 - a fixture
from exchangelib import Contact
from exchangelib.indexed_properties import EmailAddress, PhoneNumber, PhysicalAddress

from calendar_exchange_sync.sync.contacts import Address, ContactItem, contact_options
from calendar_exchange_sync.sync.engine import Engine, Window
from calendar_exchange_sync.sync.ews.contacts import EwsContactsSide
from calendar_exchange_sync.sync.testing import IndexedMemoryStatusStore, MemorySide

WINDOW = Window(datetime(2026, 1, 1, tzinfo=timezone.utc))
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


@pytest.fixture(name="contacts")
def contacts_fixture(ews_sim):
    return EwsContactsSide(settings(ews_sim), ALICE)


def odoo_folder(sim):
    folders = sim.store.contact_folders(ALICE)
    return next(fid for fid, info in folders.items() if info["name"] == "Odoo")


def test_mapping_both_ways_in_the_odoo_folder(ews_sim, contacts):
    first = contacts.list_changes(None, WINDOW)
    assert first.complete and not first.changed
    [created] = contacts.create([("res.partner,7", MARY)])
    assert created.ok
    stored = ews_sim.store.get_item(ALICE, created.remote.id)
    assert stored.folder_id == odoo_folder(ews_sim)  # never the user's own Contacts folder
    assert (stored.given_name, stored.middle_name, stored.surname) == ("Mary", "Ann", "Smith")
    assert stored.file_as == "Smith, Mary" and stored.display_name == "Mary Ann Smith"
    assert stored.emails == {
        "EmailAddress1": "mary@acme.example",
        "EmailAddress2": "mary.smith@home.example",
    }
    assert stored.phones == {"BusinessPhone": "+46 8 123 45", "MobilePhone": "+46 70 111 22"}
    assert stored.addresses["Business"]["street"] == "Main 1\nFloor 2"
    assert stored.addresses["Business"]["country"] == "Sweden"
    assert stored.business_home_page == "http://www.acme.example"
    changes = contacts.list_changes(first.token, WINDOW)
    assert set(changes.changed) == {created.remote.id}
    got = contacts.fetch([created.remote.id])[created.remote.id]
    assert got.item == MARY and got.identity == "res.partner,7"
    assert contacts.find_by_identity(["res.partner,7", "res.partner,8"]) == {
        "res.partner,7": created.remote
    }


def test_outlook_contact_reads_with_exchangelib(ews_sim, contacts):
    """A contact as Outlook writes it (exchangelib plays Outlook) reads as the same card."""
    contacts.list_changes(None, WINDOW)
    account = contacts.account
    outlook = Contact(
        account=account,
        folder=contacts.folder(),
        display_name="Per Olsson",
        given_name="Per",
        surname="Olsson",
        company_name="Volvo",
        job_title="Engineer",
        email_addresses=[EmailAddress(label="EmailAddress1", email="Per@Volvo.example")],
        phone_numbers=[
            PhoneNumber(label="MobilePhone", phone_number="070-1"),
            PhoneNumber(label="HomePhone", phone_number="031-2"),
        ],
        physical_addresses=[
            PhysicalAddress(label="Business", street="Gata 3", city="Göteborg", country="SE"),
            PhysicalAddress(label="Home", street="Hem 4", city="Borås"),
        ],
        body="Call after 9",
        categories=["Supplier"],
    )
    outlook.save()
    item = contacts.fetch([outlook.id])[outlook.id].item
    assert item == ContactItem(
        name="Per Olsson",
        company="Volvo",
        job_title="Engineer",
        emails=("per@volvo.example",),
        mobile_phone="070-1",
        address=Address(street="Gata 3", city="Göteborg", country="SE"),
        notes="Call after 9",
        categories=("Supplier",),
    )


def test_update_writes_only_what_changed_and_leaves_the_rest(ews_sim, contacts):
    contacts.list_changes(None, WINDOW)
    [created] = contacts.create([("res.partner,7", MARY)])
    remote_id = created.remote.id
    # The user adds a home phone, a home address and a nickname in Outlook.
    stored = ews_sim.store.get_item(ALICE, remote_id)
    ews_sim.store.update_contact(
        ALICE,
        remote_id,
        {
            "phones": {**stored.phones, "HomePhone": "08-999"},
            "addresses": {**stored.addresses, "Home": {"street": "Home 9", "city": "Malmö"}},
            "nickname": "Mimi",
        },
    )
    got = contacts.fetch([remote_id])[remote_id]
    assert got.item == MARY  # nothing we map changed
    wanted = MARY.replace(job_title="Head of purchasing", mobile_phone="", emails=MARY.emails[:1])
    [result] = contacts.update([(remote_id, got.version, wanted)])
    assert result.ok
    after = ews_sim.store.get_item(ALICE, remote_id)
    assert after.job_title == "Head of purchasing"
    assert after.phones == {"BusinessPhone": "+46 8 123 45", "HomePhone": "08-999"}
    assert after.emails == {"EmailAddress1": "mary@acme.example"}
    assert after.addresses["Home"] == {"street": "Home 9", "city": "Malmö"}
    assert after.nickname == "Mimi" and after.given_name == "Mary"
    assert contacts.fetch([remote_id])[remote_id].item == wanted
    # A stale change key is refused, never overwritten.
    [stale] = contacts.update([(remote_id, got.version, MARY)])
    assert not stale.ok and type(stale.error).__name__ == "StaleVersion"


def test_delete_goes_to_deleted_items_and_is_reported(ews_sim, contacts):
    first = contacts.list_changes(None, WINDOW)
    [created] = contacts.create([("res.partner,7", MARY)])
    second = contacts.list_changes(first.token, WINDOW)
    version = second.changed[created.remote.id]
    [stale] = contacts.delete([(created.remote.id, "not-the-key")])
    assert not stale.ok
    [done] = contacts.delete([(created.remote.id, version)])
    assert done.ok
    assert ews_sim.store.folder_of(ALICE, next(iter(_deleted(ews_sim)))) == "deleteditems"
    assert contacts.list_changes(second.token, WINDOW).removed == {created.remote.id}


def _deleted(sim):
    return [i.id for i in sim.store.items(ALICE, "deleteditems")]


def test_quiet_run_is_one_request_and_a_deleted_folder_starts_over(ews_sim, contacts):
    local = MemorySide("odoo", "L")
    local.filter_window = False
    store = IndexedMemoryStatusStore()
    local.user_create(MARY)
    engine = Engine(local, contacts, store, contact_options())
    assert engine.run().get("remote", "create") == 1
    assert engine.run().writes == 0  # reads the new contact once more (a create is verified)
    ews_sim.journal.clear()
    fresh = EwsContactsSide(settings(ews_sim), ALICE)  # the next run: a new side
    assert Engine(local, fresh, store, contact_options()).run().writes == 0
    assert ews_sim.journal.operations("ews") == ["SyncFolderItems"]
    # The user deletes the whole Odoo folder: the run starts over; the guard keeps Odoo whole.
    ews_sim.store.delete_contact_folder(ALICE, odoo_folder(ews_sim))
    report = Engine(
        local, EwsContactsSide(settings(ews_sim), ALICE), store, contact_options()
    ).run()
    assert report.rebaselined == ["remote"] and report.aborted is not None
    assert len(local.items) == 1


def test_initial_pairing_over_the_wire(ews_sim, contacts):
    contacts.list_changes(None, WINDOW)
    contacts.create([(None, ContactItem(name="Mary Smith", emails=("MARY@acme.example",)))])
    local = MemorySide("odoo", "L")
    local.filter_window = False
    local.user_create(MARY)
    store = IndexedMemoryStatusStore()
    report = Engine(
        local, EwsContactsSide(settings(ews_sim), ALICE), store, contact_options()
    ).run()
    assert report.matched == 1 and report.ok
    assert len(ews_sim.store.contacts(ALICE, odoo_folder(ews_sim))) == 1


def test_main_contacts_folder_when_chosen(ews_sim):
    side = EwsContactsSide(settings(ews_sim), ALICE, folder_name=None)
    first = side.list_changes(None, WINDOW)
    [created] = side.create([("res.partner,1", MARY)])
    main = ews_sim.store.contacts_folder_id(ALICE)
    assert ews_sim.store.get_item(ALICE, created.remote.id).folder_id == main
    again = EwsContactsSide(settings(ews_sim), ALICE, folder_name=None)
    assert set(again.list_changes(first.token, WINDOW).changed) == {created.remote.id}
