"""Sync behaviour around the engine: throttling, failures, triggers, crash safety, security."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..bridge import runner
from .sync_common import ALICE, SimulatorCase, in_days, naive


@tagged("post_install", "-at_install")
class TestSyncBehaviour(SimulatorCase):
    def meeting(self, user, name, days=3):
        start = in_days(days, 9)
        return self.Event.with_user(user).create(
            {
                "name": name,
                "start": naive(start),
                "stop": naive(start + timedelta(hours=1)),
                "partner_ids": [(6, 0, [user.partner_id.id])],
            }
        )

    def test_throttled_mailbox_is_postponed_not_failed(self):
        self.meeting(self.alice, "Later")
        self.sim.faults.add("server_busy", protocol="ews", count=5, back_off_ms=30000)
        log = self.sync(self.alice)
        self.assertEqual(log.state, "postponed")
        mailbox = self.mailbox(self.alice)
        self.assertGreater(mailbox.next_attempt, fields.Datetime.now() + timedelta(seconds=20))
        # The cron leaves it alone until then, and takes it afterwards.
        Mailbox = self.env["calendar.exchange.mailbox"]
        self.assertNotIn(mailbox, Mailbox._due(fields.Datetime.now()))
        self.assertIn(mailbox, Mailbox._due(mailbox.next_attempt + timedelta(seconds=1)))

    def test_unreachable_server_is_recorded_in_plain_words(self):
        self.company.exchange_ews_url = "http://127.0.0.1:9/EWS/Exchange.asmx"
        log = self.sync(self.alice)
        self.assertEqual(log.state, "failed")
        self.assertTrue(log.message)
        self.assertNotIn("Traceback", log.message)
        self.assertNotIn(self.company.exchange_password, log.message)
        self.assertEqual(self.alice.exchange_last_error, log.message)

    def test_odoo_change_marks_mailboxes_and_wakes_the_cron(self):
        cron = self.env.ref("calendar_exchange_sync.ir_cron_exchange_sync")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        event = self.meeting(self.alice, "Touch me")
        self.assertTrue(self.mailbox(self.alice).needs_sync)
        self.assertGreater(Trigger.search_count([("cron_id", "=", cron.id)]), before)
        self.sync(self.alice)
        self.assertFalse(self.mailbox(self.alice).needs_sync)
        # A change of a field Exchange does not know (notes) wakes nobody.
        event.with_user(self.alice).notes = "<p>internal</p>"
        self.assertFalse(self.mailbox(self.alice).needs_sync)
        # A change written by the sync itself is not echoed back.
        event.with_context(exchange_sync_inbound=True).name = "Renamed by Exchange"
        self.assertFalse(self.mailbox(self.alice).needs_sync)
        event.with_user(self.alice).name = "Renamed in Odoo"
        self.assertTrue(self.mailbox(self.alice).needs_sync)

    def test_sync_now_from_preferences(self):
        cron = self.env.ref("calendar_exchange_sync.ir_cron_exchange_sync")
        action = self.alice.with_user(self.alice).action_exchange_sync_now()
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)], limit=1))
        with self.assertRaises(AccessError):
            self.alice.with_user(self.bob).action_exchange_sync_now()
        # When the run is done, the user who asked is told how it went.
        self.meeting(self.alice, "Sent on request")
        pending = self.env.cr.precommit.data.setdefault("bus.bus.values", [])
        before = len(pending)
        self.sync(self.alice)
        # (bus messages are written when the transaction commits: read them before)
        told = [
            v
            for v in self.env.cr.precommit.data["bus.bus.values"][before:]
            if "Calendar synchronised" in str(v.get("message"))
        ]
        self.assertEqual(len(told), 1)
        self.assertIn("1 sent to it", told[0]["message"])
        self.assertFalse(self.mailbox(self.alice).notify_user)

    def test_crash_after_the_remote_create_leaves_no_duplicate(self):
        self.meeting(self.alice, "Exactly once")
        # The run creates the item in Exchange, then the worker dies before the commit.
        with self.assertRaises(RuntimeError):
            with self.env.cr.savepoint():
                with patch.object(runner.MailboxRun, "_record", side_effect=RuntimeError):
                    self.sync(self.alice)
        self.env.invalidate_all()
        self.assertEqual(len(self.remote_items(ALICE)), 1)
        self.assertFalse(self.mailbox(self.alice).binding_ids, "rolled back with the run")
        # The status rows went with the rollback: both listings start over, and the entry is
        # paired with the item it already has in Exchange instead of being sent again.
        log = self.sync(self.alice)
        self.assertSynced(log, matched=1)
        self.assertEqual(len(self.remote_items(ALICE)), 1)
        self.assertEqual(len(self.mailbox(self.alice).binding_ids), 1)
        self.assertSynced(self.sync(self.alice))

    def test_html_from_exchange_is_sanitised(self):
        self.outlook_create(
            ALICE,
            subject="Phishy",
            body='<p>Hi</p><script>alert("x")</script><img src=x onerror="alert(1)">',
        )
        self.assertSynced(self.sync(self.alice), odoo_created=1)
        body = str(self.events("Phishy").description)
        self.assertIn("Hi", body)
        self.assertNotIn("<script", body)
        self.assertNotIn("onerror", body)

    def test_users_see_only_their_own_sync_state_and_log(self):
        self.meeting(self.alice, "Alice's")
        self.meeting(self.bob, "Bob's")
        self.sync(self.alice)
        self.sync(self.bob)
        Log = self.env["calendar.exchange.log"]
        Mailbox = self.env["calendar.exchange.mailbox"]
        self.assertEqual(Log.with_user(self.alice).search([]).user_id, self.alice)
        self.assertEqual(Mailbox.with_user(self.alice).search([]).user_id, self.alice)
        self.assertEqual(len(Log.with_user(self.admin).search([]).user_id), 2)
        bob_mailbox = self.mailbox(self.bob)
        with self.assertRaises(AccessError):
            bob_mailbox.with_user(self.alice).read(["last_error"])
        with self.assertRaises(AccessError):
            self.mailbox(self.alice).with_user(self.alice).read(["remote_token"])

    def test_conflict_policies(self):
        for policy, expected in (
            ("exchange", "From Outlook"),
            ("odoo", "From Odoo"),
        ):
            with self.subTest(policy=policy):
                self.company.exchange_conflict_policy = policy
                event = self.meeting(self.alice, "Contested %s" % policy)
                self.assertSynced(self.sync(self.alice), exchange_created=1)
                remote = self.remote_by_subject(ALICE, "Contested %s" % policy)
                # Both sides change the same field, and each side one field of its own.
                event.with_user(self.alice).write(
                    {"location": "From Odoo", "description": "<p>odoo notes</p>"}
                )
                self.sim.store.update_item(
                    ALICE, remote.id, {"location": "From Outlook", "categories": ["Red"]}
                )
                log = self.sync(self.alice)
                self.assertEqual(log.state, "done")
                self.assertEqual(log.conflicts, 1)
                remote = self.sim.store.get_item(ALICE, remote.id)
                self.assertEqual(event.location, expected)
                self.assertEqual(remote.location, expected)
                # Fields changed on one side only are merged, never lost.
                self.assertIn("odoo notes", remote.body)
                self.assertEqual(event.categ_ids.mapped("name"), ["Red"])
                self.assertSynced(self.sync(self.alice))

    def test_switching_off_keeps_both_calendars(self):
        self.meeting(self.alice, "Stays")
        self.outlook_create(ALICE, subject="Stays too")
        self.sync(self.alice)
        self.alice.with_user(self.alice).exchange_sync_enabled = False
        self.env["calendar.exchange.mailbox"]._ensure_mailboxes()
        Mailbox = self.env["calendar.exchange.mailbox"]
        self.assertNotIn(self.alice, Mailbox._due(fields.Datetime.now()).user_id)
        self.assertEqual(len(self.remote_items(ALICE)), 2)
        self.assertEqual(len(self.events("Stays") | self.events("Stays too")), 2)

    def test_one_refused_entry_does_not_stop_the_others(self):
        from odoo.exceptions import UserError

        from ..bridge.inbound import InboundValues

        values = InboundValues.values

        def refusing(inbound, item, **kwargs):
            if item.subject.startswith("Broken"):
                raise UserError(self.env._("Odoo refuses this one"))
            return values(inbound, item, **kwargs)

        for subject in ("Fine 1", "Broken", "Fine 2"):
            self.outlook_create(ALICE, subject=subject)
        with patch.object(InboundValues, "values", refusing):
            log = self.sync(self.alice)
        self.assertEqual(log.state, "partial")
        self.assertEqual(log.odoo_created, 2)
        self.assertEqual(log.line_ids.mapped("subject"), ["Broken"])
        self.assertIn("refuses", log.line_ids.message)
        self.assertTrue(self.events("Fine 1") and self.events("Fine 2"))
        self.assertIn("refuses", self.alice.exchange_last_error)
        # Once Odoo accepts it, the next run brings it in.
        log = self.sync(self.alice)
        self.assertEqual(log.odoo_created, 1)
        self.assertTrue(self.events("Broken"))
        self.assertFalse(self.alice.exchange_last_error)

    def test_an_event_whose_sync_failed_says_so(self):
        from ..bridge.odoo_side import OdooSide

        event = self.meeting(self.alice, "Fragile")
        self.assertSynced(self.sync(self.alice), exchange_created=1)
        remote = self.remote_by_subject(ALICE, "Fragile")
        self.sim.store.update_item(ALICE, remote.id, {"location": "Moved in Outlook"})
        with patch.object(OdooSide, "_update", side_effect=ValueError("locked by a rule")):
            log = self.sync(self.alice)
        self.assertEqual(log.state, "partial")
        self.assertEqual(log.line_ids.event_id, event)
        self.assertIn("locked by a rule", event.exchange_sync_error)
        self.assertSynced(self.sync(self.alice), odoo_updated=1)
        self.assertFalse(event.exchange_sync_error)
        self.assertEqual(event.location, "Moved in Outlook")
