"""Real-time updates with Exchange on premises: EWS push subscriptions calling this Odoo."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .realtime_common import RealtimeMixin, push_for
from .sync_common import ALICE, BOB, CAROL, SimulatorCase

NOTIFICATION = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body><m:SendNotification
      xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
      xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
    <m:ResponseMessages><m:SendNotificationResponseMessage ResponseClass="Success">
      <m:ResponseCode>NoError</m:ResponseCode>
      <m:Notification><t:SubscriptionId>%s</t:SubscriptionId>
        <t:CreatedEvent><t:Watermark>AQ==</t:Watermark><t:TimeStamp>2026-03-01T10:00:00Z</t:TimeStamp>
          <t:ItemId Id="AAMk" ChangeKey="x"/><t:ParentFolderId Id="F" ChangeKey="y"/>
        </t:CreatedEvent></m:Notification>
    </m:SendNotificationResponseMessage></m:ResponseMessages>
  </m:SendNotification></s:Body>
</s:Envelope>"""


@tagged("post_install", "-at_install")
class TestRealtimeEws(RealtimeMixin, SimulatorCase, HttpCase):
    def subscribed(self):
        """Alice and Bob subscribed, their first status pings answered OK."""
        self.sync(self.alice)
        self.subscribe_all(2)
        for user in (self.alice, self.bob):
            subscription = self.subscription(user)
            self.assertEqual(subscription.state, "active", subscription.last_error)
            self.assertEqual(subscription.protocol, "ews")
        self.assertEqual({d.outcome for d in self.judged("ews")}, {"OK"})
        self.quiet()
        return self.subscription(self.alice)

    def subscribe_all(self, calls):
        """The subscriptions cron's pass; Exchange's first pings wait until it is over."""
        push = push_for(self.sim)
        push.hold = True
        with self.exchange_calls():
            self.Subscription._realtime_pass()
            push.hold = False
            self.wait_judged(calls, "ews")

    def test_an_outlook_change_reaches_odoo_through_its_push_notification(self):
        subscription = self.subscribed()
        remote = push_for(self.sim).active(ALICE)
        self.assertEqual([s.id for s in remote], [subscription.remote_id])
        self.assertIn("/calendar_exchange_sync/notify/ews/%d/" % subscription.id, remote[0].url)
        self.assertEqual(remote[0].status_frequency, subscription.status_frequency)
        outlook = self.outlook(ALICE)
        with self.exchange_calls():
            self.remote_create(outlook, "Room booked in Outlook")
            self.wait_judged(3, "ews")
        self.assertEqual(self.judged("ews")[-1].events, ["create"])
        self.assertEqual(self.judged("ews")[-1].outcome, "OK")
        # The notification only marked the mailbox and triggered the sync cron.
        self.assertTrue(self.mailbox(self.alice).needs_sync)
        self.assertFalse(self.mailbox(self.bob).needs_sync)
        self.assertEqual(len(self.sync_triggers()), 1)
        self.assertFalse(self.events("Room booked in Outlook"))
        self.assertTrue(subscription.last_change and subscription.watermark)
        self.run_sync_cron()
        event = self.events("Room booked in Outlook")
        self.assertEqual(len(event), 1)
        self.assertEqual(event.user_id, self.alice)

    def test_a_burst_of_changes_makes_one_run(self):
        self.subscribed()
        push_for(self.sim).poll_interval = 0.01
        outlook = self.outlook(ALICE)
        with self.exchange_calls():
            for number in range(6):
                self.remote_create(outlook, "Burst %d" % number)
            self.callbacks.wait_for(
                lambda: sum(d.events.count("create") for d in self.judged("ews")) >= 6, timeout=10
            )
        self.assertEqual(len(self.sync_triggers()), 1)
        self.run_sync_cron()
        self.assertEqual(len(self.events("Burst 3")), 1)

    def test_forged_notifications_change_nothing(self):
        subscription = self.subscribed()
        url = subscription._url()
        wrong_token = url.replace(subscription.token, "x" * len(subscription.token))
        for target, sub_id in ((wrong_token, subscription.remote_id), (url, "someone-else")):
            answer = self.url_open(
                target, data=(NOTIFICATION % sub_id).encode(), headers={"Content-Type": "text/xml"}
            )
            self.assertEqual(answer.status_code, 200)
            self.assertIn(b">Unsubscribe<", answer.content)  # told to stop, nothing else
        with self.assertLogs("odoo.addons.calendar_exchange_sync", "WARNING") as logged:
            bad = self.url_open(url, data=b"<not-soap/>", headers={"Content-Type": "text/xml"})
            self.url_open(url, data=b"<again/>", headers={"Content-Type": "text/xml"})
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(len(logged.output), 1)  # logged once
        big = self.url_open(url, data=b"<x>" + b" " * 200000 + b"</x>")
        self.assertEqual(big.status_code, 413)
        other_db = self.url_open(url.replace("db=", "db=another"), data=b"<x/>")
        self.assertIn(b">Unsubscribe<", other_db.content)
        self.env.invalidate_all()
        self.assertFalse(self.sync_triggers())
        self.assertFalse(self.mailbox(self.alice).needs_sync)
        self.assertFalse(subscription.last_change)
        self.assertEqual(subscription.state, "active")

    def test_a_lost_subscription_is_made_again(self):
        subscription = self.subscribed()
        old_id, old_url = subscription.remote_id, subscription._url()
        push_for(self.sim).restart()  # Exchange restarted: its push subscriptions are gone
        # Nothing calls any more; after twice the status frequency the cron notices.
        stale = fields.Datetime.now() - timedelta(minutes=2 * subscription.status_frequency + 2)
        self.Subscription.search([]).write({"last_call": stale})
        self.subscribe_all(4)  # the two new subscriptions' first pings
        self.assertEqual(subscription.state, "active")
        self.assertNotEqual(subscription.remote_id, old_id)
        self.assertNotEqual(subscription._url(), old_url)  # a new secret for the new one
        self.assertEqual([s.id for s in push_for(self.sim).active(ALICE)], [subscription.remote_id])
        # What happened while nobody listened is caught by one run.
        self.assertTrue(self.mailbox(self.alice).needs_sync)
        self.assertTrue(self.sync_triggers())
        # The old URL now answers Unsubscribe.
        answer = self.url_open(old_url, data=(NOTIFICATION % old_id).encode())
        self.assertIn(b">Unsubscribe<", answer.content)

    def test_stopping_sync_ends_the_subscription(self):
        self.subscribed()
        bob = self.subscription(self.bob)
        self.bob.with_user(self.bob).exchange_sync_enabled = False
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.realtime_cron.id)])
        )
        self.realtime_pass()
        self.assertFalse(bob.exists())
        # Exchange's next call to Bob's URL is told to stop, which ends it on Exchange's side.
        push = push_for(self.sim)
        with self.exchange_calls():
            self.sim.store.clock.shift(timedelta(minutes=16))  # the next status pings
            self.wait_judged(4, "ews")
        self.assertEqual(push.ended[-1].mailbox, BOB)
        self.assertEqual(push.ended[-1].ended, "unsubscribed")
        self.assertTrue(push.active(ALICE))

    def test_a_moved_mailbox_makes_no_run_and_loses_its_subscription(self):
        """Issue 9: an administrator gives Bob another mailbox. What Exchange then says of the
        old one asks for no run on Bob's behalf, and its subscription ends at the next pass."""
        self.subscribed()
        bob = self.subscription(self.bob)
        old_box = bob.mailbox_id
        self.bob.exchange_mailbox = CAROL  # as an administrator (the test's superuser)
        self.quiet()
        outlook = self.outlook(BOB)
        with self.exchange_calls():
            self.remote_create(outlook, "Made in Bob's old mailbox")
            self.wait_judged(3, "ews")
        self.assertEqual(self.judged("ews")[-1].events, ["create"])
        self.assertFalse(old_box.needs_sync)
        self.assertFalse(self.sync_triggers())
        self.realtime_pass()
        self.assertFalse(bob.exists())
        self.assertFalse(self.subscription(self.bob))  # off until Bob switches on again
        self.assertTrue(self.subscription(self.alice))
        with self.exchange_calls():  # the old mailbox's next ping is told to stop
            self.sim.store.clock.shift(timedelta(minutes=16))
            self.wait_judged(5, "ews")
        self.assertEqual([s.mailbox for s in push_for(self.sim).active()], [ALICE])

    def test_with_real_time_off_the_cron_still_converges(self):
        self.subscribed()
        self.company.exchange_realtime = False
        self.realtime_pass()
        self.assertFalse(self.Subscription.search([]))
        outlook = self.outlook(ALICE)
        with self.exchange_calls():
            self.sim.store.clock.shift(timedelta(minutes=16))  # the next pings: Unsubscribe
            self.wait_judged(4, "ews")
            self.remote_create(outlook, "Booked without real time")
        self.assertEqual([d.outcome for d in self.judged("ews")[2:]], ["Unsubscribe"] * 2)
        self.assertFalse(push_for(self.sim).active())
        self.assertFalse(self.sync_triggers())  # nobody told Odoo
        # The 5-minute timer comes round and the sync catches up.
        self.sync_cron.nextcall = fields.Datetime.now()
        self.env.flush_all()
        self.sync_cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(len(self.events("Booked without real time")), 1)
