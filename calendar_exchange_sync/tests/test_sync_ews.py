"""End to end through the real exchangelib against the simulated Exchange 2016: both ways."""

from datetime import timedelta

from odoo.tests import tagged

from .sync_common import ALICE, BOB, SimulatorCase, in_days, naive


@tagged("post_install", "-at_install")
class TestSyncEws(SimulatorCase):
    def create_event(self, user, name, days=3, **values):
        start = in_days(days, 9)
        vals = {
            "name": name,
            "start": naive(start),
            "stop": naive(start + timedelta(hours=1)),
            "partner_ids": [(6, 0, [user.partner_id.id])],
        }
        vals.update(values)
        return self.Event.with_user(user).create(vals)

    def test_odoo_event_reaches_exchange_and_back(self):
        event = self.create_event(
            self.alice,
            "Budget review",
            location="Room 4",
            description="<p>Agenda: <b>budget</b></p>",
            partner_ids=[(6, 0, [self.alice.partner_id.id, self.bob.partner_id.id])],
        )
        log = self.sync(self.alice)
        self.assertSynced(log, exchange_created=1, odoo_created=0)
        remote = self.remote_by_subject(ALICE, "Budget review")
        self.assertEqual(remote.location, "Room 4")
        self.assertEqual(remote.start.replace(tzinfo=None), event.start)
        self.assertIn(BOB, [a.email for a in remote.required_attendees])
        # Nothing changed: the next run writes nothing anywhere.
        log = self.sync(self.alice)
        self.assertSynced(log, exchange_created=0, exchange_updated=0, odoo_updated=0)
        # An Odoo edit travels as an update of the same item.
        event.with_user(self.alice).write(
            {
                "name": "Budget review (moved)",
                "start": event.start + timedelta(hours=2),
                "stop": event.stop + timedelta(hours=2),
            }
        )
        log = self.sync(self.alice)
        self.assertSynced(log, exchange_updated=1, exchange_created=0)
        remote = self.remote_by_subject(ALICE, "Budget review (moved)")
        self.assertEqual(remote.start.replace(tzinfo=None), event.start)
        self.assertEqual(len(self.remote_items(ALICE)), 1)

    def test_outlook_entry_becomes_odoo_event(self):
        self.outlook_create(ALICE, subject="Dentist", location="Main street", privacy="private")
        self.outlook_create(ALICE, subject="Lunch with Ann")
        self.outlook_create(ALICE, subject="Customer call")
        log = self.sync(self.alice)
        self.assertSynced(log, odoo_created=3, exchange_created=0)
        dentist = self.events("Dentist")
        self.assertEqual(dentist.location, "Main street")
        self.assertEqual(dentist.privacy, "private")
        self.assertIn(self.alice.partner_id, dentist.partner_ids)
        ref = self.env.ref
        self.assertEqual(
            dentist.activity_type_id, ref("calendar_exchange_sync.activity_type_personal")
        )
        self.assertEqual(
            self.events("Lunch with Ann").activity_type_id,
            ref("calendar_exchange_sync.activity_type_lunch"),
        )
        self.assertEqual(
            self.events("Customer call").activity_type_id,
            ref("calendar_exchange_sync.activity_type_meeting"),
        )
        # The activity type travelled back to Exchange as the entry's category? No: an entry
        # born in Exchange keeps its content; the second run changes nothing on either side.
        log = self.sync(self.alice)
        self.assertSynced(log, odoo_created=0, odoo_updated=0, exchange_created=0)

    def test_type_not_synced_stays_in_odoo(self):
        private_type = self.env["calendar.activity.type"].create(
            {"name": "Internal only", "sync_to_exchange": False}
        )
        self.create_event(self.alice, "Odoo only", activity_type_id=private_type.id)
        self.create_event(self.alice, "Goes out")
        log = self.sync(self.alice)
        self.assertSynced(log, exchange_created=1)
        subjects = [i.subject for i in self.remote_items(ALICE)]
        self.assertEqual(subjects, ["Goes out"])

    def test_deletions_travel_both_ways(self):
        doomed_in_odoo = self.create_event(self.alice, "Cancelled in Odoo")
        self.create_event(self.alice, "Cancelled in Outlook")
        for i in range(4):
            self.create_event(self.alice, "Keeper %d" % i)
        self.assertSynced(self.sync(self.alice), exchange_created=6)
        doomed_in_odoo.with_user(self.alice).unlink()
        remote = self.remote_by_subject(ALICE, "Cancelled in Outlook")
        self.sim.store.delete_item(ALICE, remote.id)
        log = self.sync(self.alice)
        self.assertSynced(log, exchange_deleted=1, odoo_deleted=1)
        self.assertFalse(self.events("Cancelled in Outlook"))
        self.assertEqual(
            sorted(i.subject for i in self.remote_items(ALICE)),
            ["Keeper %d" % i for i in range(4)],
        )

    def test_two_synced_users_share_a_meeting_without_duplicates(self):
        meeting = self.create_event(
            self.alice,
            "Weekly sync",
            partner_ids=[(6, 0, [self.alice.partner_id.id, self.bob.partner_id.id])],
        )
        self.assertSynced(self.sync(self.alice), exchange_created=1)
        self.assertSynced(self.sync(self.bob), exchange_created=1, odoo_created=0)
        # Each mailbox holds it once; Odoo holds it once.
        self.remote_by_subject(ALICE, "Weekly sync")
        bobs = self.remote_by_subject(BOB, "Weekly sync")
        self.assertFalse(bobs.required_attendees, "Bob's copy is his own entry, not a meeting")
        self.assertEqual(len(self.events("Weekly sync")), 1)
        # Both again: quiet.
        self.assertSynced(self.sync(self.alice), exchange_created=0, odoo_created=0)
        self.assertSynced(self.sync(self.bob), exchange_created=0, odoo_created=0)
        # Bob moves his copy in Outlook: it stays his, Alice's meeting does not move (issue 12).
        later = bobs.start + timedelta(hours=1)
        self.sim.store.update_item(
            BOB, bobs.id, {"start": later, "end": bobs.end + timedelta(hours=1)}
        )
        self.assertSynced(self.sync(self.bob))
        self.assertEqual(meeting.start, naive(bobs.start))
        self.assertEqual(self.remote_by_subject(BOB, "Weekly sync").start, later)
        self.assertSynced(self.sync(self.alice))
        # Alice moves the meeting in Odoo: every entry of it follows, Bob's too.
        meeting.with_user(self.alice).write(
            {"start": meeting.start + timedelta(hours=2), "stop": meeting.stop + timedelta(hours=2)}
        )
        self.assertSynced(self.sync(self.alice), exchange_updated=1)
        self.assertSynced(self.sync(self.bob), exchange_updated=1)
        moved = self.remote_by_subject(BOB, "Weekly sync").start.replace(tzinfo=None)
        self.assertEqual(moved, meeting.start)

    def test_initial_sync_pairs_existing_entries_and_skips_old_ones(self):
        # The same entry exists on both sides before Alice's first sync.
        self.bob.with_user(self.bob).exchange_sync_enabled = False
        start = in_days(5, 13)
        self.create_event(
            self.bob,
            "Board meeting",
            days=5,
            start=naive(start),
            stop=naive(start + timedelta(hours=2)),
        )
        self.outlook_create(
            BOB, subject="Board meeting", start=start, end=start + timedelta(hours=2)
        )
        self.outlook_create(
            BOB,
            subject="Ancient history",
            start=in_days(-90),
            end=in_days(-90) + timedelta(hours=1),
        )
        self.bob.with_user(self.bob).exchange_sync_enabled = True
        log = self.sync(self.bob)
        # Paired, not duplicated; the contact card Odoo put in the description is no text of
        # the entry: the two are the same, no conflict and nothing written (issue 11, point 7).
        self.assertSynced(log, matched=1)
        self.assertSynced(self.sync(self.bob))
        self.assertEqual(len(self.events("Board meeting")), 1)
        self.assertFalse(self.events("Ancient history"))
        self.assertEqual(len(self.remote_items(BOB)), 2)
