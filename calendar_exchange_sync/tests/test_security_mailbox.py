"""Issue 9, point 1: a user can only ever sync the mailbox an administrator gave them.

Every way an e-mail or login can change is tried by the user it belongs to (Preferences), by an
administrator (the user form, import), by the portal's "My account" (a sudo write of the
partner) and by another flow writing under sudo: none of them moves the mailbox.
"""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import ExchangeSyncCase
from .security_common import ALICE, SecuritySimulatorCase
from .sync_common import BOB

PREFERENCES = "base.view_users_form_simple_modif"


@tagged("post_install", "-at_install")
class TestMailboxIsTheAdministrators(ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        self.enable_on_premises()

    def test_a_new_users_mailbox_is_the_address_its_administrator_typed(self):
        form = Form(self.env["res.users"].with_user(self.admin), view="base.view_users_form")
        form.name = "Carl"
        form.login = "Carl@Example.com"
        carl = form.save()
        self.assertEqual(carl.exchange_mailbox, "carl@example.com")
        # An address another user already synchronises is left for the administrator.
        dup = (
            self.env["res.users"]
            .with_user(self.admin)
            .create({"name": "Not Alice", "login": "not_alice", "email": "ALICE@example.com"})
        )
        self.assertFalse(dup.exchange_mailbox)
        self.assertEqual(self.alice.exchange_mailbox, "alice@example.com")
        # A user created by someone who is no Settings administrator gets none.
        manager = new_test_user(
            self.env,
            login="rights",
            groups="base.group_user,base.group_erp_manager,base.group_partner_manager",
        )
        other = (
            self.env["res.users"]
            .with_user(manager)
            .create({"name": "Erin", "login": "erin@example.com", "email": "erin@example.com"})
        )
        self.assertFalse(other.exchange_mailbox)

    def test_preferences_cannot_move_the_mailbox(self):
        bob = self.bob.with_user(self.bob)
        form = Form(bob, view=PREFERENCES)
        with self.assertRaises(AssertionError):  # shown read-only
            form.exchange_mailbox = "alice@example.com"
        form.email = "alice@example.com"
        form.save()
        self.assertEqual(self.bob.email, "alice@example.com")
        self.assertEqual(self.bob.exchange_mailbox, "bob@example.com")
        for attempt in (bob, bob.sudo()):  # sudo keeps the real user: Bob
            with self.assertRaises(AccessError):
                attempt.write({"exchange_mailbox": "alice@example.com"})
        self.assertEqual(self.bob.exchange_mailbox, "bob@example.com")

    def test_no_change_of_email_or_login_moves_the_mailbox(self):
        bob_id = str(self.bob.id)
        ways = {
            "user form": lambda: self._admin_form_sets_email("ceo@example.com"),
            "import": lambda: (
                self.env["res.users"]
                .with_user(self.admin)
                .load([".id", "email", "login"], [[bob_id, "ceo2@example.com", "ceo2@example.com"]])
            ),
            "portal My account": lambda: self.bob.partner_id.sudo().write(
                {"email": "ceo3@example.com"}
            ),
            "partner form": lambda: self.bob.partner_id.with_user(self.admin).write(
                {"email": "ceo4@example.com"}
            ),
            "sudo write of another flow": lambda: (
                self.bob.with_user(self.bob)
                .sudo()
                .write({"email": "ceo5@example.com", "login": "ceo5@example.com"})
            ),
        }
        for way, change in ways.items():
            with self.subTest(way=way):
                before = self.bob.email
                result = change()
                if isinstance(result, dict):  # load(): no error message
                    self.assertFalse(result["messages"], result["messages"])
                self.env.invalidate_all()
                self.assertNotEqual(self.bob.email, before, "the change did happen")
                self.assertEqual(self.bob.exchange_mailbox, "bob@example.com")

    def _admin_form_sets_email(self, address):
        form = Form(self.bob.with_user(self.admin), view="base.view_users_form")
        form.login = address
        form.save()

    def test_an_email_forged_before_sync_is_allowed_gives_nothing(self):
        # Before the company enables Exchange, Bob makes his e-mail the CEO's, and Dan (created
        # without a mailbox) makes his Alice's. Then the administrator enables Exchange and
        # fills in mailboxes from the e-mails present: neither gets anybody else's mailbox.
        self.company.exchange_enabled = False
        dan = self.env["res.users"].create({"name": "Dan", "login": "dan", "email": "x@x.example"})
        dan.exchange_mailbox = False
        self.bob.with_user(self.bob).write({"email": "ceo@example.com"})
        dan.with_user(dan).write({"email": "alice@example.com"})
        self.enable_on_premises()
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        settings.action_exchange_fill_mailboxes()
        self.assertEqual(self.bob.exchange_mailbox, "bob@example.com")
        self.assertFalse(dan.exchange_mailbox, "Alice's e-mail is Alice's mailbox")
        with self.assertRaisesRegex(UserError, "ask your administrator"):
            dan.with_user(dan).exchange_sync_enabled = True
        # Two users with one e-mail: the administrator decides, not the first to come.
        eve = self.env["res.users"].create({"name": "Eve", "login": "eve", "email": "e@e.example"})
        fay = self.env["res.users"].create({"name": "Fay", "login": "fay", "email": "f@f.example"})
        (eve | fay).exchange_mailbox = False
        (eve | fay).write({"email": "shared@example.com"})
        settings.action_exchange_fill_mailboxes()
        self.assertFalse(eve.exchange_mailbox or fay.exchange_mailbox)

    def test_two_users_never_share_a_mailbox(self):
        with self.assertRaisesRegex(ValidationError, "already synchronised by"):
            self.bob.with_user(self.admin).exchange_mailbox = " ALICE@Example.com "
        self.bob.with_user(self.admin).exchange_mailbox = " Robert@Example.COM "
        self.assertEqual(self.bob.exchange_mailbox, "robert@example.com")
        with self.assertRaisesRegex(ValidationError, "not an e-mail address"):
            self.bob.with_user(self.admin).exchange_mailbox = "robert, alice@example.com"

    def test_a_new_mailbox_switches_sync_off_and_keeps_nothing_of_the_old(self):
        alice = self.alice.with_user(self.alice)
        alice.exchange_sync_enabled = True
        Mailbox = self.env["calendar.exchange.mailbox"]
        mailbox = Mailbox._for_user(self.alice)
        mailbox.write({"local_token": "odoo-cursor", "remote_token": "exchange-state"})
        self.env["calendar.exchange.binding"].create(
            {"mailbox_id": mailbox.id, "identity": "exchange:ABC", "remote_id": "ABC"}
        )
        self.alice.with_user(self.admin).exchange_mailbox = "alice.new@example.com"
        self.assertFalse(self.alice.exchange_sync_enabled)
        self.assertFalse(mailbox.active)
        self.assertFalse(mailbox.binding_ids)
        self.assertFalse(mailbox.local_token or mailbox.remote_token)
        self.assertNotIn(mailbox, Mailbox._due(mailbox.create_date))
        alice.exchange_sync_enabled = True
        self.assertEqual(Mailbox._for_user(self.alice).email, "alice.new@example.com")

    def test_portal_users_never_sync(self):
        paul = new_test_user(
            self.env, login="paul", email="paul@customer.example", groups="base.group_portal"
        )
        self.assertFalse(paul.exchange_mailbox, "no default for a portal user")
        paul.exchange_mailbox = "paul@customer.example"  # even an administrator's mistake
        with self.assertRaisesRegex(UserError, "Portal users"):
            paul.with_user(paul).write({"exchange_sync_enabled": True})
        # A syncing employee who becomes a portal user stops.
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        self.alice.write({"group_ids": [(6, 0, [self.env.ref("base.group_portal").id])]})
        self.assertFalse(self.alice.exchange_sync_enabled)


@tagged("post_install", "-at_install")
class TestMailboxEndToEnd(SecuritySimulatorCase):
    def test_bob_cannot_sync_alices_mailbox_by_taking_her_address(self):
        self.outlook_create(ALICE, subject="Oncologist", privacy="private")
        self.event_as(self.bob, "Bob's dentist")
        for order in ("email first", "sync first"):
            with self.subTest(order=order):
                bob = self.bob.with_user(self.bob)
                bob.exchange_sync_enabled = False
                if order == "email first":
                    bob.email = ALICE
                    bob.exchange_sync_enabled = True
                else:
                    bob.exchange_sync_enabled = True
                    bob.email = ALICE
                self.sync(self.bob)
                self.assertFalse(self.events("Oncologist"), "Alice's entry stays hers")
                self.assertEqual([i.subject for i in self.remote_items(ALICE)], ["Oncologist"])
                self.assertIn("Bob's dentist", [i.subject for i in self.remote_items(BOB)])
