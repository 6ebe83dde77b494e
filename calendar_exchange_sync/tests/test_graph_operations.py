"""Graph operations of a run (Graph throttles per operation, a ``$batch`` member is one): what
the run already knows is not read again from Exchange before it is written.

An Odoo edit of an entry last agreed as a plain one (no attendees, no answer) is sent as one
PATCH: nothing Exchange holds of it changes what is written. A meeting is still read first.
"""

from datetime import timedelta

from odoo.tests import tagged

from .sync_common import ALICE, GraphSimulatorCase, in_days, naive


@tagged("post_install", "-at_install")
class TestGraphOperations(GraphSimulatorCase):
    def operations(self):
        """(Graph operations, their kinds) the simulator answered since the journal's clear."""
        entries = self.sim.journal.entries("graph")
        total = sum(e.items if e.operation == "POST /$batch" else 1 for e in entries)
        return total, sorted({e.operation for e in entries})

    def test_an_entry_edited_in_odoo_is_written_without_being_read_first(self):
        start = in_days(4, 9)
        events = self.Event.with_user(self.alice).create(
            [
                {
                    "name": "Plain %d" % n,
                    "start": naive(start + timedelta(hours=n)),
                    "stop": naive(start + timedelta(hours=n, minutes=30)),
                }
                for n in range(3)
            ]
        )
        self.assertSynced(self.sync(self.alice), exchange_created=3)
        self.assertSynced(self.sync(self.alice))
        for event in events:
            event.with_user(self.alice).name += " (moved)"
        self.sim.journal.clear()
        self.assertSynced(self.sync(self.alice), exchange_updated=3)
        total, kinds = self.operations()
        # The delta listing (nothing changed in Outlook), then the three PATCHes in one $batch.
        self.assertEqual(total, 4, kinds)
        self.assertEqual(len(self.sim.journal.entries("graph", "POST /$batch")), 1, kinds)
        for n in range(3):
            self.remote_by_subject(ALICE, "Plain %d (moved)" % n)  # exactly one each
        self.assertSynced(self.sync(self.alice))

    def test_a_meeting_edited_in_odoo_is_read_before_it_is_written(self):
        start = in_days(5, 14)
        meeting = self.Event.with_user(self.alice).create(
            {
                "name": "Review",
                "start": naive(start),
                "stop": naive(start + timedelta(hours=1)),
                "partner_ids": [(6, 0, [self.alice.partner_id.id, self.bob.partner_id.id])],
            }
        )
        self.assertSynced(self.sync(self.alice), exchange_created=1)
        self.assertSynced(self.sync(self.alice))
        meeting.with_user(self.alice).name = "Review (moved)"
        self.sim.journal.clear()
        self.assertSynced(self.sync(self.alice), exchange_updated=1)
        total, kinds = self.operations()
        # The delta listing, the entry read as Exchange holds it (attendees are Odoo's), the PATCH.
        self.assertEqual(total, 3, kinds)
        self.remote_by_subject(ALICE, "Review (moved)")
