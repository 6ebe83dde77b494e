"""Shared set-up of the real-time tests: the simulator calls this test's own HTTP server.

Odoo's HttpCase serves requests on the test's transaction; a request may only run while the
test lets it (``exchange_calls``), and the test must not use the cursor meanwhile, so each
block waits, in the simulator's own records, until Exchange's calls were answered.
"""

from contextlib import contextmanager
from datetime import timedelta

from odoo import fields

from ..sync.items import CalendarItem
from .sync_common import in_days

try:
    from exchange_simulator.callbacks import callbacks_for
    from exchange_simulator.ews.push import push_for
    from exchange_simulator.graph.subscriptions import subscriptions_for
except ImportError:  # pragma: no cover - the addon outside its repository (the cases skip)
    callbacks_for = push_for = subscriptions_for = None


class RealtimeMixin:
    """With a ``SimulatorCase`` and ``HttpCase``: real-time updates on, fast callbacks."""

    def setUp(self):
        super().setUp()
        self.company.exchange_realtime = True
        callbacks = callbacks_for(self.sim)
        callbacks.allow_http = True  # the test server speaks plain HTTP on 127.0.0.1
        push_for(self.sim).poll_interval = 0.05
        subscriptions_for(self.sim).delay = 0.05
        self.callbacks = callbacks
        self.Subscription = self.env["calendar.exchange.subscription"]
        self.sync_cron = self.env.ref("calendar_exchange_sync.ir_cron_exchange_sync")
        self.realtime_cron = self.env.ref("calendar_exchange_sync.ir_cron_exchange_realtime")
        # The timer is not due during the test: only a trigger can ask for a sync run.
        self.sync_cron.nextcall = fields.Datetime.now() + timedelta(days=1)

    @contextmanager
    def exchange_calls(self):
        """Let Exchange's calls into Odoo (they see this transaction, flushed first)."""
        self.env.flush_all()
        with self.allow_requests(all_requests=True):
            yield
        self.env.invalidate_all()

    def judged(self, protocol=None, kind=None):
        return [d for d in self.callbacks.deliveries(protocol, kind) if d.outcome]

    def wait_judged(self, count, protocol=None, kind=None, timeout=10):
        """Wait (inside ``exchange_calls``) until Exchange has had ``count`` answers."""
        found = self.callbacks.wait_for(
            lambda: len(self.judged(protocol, kind)) >= count, timeout=timeout
        )
        self.assertTrue(found, "Exchange got %d answers, not %d" % (len(self.judged()), count))
        return self.judged(protocol, kind)

    def remote_create(self, side, subject):
        """An entry made in Exchange as Outlook would, through ``side`` (built beforehand:
        inside ``exchange_calls`` the test must not touch the database)."""
        start = in_days(2, 10)
        item = CalendarItem(subject=subject, start=start, end=start + timedelta(hours=1))
        [result] = side.create([(None, item)])
        self.assertTrue(result.ok, result.error)

    def realtime_pass(self):
        """The subscriptions cron's work, with Exchange's calls (handshake, pings) let in."""
        with self.exchange_calls():
            self.Subscription._realtime_pass()

    def subscription(self, user):
        return self.Subscription.search([("mailbox_id.user_id", "=", user.id)])

    def sync_triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.sync_cron.id)])

    def quiet(self):
        """Forget the triggers and marks so far: what follows is the notification's doing."""
        self.sync_triggers().unlink()
        self.env["calendar.exchange.mailbox"].search([]).write({"needs_sync": False})
        self.env.flush_all()

    def run_sync_cron(self):
        """Run the triggered sync job as the scheduler would (its own cursor and commits)."""
        self.assertTrue(self.sync_triggers(), "no trigger: the job would not run now")
        self.assertGreater(self.sync_cron.nextcall, fields.Datetime.now())  # the timer is not due
        self.env.flush_all()
        self.sync_cron.method_direct_trigger()
        self.env.invalidate_all()
