"""Issue 11, points 1 and 7, as a user sees them: an answer lost on the way back never makes an
entry twice (Office 365 and Exchange Server), an extra copy carrying an entry's identity is
removed instead of imported, and identical entries paired at the first sync are no conflict."""

from datetime import timedelta

from odoo.tests import tagged

from ..bridge.backends import connection_settings, make_backend
from .sync_common import ALICE, GraphSimulatorCase, SimulatorCase, in_days, naive

BATCH = "POST /$batch"


class EntriesMixin:
    def entry(self, name, days):
        start = in_days(days, 9)
        return self.Event.with_user(self.alice).create(
            {
                "name": name,
                "start": naive(start),
                "stop": naive(start + timedelta(hours=1)),
                "partner_ids": [(6, 0, self.alice.partner_id.ids)],
            }
        )

    def assertOnceEach(self, *names):
        subjects = sorted(i.subject for i in self.remote_items(ALICE))
        self.assertEqual(subjects, sorted(names))
        for name in names:
            self.assertEqual(len(self.events(name)), 1, name)


@tagged("post_install", "-at_install")
class TestLostAnswersGraph(EntriesMixin, GraphSimulatorCase):
    def batch_faults(self):
        """The fault each ``$batch`` met, in order."""
        return [e.fault for e in self.sim.journal.entries(operation=BATCH)]

    def test_a_batch_of_creates_whose_answer_is_lost(self):
        self.entry("First", 2)
        self.entry("Second", 3)
        # The first $batch looks the new entries up by identity (none yet); the second creates.
        self.sim.faults.add("lost_answer", protocol="graph", operation=BATCH, skip=1)
        log = self.sync(self.alice)
        # The creates were carried out; the client found them by identity, sent nothing again.
        self.assertSynced(log, exchange_created=2)
        self.assertEqual(self.batch_faults(), ["", "lost_answer", ""])
        self.assertOnceEach("First", "Second")
        self.assertSynced(self.sync(self.alice))
        self.assertOnceEach("First", "Second")

    def test_a_batch_of_creates_answered_after_the_time_out(self):
        self.entry("Late", 2)
        backend = make_backend(connection_settings(self.company), ALICE)
        # Odoo's test framework makes every time-out at least 10 s: the answer comes after.
        backend.settings.timeout = 10.0
        self.sim.faults.add("late_answer", protocol="graph", operation=BATCH, skip=1, seconds=11)
        log = self.sync(self.alice, backend=backend)
        self.assertSynced(log, exchange_created=1)
        self.assertOnceEach("Late")
        self.assertSynced(self.sync(self.alice))
        self.assertOnceEach("Late")
        # the create met the late answer (no look-up batch follows it since creates are
        # idempotent by transactionId: the next run reads nothing it already listed)
        self.assertEqual(self.batch_faults()[:2], ["", "late_answer"])

    def test_an_extra_copy_of_an_entry_is_removed_not_imported(self):
        from exchange_simulator.store_model import _ASSIGNED, FIELD_NAMES

        self.entry("Made twice", 2)
        self.sync(self.alice)
        made = self.remote_by_subject(ALICE, "Made twice")
        # A client that resent the create without its transactionId made a second item with
        # the entry's identity and content.
        values = {name: getattr(made, name) for name in FIELD_NAMES - _ASSIGNED - {"uid", "extra"}}
        values["extra"] = {k: v for k, v in made.extra.items() if k != "transaction_id"}
        copy = self.sim.store.create_item(ALICE, values)
        log = self.sync(self.alice)
        self.assertSynced(log, exchange_deleted=1)
        self.assertOnceEach("Made twice")
        self.assertEqual([i.id for i in self.remote_items(ALICE)], [made.id])
        self.assertNotEqual(copy.id, made.id)


@tagged("post_install", "-at_install")
class TestLostAnswersEws(EntriesMixin, SimulatorCase):
    def test_a_create_item_whose_answer_is_lost(self):
        self.entry("First", 2)
        self.entry("Second", 3)
        self.sim.faults.add("lost_answer", protocol="ews", operation="CreateItem")
        log = self.sync(self.alice)
        self.assertEqual(log.state, "failed")
        self.assertIn("dropped the connection", log.message)
        self.assertEqual(len(self.remote_items(ALICE)), 2)  # carried out all the same
        # The next run finds both by their identity: nothing is created twice (and nothing
        # else to do: no log line).
        self.assertSynced(self.sync(self.alice))
        self.assertFalse(self.mailbox(self.alice).last_error)
        self.assertOnceEach("First", "Second")
        self.assertSynced(self.sync(self.alice))

    def test_identical_entries_paired_at_the_first_sync_are_no_conflict(self):
        self.alice.with_user(self.alice).exchange_sync_enabled = False
        for n in range(2):
            event = self.entry("Same %d" % n, 3 + n)
            start = in_days(3 + n, 9)
            self.outlook_create(
                ALICE, subject=event.name, start=start, end=start + timedelta(hours=1)
            )
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        log = self.sync(self.alice)
        self.assertSynced(log, matched=2)
        self.assertOnceEach("Same 0", "Same 1")
        self.assertSynced(self.sync(self.alice))
