"""Real-time updates with Office 365: Microsoft Graph change notifications calling this Odoo."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from ..sync.graph.subscriptions import LIFETIME
from .realtime_common import RealtimeMixin, subscriptions_for
from .sync_common import ALICE, BOB, GraphSimulatorCase


def notification(subscription_id, client_state, change="updated", lifecycle=None):
    value = {"subscriptionId": subscription_id, "clientState": client_state, "tenantId": "t"}
    if lifecycle:
        value["lifecycleEvent"] = lifecycle
    else:
        value |= {"changeType": change, "resource": "Users/u/Events/e"}
    return json.dumps({"value": [value]}).encode()


@tagged("post_install", "-at_install")
class TestRealtimeGraph(RealtimeMixin, GraphSimulatorCase, HttpCase):
    def subscribed(self):
        """Alice and Bob subscribed: Graph validated this Odoo's URL twice for each."""
        self.sync(self.alice)
        self.realtime_pass()
        for user in (self.alice, self.bob):
            subscription = self.subscription(user)
            self.assertEqual(subscription.state, "active", subscription.last_error)
        handshakes = self.judged("graph", "validation")
        self.assertEqual([d.outcome for d in handshakes], ["ok"] * 4)
        self.quiet()
        return self.subscription(self.alice)

    def post(self, url, data):
        return self.url_open(url, data=data, headers={"Content-Type": "application/json"})

    def test_an_outlook_change_reaches_odoo_through_its_notification(self):
        subscription = self.subscribed()
        [remote] = subscriptions_for(self.sim).active(ALICE)
        self.assertEqual(remote.id, subscription.remote_id)
        self.assertEqual(remote.client_state, subscription.client_state)
        self.assertEqual(remote.notification_url, subscription._url())
        left = subscription.expires - fields.Datetime.now()
        self.assertGreater(left, LIFETIME - timedelta(minutes=5))
        outlook = self.outlook(ALICE)
        with self.exchange_calls():
            self.remote_create(outlook, "Room booked in Outlook")
            [delivery] = self.wait_judged(1, "graph", "notification")
        self.assertEqual((delivery.status, delivery.outcome), (202, "accepted"))
        self.assertTrue(self.mailbox(self.alice).needs_sync)
        self.assertFalse(self.mailbox(self.bob).needs_sync)
        self.assertEqual(len(self.sync_triggers()), 1)
        self.assertFalse(self.events("Room booked in Outlook"))
        self.run_sync_cron()
        self.assertEqual(len(self.events("Room booked in Outlook")), 1)

    def test_a_burst_of_notifications_makes_one_run(self):
        subscription = self.subscribed()
        for _number in range(5):
            answer = self.post(
                subscription._url(),
                notification(subscription.remote_id, subscription.client_state),
            )
            self.assertEqual(answer.status_code, 202)
        self.assertEqual(len(self.sync_triggers()), 1)

    def test_forged_notifications_change_nothing(self):
        subscription = self.subscribed()
        url = subscription._url()
        with self.assertLogs("odoo.addons.calendar_exchange_sync", "WARNING") as logged:
            for _attempt in range(3):
                wrong_state = self.post(url, notification(subscription.remote_id, "guessed"))
                self.assertEqual(wrong_state.status_code, 403)
        self.assertEqual(len(logged.output), 1)  # logged once, not three times
        self.assertIn(str(subscription.id), logged.output[0])
        other_subscription = self.post(url, notification("other", subscription.client_state))
        self.assertEqual(other_subscription.status_code, 403)
        wrong_token = url.replace(subscription.token, "y" * len(subscription.token))
        body = notification(subscription.remote_id, subscription.client_state)
        self.assertEqual(self.post(wrong_token, body).status_code, 404)
        unknown = url.replace("/%d/" % subscription.id, "/%d/" % (subscription.id + 1000))
        self.assertEqual(self.post(unknown, body).status_code, 404)
        handshake = self.url_open(wrong_token + "&validationToken=echo-me", method="POST")
        self.assertEqual(handshake.status_code, 404)  # no echo for a URL we did not make
        big = self.post(url, b'{"value": [' + b" " * 200000 + b"]}")
        self.assertEqual(big.status_code, 413)
        self.assertEqual(self.post(url, b"{not json").status_code, 400)  # already logged once
        self.env.invalidate_all()
        self.assertFalse(self.sync_triggers())
        self.assertFalse(self.mailbox(self.alice).needs_sync)
        self.assertFalse(subscription.last_change or subscription.action)

    def test_the_handshake_echoes_the_token_as_plain_text(self):
        subscription = self.subscribed()
        token = "Validation: Testing client application reachability <b>&</b>"
        answer = self.url_open(
            subscription._url(), params={"validationToken": token}, method="POST"
        )
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.text, token)
        self.assertTrue(answer.headers["Content-Type"].startswith("text/plain"))
        self.assertEqual(answer.headers["X-Content-Type-Options"], "nosniff")

    def test_a_removed_subscription_is_made_again(self):
        subscription = self.subscribed()
        old_id = subscription.remote_id
        with self.exchange_calls():
            subscriptions_for(self.sim).lifecycle(old_id, "subscriptionRemoved")
            self.wait_judged(1, "graph", "lifecycle")
        self.assertEqual(subscription.action, "recreate")
        realtime_triggers = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", self.realtime_cron.id)]
        )
        self.assertTrue(realtime_triggers)
        self.assertTrue(self.mailbox(self.alice).needs_sync)  # changes may have been missed
        self.realtime_pass()
        self.assertEqual(subscription.state, "active")
        self.assertNotEqual(subscription.remote_id, old_id)
        self.assertFalse(subscription.action)
        active = subscriptions_for(self.sim).active(ALICE)
        self.assertEqual([s.id for s in active], [subscription.remote_id])

    def test_reauthorization_and_renewal(self):
        subscription = self.subscribed()
        remote = subscriptions_for(self.sim)
        with self.exchange_calls():
            remote.lifecycle(subscription.remote_id, "reauthorizationRequired")
            self.wait_judged(1, "graph", "lifecycle")
        self.assertEqual(subscription.action, "renew")
        self.assertTrue(remote.active(ALICE)[0].paused)
        self.realtime_pass()
        self.assertFalse(remote.active(ALICE)[0].paused)  # the PATCH reauthorized it
        self.assertFalse(subscription.action)
        # A day before it expires, the cron renews it.
        subscription.sudo().expires = fields.Datetime.now() + timedelta(hours=20)
        self.realtime_pass()
        self.assertGreater(subscription.expires, fields.Datetime.now() + timedelta(days=2))
        self.assertEqual(remote.active(ALICE)[0].id, subscription.remote_id)

    def test_a_failed_renewal_makes_a_new_subscription(self):
        subscription = self.subscribed()
        old_id = subscription.remote_id
        self.sim.graph_subscriptions._subs.pop(old_id)  # Graph lost it without telling
        subscription.sudo().expires = fields.Datetime.now() + timedelta(hours=2)
        self.realtime_pass()
        self.assertEqual(subscription.state, "active")
        self.assertNotEqual(subscription.remote_id, old_id)

    def test_missed_notifications_ask_for_a_run(self):
        subscription = self.subscribed()
        answer = self.post(
            subscription._url(),
            notification(subscription.remote_id, subscription.client_state, lifecycle="missed"),
        )
        self.assertEqual(answer.status_code, 202)
        self.assertTrue(self.mailbox(self.alice).needs_sync)
        self.assertEqual(len(self.sync_triggers()), 1)
        self.assertFalse(subscription.action)

    def test_an_unreachable_odoo_is_said_in_settings_and_the_cron_carries_on(self):
        self.env["ir.config_parameter"].set_param("web.base.url", "http://127.0.0.1:9")
        self.realtime_pass()
        subscription = self.subscription(self.alice)
        self.assertEqual(subscription.state, "failed")
        self.assertIn("http://127.0.0.1:9", subscription.last_error)
        self.assertIn("10 seconds", self.company.exchange_realtime_problem)
        self.assertFalse(subscriptions_for(self.sim).active())
        # Not retried before its time; the sync itself is untouched.
        self.realtime_pass()
        self.assertEqual(len(self.judged("graph", "validation")), 2)
        self.assertSynced(self.sync(self.alice))

    def test_with_real_time_off_subscriptions_are_deleted_and_the_cron_converges(self):
        self.subscribed()
        self.company.exchange_realtime = False
        self.realtime_pass()
        self.assertFalse(self.Subscription.search([]))
        self.assertFalse(subscriptions_for(self.sim).active())  # deleted in Graph too
        self.outlook_create(BOB, subject="Booked without real time")
        self.assertFalse(self.callbacks.deliveries("graph", "notification"))
        self.sync_cron.nextcall = fields.Datetime.now()
        self.env.flush_all()
        self.sync_cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(len(self.events("Booked without real time")), 1)
