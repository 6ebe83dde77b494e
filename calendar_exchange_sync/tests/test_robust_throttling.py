"""Issue 11, point 6: a cron worker never sleeps on a server's behalf. A throttled mailbox is
postponed at once, honouring Retry-After (Graph) and BackOffMilliseconds (EWS); a storm is one
log line per mailbox; a server that does not answer in time is said to have timed out."""

import dataclasses
import time
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..bridge.backends import connection_settings, ews_settings
from ..bridge.postponement import TIMEOUT_WAIT
from ..sync.ews import EwsSide
from .sync_common import ALICE, GraphSimulatorCase, SimulatorCase, in_days, naive


class StormMixin:
    def make_entry(self):
        start = in_days(3, 9)
        self.Event.with_user(self.alice).create(
            {
                "name": "Waiting",
                "start": naive(start),
                "stop": naive(start + timedelta(hours=1)),
                "partner_ids": [(6, 0, self.alice.partner_id.ids)],
            }
        )

    def storm(self, attempts):
        """``attempts`` runs during a storm (the cron takes the mailbox again whenever its
        postponement is over): each returns at once, and all share one log line."""
        logs = self.env["calendar.exchange.log"]
        for _ in range(attempts):
            began = time.monotonic()
            logs |= self.sync(self.alice)
            self.assertLess(time.monotonic() - began, 3, "the worker slept on the server")
        return logs

    def assertOneLine(self, logs, attempts, retry_after):
        self.assertEqual(len(logs), 1, "one line per mailbox for the storm")
        self.assertEqual((logs.state, logs.attempts), ("postponed", attempts))
        mailbox = self.mailbox(self.alice)
        wait = mailbox.next_attempt - fields.Datetime.now()
        self.assertGreater(wait, timedelta(seconds=retry_after - 3))
        self.assertLess(wait, timedelta(seconds=retry_after + 3))

    def test_a_storm_is_one_postponed_line(self):
        self.make_entry()
        self.start_storm()
        logs = self.storm(5)
        self.assertOneLine(logs, 5, self.RETRY_AFTER)
        self.assertEqual(self.remote_items(ALICE), [])
        # Over: the entry goes out; a later storm is a new line.
        self.sim.faults.clear()
        done = self.sync(self.alice)
        self.assertEqual((done.state, done.exchange_created), ("done", 1))
        self.start_storm()
        again = self.storm(2)
        self.assertEqual(len(again), 1)
        self.assertNotIn(again, logs)
        self.assertEqual(again.attempts, 2)


@tagged("post_install", "-at_install")
class TestThrottlingGraph(StormMixin, GraphSimulatorCase):
    RETRY_AFTER = 20

    def start_storm(self):
        # Graph's own answer to too many requests: 429 with Retry-After, on every call.
        self.sim.faults.add("throttle", protocol="graph", count=1000, retry_after=self.RETRY_AFTER)


@tagged("post_install", "-at_install")
class TestThrottlingEws(StormMixin, SimulatorCase):
    RETRY_AFTER = 30

    def start_storm(self):
        self.sim.faults.add(
            "server_busy", protocol="ews", count=1000, back_off_ms=self.RETRY_AFTER * 1000
        )

    def test_a_late_answer_is_a_time_out_and_postpones(self):
        self.make_entry()
        # Odoo's test framework makes every time-out at least 10 s: the answer comes after.
        settings = dataclasses.replace(ews_settings(connection_settings(self.company)), timeout=10)
        self.sim.faults.add("late_answer", protocol="ews", operation="SyncFolderItems", seconds=11)
        began = time.monotonic()
        log = self.sync(self.alice, backend=EwsSide(settings, ALICE))
        self.assertLess(time.monotonic() - began, 10.9)
        self.assertEqual(log.state, "postponed")
        self.assertIn("did not answer within 10 seconds", log.message)
        self.assertNotIn("could not be reached", log.message)
        wait = self.mailbox(self.alice).next_attempt - fields.Datetime.now()
        self.assertGreater(wait, timedelta(seconds=TIMEOUT_WAIT - 5))
        time.sleep(1.2)  # the simulator's late answer goes to nobody
