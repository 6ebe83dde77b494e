"""Updates from Exchange: an entry gets a new revision once per run, in one statement for the
whole batch (the entry's own write and its attendees' each bumped it before: two UPDATEs per
entry), and the binding still agrees on the revision the entry ends with; what Odoo holds is
read only where it counts, and still there; and only what changed is written."""

from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged

from .sync_common import ALICE, GraphSimulatorCase, SimulatorCase, in_days, naive


@tagged("post_install", "-at_install")
class TestInboundRevisions(SimulatorCase):
    def test_an_update_from_exchange_bumps_each_revision_once(self):
        remote_ids = [self.outlook_create(ALICE, subject="Entry %d" % n).id for n in range(3)]
        self.assertSynced(self.sync(self.alice), odoo_created=3)
        events = self.events("Entry 0") | self.events("Entry 1") | self.events("Entry 2")
        before = {event.id: event.exchange_revision for event in events}
        for n, remote_id in enumerate(remote_ids[:2]):
            self.outlook_edit(ALICE, remote_id, subject="Entry %d" % n, location="Room %d" % n)
        self.assertSynced(self.sync(self.alice), odoo_updated=2)
        after = {event.id: event.exchange_revision for event in events}
        edited = self.events("Entry 0") | self.events("Entry 1")
        self.assertEqual(edited.mapped("location"), ["Room 0", "Room 1"])
        for event in events:
            bumps = 1 if event in edited else 0
            self.assertEqual(after[event.id], before[event.id] + bumps, event.name)
        bindings = self.env["calendar.exchange.binding"].search(
            [("mailbox_id", "=", self.mailbox(self.alice).id)]
        )
        self.assertEqual(
            {b.local_id: b.local_version for b in bindings},
            {"calendar.event,%d" % e.id: str(e.exchange_revision) for e in events},
        )
        # Agreed: the next run finds nothing to do, in either direction.
        self.assertSynced(self.sync(self.alice))
        # A later edit in Odoo still travels: the revision goes up as before.
        edited[0].location = "Room 9"
        self.assertSynced(self.sync(self.alice), exchange_updated=1)
        self.assertEqual(self.remote_by_subject(ALICE, "Entry 0").location, "Room 9")


@tagged("post_install", "-at_install")
class TestOdooAttendeesKeptOnOffice365(GraphSimulatorCase):
    """An Odoo meeting whose invitations Odoo sends is written to Graph without attendees (or
    Graph would invite them a second time). When Outlook edits it, the item read back has
    none: the sync reads Odoo's for that entry only, and an edit of another field in Outlook
    removes nobody from the meeting."""

    def test_an_outlook_edit_of_an_odoo_meeting_keeps_its_attendees(self):
        customer = self.env["res.partner"].create(
            {"name": "Customer", "email": "buyer@customer.example"}
        )
        start = naive(in_days(3, 10))
        meeting = self.Event.with_user(self.alice).create(
            {
                "name": "Offer review",
                "start": start,
                "stop": start + timedelta(hours=1),
                "partner_ids": [(6, 0, (self.alice.partner_id | customer).ids)],
            }
        )
        self.assertSynced(self.sync(self.alice), exchange_created=1)
        remote = self.remote_by_subject(ALICE, "Offer review")
        self.assertFalse(remote.required_attendees or remote.optional_attendees)  # Odoo invites
        graph_id = (
            self.env["calendar.exchange.binding"]
            .search([("local_id", "=", "calendar.event,%d" % meeting.id)])
            .remote_id
        )
        self.outlook_edit(ALICE, graph_id, location="Room 4")
        self.assertSynced(self.sync(self.alice), odoo_updated=1)
        meeting.invalidate_recordset()
        self.assertEqual(meeting.location, "Room 4")
        self.assertIn(customer, meeting.partner_ids)


@tagged("post_install", "-at_install")
class TestInboundWritesWhatChanged(SimulatorCase):
    """An edit in Outlook usually changes one field of an item: Odoo is written only what
    differs from what it holds (the rest would cost Odoo's whole write: attendee lines, alarms,
    the description sanitised again), and the times always together."""

    def synced_writes(self):
        """Sync Alice; answer the values each write of an Odoo event was given."""
        writes = []
        Event = type(self.env["calendar.event"])
        write = Event.write

        def recording(records, vals):
            writes.append(dict(vals))
            return write(records, vals)

        with patch.object(Event, "write", recording):
            self.assertSynced(self.sync(self.alice), odoo_updated=1)
        return writes

    def test_a_new_subject_writes_the_subject_alone(self):
        start = in_days(3, 10)
        remote = self.outlook_create(
            ALICE, subject="Plan", location="Room 1", body="<p>Agenda</p>", start=start
        )
        self.assertSynced(self.sync(self.alice), odoo_created=1)
        event = self.events("Plan")
        attendees = event.attendee_ids
        self.outlook_edit(ALICE, remote.id, subject="Plan B")
        writes = self.synced_writes()
        self.assertEqual([sorted(w) for w in writes], [["name"]])
        event.invalidate_recordset()
        self.assertEqual((event.name, event.location), ("Plan B", "Room 1"))
        self.assertEqual(event.start, naive(start))
        self.assertEqual(event.attendee_ids, attendees)
        self.assertSynced(self.sync(self.alice))  # agreed

    def test_a_start_moved_alone_keeps_the_end(self):
        start = in_days(3, 10)
        remote = self.outlook_create(ALICE, subject="Review", start=start)
        self.assertSynced(self.sync(self.alice), odoo_created=1)
        event = self.events("Review")
        # Later by half an hour, the end where it was: Odoo would have moved the end with the
        # start had the end not been written beside it.
        self.outlook_edit(ALICE, remote.id, start=start + timedelta(minutes=30))
        writes = self.synced_writes()
        event.invalidate_recordset()
        self.assertEqual(event.start, naive(start + timedelta(minutes=30)))
        self.assertEqual(event.stop, naive(start + timedelta(hours=1)))
        self.assertEqual([sorted(w) for w in writes], [["allday", "start", "stop"]])
        self.assertSynced(self.sync(self.alice))
        self.assertEqual(self.remote_by_subject(ALICE, "Review").end, start + timedelta(hours=1))
