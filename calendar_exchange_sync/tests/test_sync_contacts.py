"""Contacts end to end, on Exchange Server (EWS) and Office 365 (Graph): initial pairing without
duplicates, edits both ways, deletions in Outlook of contacts Odoo uses, two users sharing a
contact, "Odoo is the master for contacts", and what a colleague's Outlook can never do."""

from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..sync.contacts import Address
from .contacts_common import EwsContactsCase, GraphContactsCase
from .sync_common import ALICE, BOB, in_days, naive


class ContactsBehaviour:
    def partner(self, **values):
        values.setdefault("user_id", self.alice.id)
        return self.Partner.create(values)

    def test_initial_pairing_without_duplicates(self):
        mary = self.partner(name="Mary Smith", email="mary@acme.example", function="Buyer")
        bob_stone = self.partner(name="Bob Stone", phone="+1 555 0100")
        self.partner(name="Mary S.", email="mary@acme.example")  # same e-mail, another contact
        self.outlook_add(ALICE, name="Mary Smith", emails=("MARY@acme.example",))
        self.outlook_add(ALICE, name="Bob  Stone", mobile_phone="1-555-0100")
        self.outlook_add(
            ALICE,
            name="Per Olsson",
            company="Volvo",
            emails=("per@volvo.example", "per@home.example"),
            address=Address(street="Gata 3\nPlan 2", city="Göteborg", country="SE"),
            notes="<b>Call</b> after 9",
            categories=("Supplier",),
        )
        log = self.sync_contacts(self.alice)
        # Paired: what only one side knew fills the other (Mary's job, Bob's two phones).
        self.assertContactsSynced(
            log, matched=2, exchange_created=1, odoo_created=1, exchange_updated=2, odoo_updated=1
        )
        self.assertEqual(self.Partner.search_count([("email", "=ilike", "mary@acme.example")]), 2)
        self.assertEqual(len(self.outlook_contacts(ALICE)), 4)
        self.assertEqual(self.outlook_contact(ALICE, "Mary Smith").job_title, "Buyer")
        per = self.Partner.search([("name", "=", "Per Olsson")])
        self.assertEqual(per.parent_id.name, "Volvo")
        self.assertTrue(per.parent_id.is_company)
        self.assertEqual(
            (per.email, per.exchange_email2), ("per@volvo.example", "per@home.example")
        )
        self.assertEqual((per.street, per.street2, per.city), ("Gata 3", "Plan 2", "Göteborg"))
        self.assertEqual(per.country_id.code, "SE")
        self.assertEqual(per.category_id.mapped("name"), ["Supplier"])
        self.assertNotIn("<b>", per.comment)  # Outlook's text, escaped: never taken as HTML
        self.assertEqual(per.exchange_contact_user_id, self.alice)
        self.assertEqual(mary.function, "Buyer")
        self.assertEqual(
            (bob_stone.phone, bob_stone.exchange_mobile), ("+1 555 0100", "1-555-0100")
        )
        self.sync_contacts(self.alice)  # the country reads back as Sweden: written once
        self.assertContactsSynced(self.sync_contacts(self.alice))

    def test_edits_travel_both_ways_and_merge(self):
        mary = self.partner(name="Mary Ann Smith", email="mary@acme.example")
        self.sync_contacts(self.alice)
        self.sync_contacts(self.alice)
        remote = self.outlook_contact(ALICE, "Mary Ann Smith")
        self.assertEqual(
            (remote.given_name, remote.middle_name, remote.surname), ("Mary", "Ann", "Smith")
        )
        mary.function = "Head of purchasing"
        self.outlook_edit(ALICE, remote.id, phones={**remote.phones, "MobilePhone": "070-1"})
        log = self.sync_contacts(self.alice)
        self.assertContactsSynced(log, odoo_updated=1, exchange_updated=1)
        self.assertEqual(mary.exchange_mobile, "070-1")
        after = self.outlook_contact(ALICE, "Mary Ann Smith")
        self.assertEqual(after.job_title, "Head of purchasing")
        self.assertEqual(after.phones.get("MobilePhone"), "070-1")
        self.assertContactsSynced(self.sync_contacts(self.alice))

    def test_deleting_in_outlook_keeps_contacts_odoo_uses(self):
        used_id = self.outlook_add(ALICE, name="Used Contact", emails=("used@x.example",))
        self.outlook_add(ALICE, name="Unused Contact", emails=("unused@x.example",))
        self.sync_contacts(self.alice)
        used = self.Partner.search([("name", "=", "Used Contact")])
        unused = self.Partner.search([("name", "=", "Unused Contact")])
        # The contact is an attendee of a meeting (calendar.attendee refers to it).
        start = in_days(3, 10)
        self.env["calendar.event"].with_user(self.alice).create(
            {
                "name": "Supplier meeting",
                "start": naive(start),
                "stop": naive(start + timedelta(hours=1)),
                "partner_ids": [(6, 0, [self.alice.partner_id.id, used.id])],
            }
        )
        self.sync_contacts(self.alice)
        unused_remote = self.outlook_contact(ALICE, "Unused Contact")
        self.outlook_delete(ALICE, used_id)
        self.outlook_delete(ALICE, unused_remote.id)
        log = self.sync_contacts(self.alice)
        self.assertContactsSynced(log, odoo_deleted=2)
        self.assertTrue(used.exists() and used.active)
        self.assertIn(self.alice, used.exchange_contact_stopped_user_ids)
        self.assertFalse(unused.exists())
        # Kept in Odoo but no longer in Alice's folder, and never sent there again.
        self.assertContactsSynced(self.sync_contacts(self.alice))
        self.assertFalse(self.outlook_contacts(ALICE))
        # An administrator takes Alice off the contact's list: it goes back to her Outlook.
        used.exchange_contact_stopped_user_ids = [(3, self.alice.id)]
        self.assertContactsSynced(self.sync_contacts(self.alice), exchange_created=1)
        back = self.outlook_contact(ALICE, "Used Contact")
        self.assertEqual(back.emails.get("EmailAddress1"), "used@x.example")

    def test_the_deletion_guard_keeps_contacts_emptied_in_outlook(self):
        ids = [
            self.outlook_add(ALICE, name="Contact %d" % n, emails=("c%d@x.example" % n,))
            for n in range(6)
        ]
        self.sync_contacts(self.alice)
        made = self.Partner.search([("exchange_contact_user_id", "=", self.alice.id)])
        self.assertEqual(len(made), 6)
        for contact_id in ids:
            self.outlook_delete(ALICE, contact_id)
        log = self.sync_contacts(self.alice)
        self.assertEqual(log.state, "stopped", log.message)
        self.assertEqual(log.odoo_deleted, 0)
        self.assertEqual(len(made.exists()), 6)
        # The administrator confirms: the run deletes them (nothing in Odoo uses them).
        self.sync(self.alice, force_deletions=True)
        self.assertFalse(made.exists())

    def test_archiving_or_deleting_in_odoo_removes_from_outlook(self):
        gone = self.partner(name="Old Customer", email="old@x.example")
        deleted = self.partner(name="Wrong Entry", email="wrong@x.example")
        self.sync_contacts(self.alice)
        self.assertEqual(len(self.outlook_contacts(ALICE)), 2)
        gone.active = False
        deleted.unlink()
        log = self.sync_contacts(self.alice)
        self.assertContactsSynced(log, exchange_deleted=2)
        self.assertFalse(self.outlook_contacts(ALICE))

    def test_two_users_share_a_contact(self):
        self.company.exchange_contacts_scope = "tag"
        tag = self.env["res.partner.category"].create({"name": "Key account"})
        for user in (self.alice, self.bob):
            user.with_user(user).exchange_contacts_tag_id = tag
        shared = self.Partner.create(
            {"name": "Shared Client", "email": "client@x.example", "category_id": [(6, 0, tag.ids)]}
        )
        self.sync_contacts(self.alice)
        self.sync_contacts(self.bob)
        self.assertEqual(len(self.outlook_contacts(ALICE)), 1)
        remote = self.outlook_contact(BOB, "Shared Client")
        self.assertEqual(remote.categories, ["Key account"])
        self.outlook_edit(BOB, remote.id, job_title="CTO")
        self.sync_contacts(self.bob)
        self.assertEqual(shared.function, "CTO")
        self.assertTrue(self.mailbox(self.alice).needs_sync)  # Alice's Outlook is due
        self.sync_contacts(self.alice)
        self.assertEqual(self.outlook_contact(ALICE, "Shared Client").job_title, "CTO")
        # Bob deletes it in his Outlook: Odoo keeps it (Alice has it), Bob stops syncing it.
        self.outlook_delete(BOB, remote.id)
        self.sync_contacts(self.bob)
        self.assertTrue(shared.exists())
        self.assertEqual(len(self.outlook_contacts(ALICE)), 1)

    def test_odoo_is_master(self):
        self.company.exchange_contacts_master = True
        mary = self.partner(name="Mary Smith", email="mary@acme.example", function="Buyer")
        self.sync_contacts(self.alice)
        self.sync_contacts(self.alice)
        remote = self.outlook_contact(ALICE, "Mary Smith")
        self.outlook_edit(ALICE, remote.id, job_title="Changed in Outlook")
        log = self.sync_contacts(self.alice)
        self.assertContactsSynced(log, exchange_updated=1)
        self.assertEqual(mary.function, "Buyer")
        self.assertEqual(self.outlook_contact(ALICE, "Mary Smith").job_title, "Buyer")
        self.assertEqual(log.line_ids.mapped("subject"), ["Mary Smith"])
        self.assertIn("Odoo", log.line_ids.message)
        # A deletion in Outlook comes back too.
        self.outlook_delete(ALICE, remote.id)
        self.assertContactsSynced(self.sync_contacts(self.alice), exchange_created=1)
        self.assertTrue(mary.exists() and mary.active)

    def test_outlook_cannot_overwrite_what_its_user_may_not_edit(self):
        # Bob's own contact card, with Alice as salesperson: in her Outlook, never hers to edit.
        self.bob.partner_id.user_id = self.alice
        self.sync_contacts(self.alice)
        self.sync_contacts(self.alice)
        remote = self.outlook_contact(ALICE, "Bob")
        self.outlook_edit(ALICE, remote.id, job_title="Intern", display_name="Bobby")
        self.sync_contacts(self.alice)
        self.assertFalse(self.bob.partner_id.function)
        self.assertEqual(self.sim.store.get_item(ALICE, remote.id).job_title, "")
        # Another company's contact never reaches Alice's mailbox.
        self.Partner.create(
            {"name": "Secret", "user_id": self.alice.id, "company_id": self.other_company.id}
        )
        self.sync_contacts(self.alice)
        self.assertNotIn("Secret", [c.display_name for c in self.outlook_contacts(ALICE)])


@tagged("post_install", "-at_install")
class TestContactsEws(ContactsBehaviour, EwsContactsCase):
    allow_inherited_tests_method = True  # Odoo's loader takes the mixin's tests then


@tagged("post_install", "-at_install")
class TestContactsGraph(ContactsBehaviour, GraphContactsCase):
    allow_inherited_tests_method = True


@tagged("post_install", "-at_install")
class TestContactsSwitch(EwsContactsCase):
    def test_only_the_user_switches_contacts_on(self):
        self.alice.with_user(self.alice).exchange_contacts_enabled = False
        with self.assertRaises(AccessError):
            self.alice.with_user(self.admin).exchange_contacts_enabled = True
        with self.assertRaises(AccessError):
            self.alice.with_user(self.bob).exchange_contacts_tag_id = self.env[
                "res.partner.category"
            ].create({"name": "Bob's pick"})
        with self.assertRaises(AccessError):
            self.env["res.users"].with_user(self.admin).create(
                {"name": "New", "login": "new_contacts", "exchange_contacts_enabled": True}
            )
        copy = self.bob.copy({"login": "bob_copy"})
        self.assertFalse(copy.exchange_contacts_enabled)
        self.alice.with_user(self.alice).exchange_contacts_enabled = True
        self.bob.with_user(self.admin).exchange_contacts_enabled = False  # off: allowed
        self.assertFalse(self.bob.exchange_contacts_enabled)

    def test_a_colleague_cannot_place_a_contact_in_another_outlook(self):
        """Whose Exchange a contact came from always gets it: that is the sync's to say, never
        a colleague's who may edit the contact (nor may they decide whose Outlook it left)."""
        contact = self.env["res.partner"].create({"name": "Planted", "email": "planted@x.example"})
        self.bob.group_ids |= self.env.ref("base.group_partner_manager")
        as_bob = contact.with_user(self.bob)
        as_bob.write({"function": "Buyer"})  # Bob may edit the contact itself
        with self.assertRaises(AccessError):
            as_bob.write({"exchange_contact_user_id": self.alice.id})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.bob).create(
                {"name": "Also planted", "exchange_contact_user_id": self.alice.id}
            )
        with self.assertRaises(AccessError):
            as_bob.write({"exchange_contact_stopped_user_ids": [(4, self.alice.id)]})
        self.sync_contacts(self.alice)
        self.assertFalse(
            [c for c in self.outlook_contacts(ALICE) if c.display_name == "Planted"],
            "nothing Bob tried reached Alice's Outlook",
        )
        # The sync (sudo) records that Alice deleted it; she alone takes herself off the list.
        contact.sudo().exchange_contact_stopped_user_ids = [(4, self.alice.id)]
        with self.assertRaises(AccessError):
            as_bob.write({"exchange_contact_stopped_user_ids": [(3, self.alice.id)]})
        contact.with_user(self.alice).write(
            {"exchange_contact_stopped_user_ids": [(3, self.alice.id)]}
        )
        self.assertFalse(contact.exchange_contact_stopped_user_ids)
