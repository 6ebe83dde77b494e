"""Issue 9, point 3: Sync now is the mailbox owner's and the administrators', at a sane rate.

Driven as a browser would, through ``/web/dataset/call_button``, by a portal user and by a
colleague pressing the button of somebody else's mailbox (or of one that does not exist).
"""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from ..models.calendar_exchange_mailbox import MANUAL_RUN_INTERVAL


@tagged("post_install", "-at_install")
class TestSyncNowIsTheOwners(HttpCase):
    def setUp(self):
        super().setUp()
        self.env.company.write(
            {
                "exchange_enabled": True,
                "exchange_version": "exchange2016",
                "exchange_ews_url": "https://mail.example.com/EWS/Exchange.asmx",
                "exchange_username": "svc-sync",
                "exchange_password": "s3cret",
            }
        )
        self.alice = new_test_user(
            self.env, login="now_alice", email="alice@example.com", groups="base.group_user"
        )
        new_test_user(self.env, login="now_bob", email="bob@example.com", groups="base.group_user")
        new_test_user(
            self.env, login="now_paul", email="paul@customer.example", groups="base.group_portal"
        )
        new_test_user(
            self.env,
            login="now_admin",
            email="admin@example.com",
            groups="base.group_user,base.group_system",
        )
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        Mailbox = self.env["calendar.exchange.mailbox"]
        self.mailbox = Mailbox._for_user(self.alice)
        self.postponed = fields.Datetime.now() + timedelta(minutes=10)
        self.mailbox.write({"needs_sync": False, "next_attempt": self.postponed})
        self.cron = self.env.ref("calendar_exchange_sync.ir_cron_exchange_sync")
        self.Trigger = self.env["ir.cron.trigger"]
        self.Trigger.search([("cron_id", "=", self.cron.id)]).unlink()

    def press(self, model, ids, method="action_sync_now"):
        return self.make_jsonrpc_request(
            "/web/dataset/call_button/%s.%s" % (model, method),
            {"model": model, "method": method, "args": [ids], "kwargs": {}},
        )

    def triggers(self):
        return self.Trigger.search_count([("cron_id", "=", self.cron.id)])

    def assertRefused(self, login, model, ids, error):
        self.authenticate(login, login)
        with self.assertRaises(JsonRpcException) as caught:
            self.press(model, ids)
        self.assertEqual(str(caught.exception), error)

    def test_nobody_else_can_press_it(self):
        mailbox = "calendar.exchange.mailbox"
        for login, ids, error in (
            ("now_paul", [self.mailbox.id], "odoo.exceptions.AccessError"),
            ("now_paul", [self.mailbox.id + 1000], "odoo.exceptions.AccessError"),
            ("now_bob", [self.mailbox.id], "odoo.exceptions.AccessError"),
            ("now_bob", [self.mailbox.id + 1000], "odoo.exceptions.UserError"),
        ):
            with self.subTest(login=login, ids=ids):
                self.assertRefused(login, mailbox, ids, error)
        # The user's own button (Preferences, calendar view), pressed for somebody else.
        self.authenticate("now_bob", "now_bob")
        with self.assertRaises(JsonRpcException):
            self.press("res.users", [self.alice.id], "action_exchange_sync_now")
        self.mailbox.invalidate_recordset()
        self.assertFalse(self.mailbox.needs_sync or self.mailbox.notify_user)
        self.assertEqual(self.mailbox.next_attempt, self.postponed)
        self.assertEqual(self.triggers(), 0)

    def test_the_owner_asks_for_one_run_a_minute_at_most(self):
        # Logging in asks for a run of the user's mailbox; Exchange's postponement stays.
        self.authenticate("now_alice", "now_alice")
        self.mailbox.invalidate_recordset()
        self.assertTrue(self.mailbox.needs_sync)
        self.assertEqual(self.mailbox.next_attempt, self.postponed)
        self.assertEqual(self.triggers(), 1)
        # Ten presses within the minute (both buttons): the run on its way is all there is.
        for press in range(10):
            if press % 2:
                answer = self.press("res.users", [self.alice.id], "action_exchange_sync_now")
            else:
                answer = self.press("calendar.exchange.mailbox", [self.mailbox.id])
            self.assertIn("a moment ago", answer["params"]["message"])
        self.assertEqual(self.triggers(), 1, "ten presses, one run asked for")
        self.mailbox.invalidate_recordset()
        self.assertEqual(self.mailbox.next_attempt, self.postponed)
        self.assertTrue(self.mailbox.notify_user, "the one who pressed hears how it went")
        # Once the minute is over, a press asks again, still not before Exchange allows it.
        self.mailbox.sync_requested -= timedelta(seconds=MANUAL_RUN_INTERVAL + 1)
        answer = self.press("calendar.exchange.mailbox", [self.mailbox.id])
        self.assertIn("Exchange asked Odoo to wait", answer["params"]["message"])
        self.mailbox.invalidate_recordset()
        self.assertEqual(self.mailbox.next_attempt, self.postponed)
        self.assertEqual(self.triggers(), 2)
        self.mailbox.write(
            {
                "next_attempt": False,
                "sync_requested": self.mailbox.sync_requested
                - timedelta(seconds=MANUAL_RUN_INTERVAL + 1),
            }
        )
        answer = self.press("calendar.exchange.mailbox", [self.mailbox.id])
        self.assertIn("Synchronisation started", answer["params"]["message"])
        self.assertEqual(self.triggers(), 3)

    def test_an_administrator_may_press_it(self):
        self.authenticate("now_admin", "now_admin")
        self.press("calendar.exchange.mailbox", [self.mailbox.id])
        self.mailbox.invalidate_recordset()
        self.assertTrue(self.mailbox.needs_sync)
