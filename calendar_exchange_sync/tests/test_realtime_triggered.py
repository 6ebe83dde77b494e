"""A pass of the sync cron that a notification triggered runs the mailboxes asked for, not all.

The row lock a running sync holds is part of what is tested (a notification that comes while
it runs must still get its run), so this works with committed data in cursors of its own, as
test_cron_workers.py does, and removes what it made afterwards.
"""

import copy
import unittest
from contextlib import contextmanager
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged

from ..bridge.backends import connection_settings, ews_settings
from ..bridge.mailbox_state import MailboxState
from ..sync.ews import EwsSide
from ..sync.items import CalendarItem
from .committed_common import point_company_at, remove_committed
from .sync_common import ALICE, BOB, SEED, Simulator, in_days

SYNC_CRON = "calendar_exchange_sync.ir_cron_exchange_sync"


@unittest.skipIf(Simulator is None, "exchange_simulator is not importable")
@tagged("post_install", "-at_install")
class TestRealtimeTriggeredPass(TransactionCase):
    def setUp(self):
        super().setUp()
        self.sim = Simulator(copy.deepcopy(SEED)).start()
        self.addCleanup(self.sim.stop)
        with self.env_cursor() as env:
            saved = point_company_at(env, self.sim)
            cron = env.ref(SYNC_CRON)
            saved_nextcall = cron.nextcall
            users = env["res.users"]
            for login in (ALICE, BOB):
                users |= env["res.users"].create(
                    {
                        "name": login,
                        # committed users outlive their test (archived): one login each
                        "login": "%s_%s" % (self._testMethodName, login),
                        "email": login,
                        "exchange_sync_enabled": True,
                    }
                )
            Mailbox = env["calendar.exchange.mailbox"]
            Mailbox._ensure_mailboxes()
            self.user_ids = users.ids
            mailboxes = Mailbox.search([("user_id", "in", users.ids)])
            self.mailbox_ids = mailboxes.ids
            self.subscription_ids = [
                env["calendar.exchange.subscription"]
                .create(
                    {
                        "mailbox_id": mailbox.id,
                        "company_id": env.ref("base.main_company").id,
                        "email": mailbox.email,
                        "protocol": "ews",
                        "state": "active",
                        "remote_id": "push-%s" % mailbox.email,
                    }
                )
                .id
                for mailbox in mailboxes
            ]
            Mailbox._cron_sync()  # the first runs: from here on, both are in step
            # The timer is not due: only a trigger starts the sync cron.
            cron.nextcall = fields.Datetime.now() + timedelta(days=1)
        self.addCleanup(self._clean, saved, saved_nextcall)

    @contextmanager
    def env_cursor(self):
        """An environment on a cursor of its own, committed at the end (another worker)."""
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def _clean(self, saved, saved_nextcall):
        with self.env_cursor() as env:
            env["calendar.exchange.subscription"].browse(self.subscription_ids).unlink()
            remove_committed(env, saved, self.user_ids, self.mailbox_ids)
            env.ref(SYNC_CRON).nextcall = saved_nextcall

    def outlook_create(self, env, mailbox, subject):
        """An entry made in Exchange as Outlook would, with nobody telling Odoo."""
        side = EwsSide(ews_settings(connection_settings(env.ref("base.main_company"))), mailbox)
        start = in_days(2, 10)
        [result] = side.create(
            [(None, CalendarItem(subject=subject, start=start, end=start + timedelta(hours=1)))]
        )
        self.assertTrue(result.ok, result.error)

    def triggered_pass(self, env):
        """The sync cron's job, started by a trigger (its timer is a day away)."""
        cron = env.ref(SYNC_CRON)
        self.assertGreater(cron.nextcall, fields.Datetime.now())
        env["calendar.exchange.mailbox"].with_context(cron_id=cron.id)._cron_sync()

    def found(self, env, subject):
        return env["calendar.event"].search_count([("name", "=", subject)])

    def test_a_triggered_pass_runs_the_notified_mailbox_only(self):
        with self.env_cursor() as env:
            alice, bob = env["calendar.exchange.subscription"].browse(self.subscription_ids)
            self.outlook_create(env, alice.email, "Alice's notified change")
            self.outlook_create(env, bob.email, "Bob's change, not notified yet")
            self.assertTrue(alice._request_run())
            self.assertTrue(alice.mailbox_id.needs_sync)
        with self.env_cursor() as env:
            self.triggered_pass(env)
        with self.env_cursor() as env:
            self.assertEqual(self.found(env, "Alice's notified change"), 1)
            self.assertEqual(self.found(env, "Bob's change, not notified yet"), 0)
            alice = env["calendar.exchange.subscription"].browse(self.subscription_ids[0])
            self.assertFalse(alice.mailbox_id.needs_sync)
            # The timer's pass (the safety net) runs everybody.
            env.ref(SYNC_CRON).nextcall = fields.Datetime.now() - timedelta(seconds=1)
            cron_id = env.ref(SYNC_CRON).id
            env["calendar.exchange.mailbox"].with_context(cron_id=cron_id)._cron_sync()
            self.assertEqual(self.found(env, "Bob's change, not notified yet"), 1)

    def test_a_change_notified_while_its_mailbox_runs_gets_one_more_run(self):
        alice_box = self.mailbox_ids[0]
        with self.env_cursor() as worker:
            # The cron is in the middle of Alice's run: it holds her mailbox's row lock.
            self.assertIsNotNone(MailboxState.lock(worker, alice_box))
            with self.env_cursor() as env:
                alice = env["calendar.exchange.subscription"].browse(self.subscription_ids[0])
                self.assertEqual(alice.mailbox_id.id, alice_box)
                self.outlook_create(env, alice.email, "Booked while Alice's run ran")
                self.assertTrue(alice._request_run(), "the notification asks for a run")
                # It could not wait for the lock nor mark the mailbox: its subscription is.
                self.assertTrue(alice.run_asked)
                # So is it for an edit in Odoo (which does not wait for the run either).
                alice.run_asked = False
                env["calendar.exchange.mailbox"]._mark_needs_sync(alice.mailbox_id)
                self.assertTrue(alice.run_asked)
            worker.cr.rollback()  # the run ends (it had listed Exchange before the change)
        with self.env_cursor() as env:
            mailbox = env["calendar.exchange.mailbox"].browse(alice_box)
            self.assertFalse(mailbox.needs_sync)
            triggers = env["ir.cron.trigger"].search([("cron_id", "=", env.ref(SYNC_CRON).id)])
            self.assertTrue(triggers)
            self.triggered_pass(env)
        with self.env_cursor() as env:
            self.assertEqual(self.found(env, "Booked while Alice's run ran"), 1)
            alice = env["calendar.exchange.subscription"].browse(self.subscription_ids[0])
            self.assertFalse(alice.run_asked, "the mark is used up")
            self.outlook_create(env, alice.email, "Booked later, not notified")
        with self.env_cursor() as env:
            self.triggered_pass(env)  # nothing asked for: Alice's mailbox is left alone
            self.assertEqual(self.found(env, "Booked later, not notified"), 0)

    def test_a_mailbox_without_real_time_is_walked_by_every_pass(self):
        with self.env_cursor() as env:
            alice, bob = env["calendar.exchange.subscription"].browse(self.subscription_ids)
            bob.state = "failed"  # nothing tells Odoo of Bob's changes
            self.outlook_create(env, bob.email, "Bob's change, no real time")
            self.assertTrue(alice._request_run())
        with self.env_cursor() as env:
            self.triggered_pass(env)
            self.assertEqual(self.found(env, "Bob's change, no real time"), 1)
