"""Issue 16, mailbox addresses: a login that is not the mailbox, an alias resolved before the
first run, an unknown address that says so once, two users who can never resolve to one
mailbox, and an administrator's change of a synced user's mailbox."""

import copy
from datetime import timedelta

from psycopg2 import IntegrityError

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .sync_common import ALICE, CAROL, SEED, SimulatorCase, in_days, naive

TENANT_SEED = copy.deepcopy(SEED)
TENANT_SEED["users"][3]["aliases"] = ["c.cook@contoso.com", "carol@fabrikam.com"]


@tagged("post_install", "-at_install")
class TestMailboxAddresses(SimulatorCase):
    seed = TENANT_SEED

    def make_user(self, login, mailbox, email=None):
        user = new_test_user(
            self.env, login=login, email=email or "%s@private.example" % login,
            groups="base.group_user",
        )  # fmt: skip
        user.exchange_mailbox = mailbox  # an administrator's decision (superuser here)
        user.with_user(user).exchange_sync_enabled = True
        return user

    def event(self, user, name, days=3):
        start = in_days(days, 9)
        return self.Event.with_user(user).create(
            {
                "name": name,
                "start": naive(start),
                "stop": naive(start + timedelta(hours=1)),
                "partner_ids": [(6, 0, user.partner_id.ids)],
            }
        )

    def test_a_login_and_an_email_that_are_not_the_mailbox(self):
        # Carol logs in as "ccook", typed a private e-mail, and her administrator gave her
        # mailbox under an alias of another mail domain.
        carol = self.make_user("ccook", "carol@fabrikam.com", email="carol.cook@gmail.example")
        self.event(carol, "Budget")
        self.outlook_create(CAROL, subject="Dentist", organizer=CAROL)
        log = self.sync(carol)
        self.assertSynced(log, exchange_created=1, odoo_created=1)
        mailbox = self.mailbox(carol)
        self.assertEqual(mailbox.resolved_email, CAROL)
        self.assertEqual(carol.exchange_resolved_mailbox, CAROL)
        self.assertEqual(carol.exchange_mailbox, "carol@fabrikam.com")  # as the admin typed it
        self.assertEqual(sorted(i.subject for i in self.remote_items(CAROL)), ["Budget", "Dentist"])
        # Her own Outlook entry is hers (Exchange names her by her primary address).
        dentist = self.events("Dentist")
        self.assertEqual(dentist.user_id, carol)
        self.assertFalse(dentist.exchange_organizer)
        # Resolved once: the next run asks Exchange no more.
        self.sim.journal.clear()
        self.assertSynced(self.sync(carol))
        self.assertEqual(self.sim.journal.count(operation="ResolveNames"), 0)

    def test_an_unknown_address_is_the_users_status_not_a_failure_every_run(self):
        dan = self.make_user("dan", "dan@contoso.com")
        log = self.sync(dan)
        self.assertEqual(log.state, "failed")
        self.assertIn("Exchange knows no mailbox dan@contoso.com", log.message)
        mailbox = self.mailbox(dan)
        self.assertEqual(mailbox.access_problem, "unknown")
        self.assertEqual(dan.with_user(dan).exchange_last_error, log.message)
        # The cron leaves it alone instead of failing it every few minutes ...
        self.assertNotIn(
            mailbox, self.env["calendar.exchange.mailbox"]._due(mailbox.access_checked)
        )
        self.assertIn(self.mailbox(self.alice), self.env["calendar.exchange.mailbox"]._due(
            mailbox.access_checked))  # fmt: skip
        # ... until the address is corrected (a new mailbox starts over).
        dan.exchange_mailbox = "c.cook@contoso.com"
        dan.with_user(dan).exchange_sync_enabled = True
        self.assertFalse(self.mailbox(dan).access_problem)
        self.assertSynced(self.sync(dan))
        self.assertEqual(self.mailbox(dan).resolved_email, CAROL)

    def test_two_users_never_resolve_to_one_mailbox(self):
        carol = self.make_user("carol", CAROL)
        self.assertSynced(self.sync(carol))
        # Another user given one of Carol's aliases: the address differs, the mailbox does not.
        mallory = self.make_user("mallory", "c.cook@contoso.com")
        self.event(mallory, "Mallory's")
        log = self.sync(mallory)
        self.assertEqual(log.state, "failed")
        self.assertIn("which %s synchronises already" % carol.name, log.message)
        self.assertEqual(self.mailbox(mallory).access_problem, "duplicate")
        self.assertFalse(self.mailbox(mallory).resolved_email)
        self.assertNotIn("Mallory's", [i.subject for i in self.remote_items(CAROL)])
        # Nor can it be forced past the check: the resolved address is unique.
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.mailbox(mallory).write({"resolved_email": CAROL})
                self.env.flush_all()

    def test_the_first_user_to_resolve_keeps_the_mailbox(self):
        first = self.make_user("first", "carol@fabrikam.com")
        second = self.make_user("second", "c.cook@contoso.com")
        self.assertSynced(self.sync(first))
        self.assertEqual(self.sync(second).state, "failed")
        self.assertEqual(self.mailbox(first).resolved_email, CAROL)

    def test_an_administrator_changing_a_synced_users_mailbox(self):
        carol = self.make_user("carol", "carol@fabrikam.com")
        self.event(carol, "Carol's plan")
        self.assertSynced(self.sync(carol), exchange_created=1)
        self.assertEqual(self.mailbox(carol).resolved_email, CAROL)
        carol.exchange_mailbox = ALICE.replace("alice", "alice.other")
        self.assertFalse(carol.exchange_sync_enabled)  # sync goes off
        mailbox = (
            self.env["calendar.exchange.mailbox"]
            .with_context(active_test=False)
            .search([("user_id", "=", carol.id)])
        )
        self.assertFalse(mailbox.active)
        self.assertFalse(mailbox.binding_ids)
        self.assertFalse(mailbox.resolved_email)  # what Exchange said of the old address
        # The entries that came from the old mailbox stay in Odoo.
        self.assertTrue(self.events("Carol's plan"))
