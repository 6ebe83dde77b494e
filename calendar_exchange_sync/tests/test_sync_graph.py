"""End to end with Office 365: msal and requests against the simulated Microsoft Graph."""

from datetime import timedelta

from odoo.tests import tagged

from .sync_common import ALICE, CAROL, GraphSimulatorCase, in_days, naive


@tagged("post_install", "-at_install")
class TestSyncGraph(GraphSimulatorCase):
    def test_both_ways_through_graph(self):
        start = in_days(4, 12)
        event = self.Event.with_user(self.alice).create(
            {
                "name": "Quarterly review",
                "start": naive(start),
                "stop": naive(start + timedelta(hours=2)),
                "partner_ids": [(6, 0, [self.alice.partner_id.id, self.bob.partner_id.id])],
                "location": "Board room",
            }
        )
        self.outlook_create(
            ALICE,
            subject="Holiday in Rome",
            all_day=True,
            start=in_days(10).date(),
            end=in_days(13).date(),
        )
        log = self.sync(self.alice)
        self.assertSynced(log, exchange_created=1, odoo_created=1)
        remote = self.remote_by_subject(ALICE, "Quarterly review")
        self.assertEqual(remote.location, "Board room")
        # Invitations are off: Graph cannot write attendees without inviting them, so the
        # meeting goes without them and nobody was invited (issue 12).
        self.assertFalse(remote.required_attendees)
        self.assertEqual(self.sim.journal.mail(), [])
        holiday = self.events("Holiday in Rome")
        self.assertTrue(holiday.allday)
        self.assertEqual(holiday.start_date, in_days(10).date())
        self.assertEqual(holiday.stop_date, in_days(12).date())  # inclusive in Odoo
        self.assertEqual(
            holiday.activity_type_id, self.env.ref("calendar_exchange_sync.activity_type_holiday")
        )
        self.assertSynced(self.sync(self.alice))
        # Edits both ways.
        event.with_user(self.alice).location = "Room 2"
        self.sim.store.update_item(
            ALICE, self.remote_by_subject(ALICE, "Holiday in Rome").id, {"location": "Rome"}
        )
        self.assertSynced(self.sync(self.alice), exchange_updated=1, odoo_updated=1)
        self.assertEqual(self.remote_by_subject(ALICE, "Quarterly review").location, "Room 2")
        self.assertEqual(holiday.location, "Rome")

    def test_mailbox_denied_by_access_policy_is_a_clear_error(self):
        carol = self.env["res.users"].create(
            {"name": "Carol", "login": "sim_carol", "email": CAROL}
        )
        carol.with_user(carol).exchange_sync_enabled = True
        log = self.sync(carol)
        self.assertEqual(log.state, "failed")
        self.assertIn(CAROL, log.message)
        self.assertEqual(self.mailbox(carol).last_error, log.message)
        self.assertEqual(carol.exchange_last_error, log.message)

    def test_wrong_secret_fails_without_leaking_it(self):
        self.company.exchange_client_secret = "not-the-secret"
        log = self.sync(self.alice)
        self.assertEqual(log.state, "failed")
        self.assertNotIn("not-the-secret", log.message)
        self.assertIn("secret", log.message.lower())
