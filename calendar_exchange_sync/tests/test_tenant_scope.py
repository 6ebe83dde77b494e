"""Issue 16, scoped access: a mailbox outside what the sync account may reach (a management
scope on premises, an application access policy in Office 365) gets its own clear status, the
others go on, and Test connection checks a given user's mailbox."""

import copy
from datetime import timedelta

from odoo.tests import tagged

from .sync_common import ALICE, BOB, CAROL, SEED, GraphSimulatorCase, SimulatorCase, in_days

SCOPED_SEED = copy.deepcopy(SEED)
SCOPED_SEED["impersonation"] = {"svc-sync@contoso.com": [ALICE]}  # Bob is outside the scope


class ScopeChecks:
    """The same story on both kinds of Exchange: ``inside`` may be reached, ``outside`` not."""

    def check_outside_next_to_inside(self, inside, outside, outside_address):
        self.outlook_create(inside.exchange_mailbox, subject="Reachable", start=in_days(2, 9))
        Mailbox = self.env["calendar.exchange.mailbox"]
        logs = {user: self.sync(user) for user in (outside, inside)}
        self.assertEqual(logs[inside].state, "done")
        self.assertTrue(self.events("Reachable"))
        failed = logs[outside]
        self.assertEqual(failed.state, "failed")
        self.assertIn(
            "The Exchange administrator has not let the sync account reach the mailbox %s"
            % outside_address,
            failed.message,
        )
        box = self.mailbox(outside)
        self.assertEqual(box.access_problem, "scope")
        self.assertEqual(outside.with_user(outside).exchange_last_error, failed.message)
        # The next cron passes leave it alone; the reachable one goes on.
        due = Mailbox._due(box.access_checked + timedelta(minutes=5))
        self.assertNotIn(box, due)
        self.assertIn(self.mailbox(inside), due)
        # The user presses Sync now (a minute later): it is tried again at once.
        box.sync_requested = False
        box.with_user(outside).action_sync_now()
        self.assertIn(box, Mailbox._due(box.sync_requested))
        # Test connection, for that user's mailbox, says the same in plain words.
        settings = (
            self.env["res.config.settings"]
            .with_user(self.admin)
            .create({"exchange_test_user_id": outside.id})
        )
        answer = settings.action_exchange_test_connection()["params"]
        self.assertEqual(answer["type"], "danger")
        self.assertIn(outside_address, answer["message"])
        settings.exchange_test_user_id = inside
        answer = settings.action_exchange_test_connection()["params"]
        self.assertNotIn(outside_address, answer["message"])
        self.assertIn(inside.name, answer["title"])


@tagged("post_install", "-at_install")
class TestScopeOnPremises(ScopeChecks, SimulatorCase):
    seed = SCOPED_SEED

    def test_a_mailbox_outside_the_management_scope(self):
        self.check_outside_next_to_inside(self.alice, self.bob, BOB)

    def test_the_scope_widened_clears_the_status_at_the_next_test(self):
        self.sync(self.bob)
        self.assertEqual(self.mailbox(self.bob).access_problem, "scope")
        self.sim.seed.impersonation["svc-sync@contoso.com"].append(BOB)
        settings = (
            self.env["res.config.settings"]
            .with_user(self.admin)
            .create({"exchange_test_user_id": self.bob.id})
        )
        answer = settings.action_exchange_test_connection()["params"]
        self.assertNotIn("may not act on behalf of", answer["message"])
        self.assertFalse(self.mailbox(self.bob).access_problem)
        self.assertSynced(self.sync(self.bob))


@tagged("post_install", "-at_install")
class TestScopeOffice365(ScopeChecks, GraphSimulatorCase):
    def test_a_mailbox_outside_the_application_access_policy(self):
        carol = self.env["res.users"].create({"name": "Carol", "login": "sc_carol", "email": CAROL})
        carol.with_user(carol).exchange_sync_enabled = True
        self.check_outside_next_to_inside(self.alice, carol, CAROL)
