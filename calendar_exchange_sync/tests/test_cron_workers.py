"""Two cron workers at once share the mailboxes through PostgreSQL row locks: no double work.

This test needs committed data (two workers are two database connections), so it works in
cursors of its own and removes what it made afterwards.
"""

import copy
import unittest
from datetime import timedelta

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from ..bridge.mailbox_state import MailboxState
from .committed_common import point_company_at, remove_committed
from .sync_common import ALICE, BOB, SEED, Simulator, in_days, naive


@unittest.skipIf(Simulator is None, "exchange_simulator is not importable")
@tagged("post_install", "-at_install")
class TestCronWorkers(TransactionCase):
    def setUp(self):
        super().setUp()
        self.sim = Simulator(copy.deepcopy(SEED)).start()
        self.addCleanup(self.sim.stop)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            saved = point_company_at(env, self.sim)
            users = env["res.users"]
            for login in (ALICE, BOB):
                users |= env["res.users"].create(
                    {
                        "name": login,
                        "login": "cron_" + login,
                        "email": login,
                        "exchange_sync_enabled": True,
                    }
                )
            for user in users:
                start = in_days(3, 10)
                env["calendar.event"].create(
                    {
                        "name": "From %s" % user.email,
                        "user_id": user.id,
                        "partner_ids": [(6, 0, user.partner_id.ids)],
                        "start": naive(start),
                        "stop": naive(start + timedelta(hours=1)),
                    }
                )
            env["calendar.exchange.mailbox"]._ensure_mailboxes()
            self.user_ids = users.ids
            self.mailbox_ids = (
                env["calendar.exchange.mailbox"].search([("user_id", "in", users.ids)]).ids
            )
        self.addCleanup(self._clean, saved)

    def _clean(self, saved):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            remove_committed(env, saved, self.user_ids, self.mailbox_ids)

    def test_a_locked_mailbox_is_left_to_its_worker(self):
        first, second = self.mailbox_ids
        with self.registry.cursor() as worker_a:
            # Worker A is in the middle of the first mailbox (it holds its row lock).
            env_a = api.Environment(worker_a, SUPERUSER_ID, {})
            self.assertIsNotNone(MailboxState.lock(env_a, first))
            with self.registry.cursor() as worker_b:
                env_b = api.Environment(worker_b, SUPERUSER_ID, {})
                self.assertIsNone(MailboxState.lock(env_b, first), "B must not wait nor take it")
                env_b["calendar.exchange.mailbox"]._cron_sync()
            worker_a.rollback()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            mailboxes = env["calendar.exchange.mailbox"].browse([first, second])
            self.assertFalse(mailboxes[0].last_run, "worker B skipped the locked mailbox")
            self.assertTrue(mailboxes[1].last_success, "and did the other one")
            self.assertEqual(len(self.sim.store.items(mailboxes[1].email)), 1)
            self.assertEqual(len(self.sim.store.items(mailboxes[0].email)), 0)
            # Once A lets go, the next pass takes the first mailbox, exactly once.
            env["calendar.exchange.mailbox"]._cron_sync()
            mailboxes.invalidate_recordset()
            self.assertTrue(mailboxes[0].last_success)
            self.assertEqual(len(self.sim.store.items(mailboxes[0].email)), 1)
            self.assertEqual(len(self.sim.store.items(mailboxes[1].email)), 1)
