"""Issue 12: meetings that come from Exchange are one Odoo event, whoever's mailbox brings them
in first, and an outside sender's UID or organizer address joins nobody to anything.

Alice organises in Outlook; a customer (``PARTNER``) organises outside; Mallory forges.
"""

from datetime import timedelta

from odoo.tests import tagged

from ..sync.items import Attendee, CalendarItem
from .meeting_common import CANCELED, DAN, EVE, MeetingEwsCase, MeetingGraphCase
from .sync_common import ALICE, BOB, CAROL, in_days

PARTNER = "organizer@partner.example"


class FromExchange:
    allow_inherited_tests_method = True

    # -- playing Outlook and the outside world --------------------------------------------

    def outlook_meeting(self, organizer, subject, attendees, days=3):
        """A meeting Outlook sends from ``organizer``'s mailbox."""
        start = in_days(days, 10)
        item = CalendarItem(
            subject=subject,
            start=start,
            end=start + timedelta(hours=1),
            timezone="Europe/Stockholm",
            organizer=organizer,
            attendees=tuple(Attendee(a) for a in attendees),
        )
        [result] = self.outlook(organizer).create([(None, item)], send={None})
        self.assertTrue(result.ok, result.error)
        return result.remote.id

    def outlook_edit(self, mailbox, remote_id, **changes):
        """Outlook saves the organizer's edit and sends the update."""
        return super().outlook_edit(mailbox, remote_id, send={remote_id}, **changes)

    def delivered(self, mailbox, uid, subject, attendees, organizer=PARTNER, **values):
        """A copy as Exchange puts it in place for an invitation from outside (or a forgery:
        an outsider chooses every value of what they send)."""
        from exchange_simulator.store import Attendee as StoreAttendee

        start = values.pop("start", in_days(4, 13))
        return self.sim.store.create_item(
            mailbox,
            dict(
                {
                    "subject": subject,
                    "start": start,
                    "end": start + timedelta(hours=1),
                    "start_tz": "W. Europe Standard Time",
                    "end_tz": "W. Europe Standard Time",
                    "uid": uid,
                    "organizer": StoreAttendee(organizer, "Organizer"),
                    "required_attendees": [StoreAttendee(a, "") for a in attendees],
                    "my_response": "NoResponseReceived",
                    "show_as": "Tentative",
                },
                **values,
            ),
        )

    # -- tests ---------------------------------------------------------------------------

    def test_an_outlook_meeting_is_one_event_whichever_mailbox_comes_first(self):
        remote_id = self.outlook_meeting(ALICE, "Roadmap", [BOB, CAROL, DAN, EVE])
        people = (self.bob, self.carol, self.dan, self.eve)
        self.assertEqual([self.invitations(p) for p in people], [1, 1, 1, 1])
        # Bob's copy is read before Alice's mailbox: his own received entry, for now.
        self.sync(self.bob)
        first = self.events("Roadmap")
        self.assertEqual((first.user_id, first.exchange_organizer), (self.bob, ALICE))
        self.sync_all(self.alice, self.bob, self.carol)
        event = self.assertOneMeeting("Roadmap")
        self.assertEqual(event.user_id, self.alice, "Alice's own mailbox proves the meeting")
        self.assertFalse(first.exists(), "Bob's entry moved onto Alice's meeting")
        self.assertEqual(event.exchange_invitations, "sent")
        expected = self.alice.partner_id | self.bob.partner_id | self.carol.partner_id
        expected |= self.dan.partner_id | self.eve
        self.assertEqual(event.partner_ids, expected)
        self.assertEqual(self.sent_by_odoo, [], "Odoo sends nothing for a meeting from Outlook")
        self.assertEqual([self.invitations(p) for p in people], [1, 1, 1, 1])
        # Bob answers in Outlook: his line in Odoo says so, as does Alice's item.
        self.outlook_answer(BOB, "Roadmap", "accepted")
        self.sync_all()
        self.assertEqual(self.odoo_answer(event, self.bob), "accepted")
        self.assertEqual(self.organizer_tally(ALICE, "Roadmap", BOB), "Accept")
        # Alice renames it in Outlook: Odoo's event and every copy follow.
        self.outlook_edit(ALICE, remote_id, subject="Roadmap 2027")
        self.sync_all()
        event = self.assertOneMeeting("Roadmap 2027")
        self.assertEqual(self.odoo_answer(event, self.bob), "accepted")
        # Alice cancels in Outlook: gone from Odoo, and no cancelled copy comes back as one.
        now = self.outlook(ALICE).fetch([remote_id])[remote_id]
        [gone] = self.outlook(ALICE).delete([(remote_id, now.version)], send={remote_id})
        self.assertTrue(gone.ok, gone.error)
        self.sync_all()
        self.assertFalse(self.events("Roadmap 2027") | self.events("Canceled: Roadmap 2027"))
        self.assertEqual([self.exchange_mail(a, CANCELED) for a in (BOB, CAROL, EVE)], [1, 1, 1])

    def test_a_copy_deleted_before_the_organizers_mailbox_is_read_declines(self):
        self.outlook_meeting(ALICE, "Retro", [BOB, CAROL])
        self.sync(self.bob)  # his received entry, for now
        self.sim.store.delete_item(BOB, self.copy_in(BOB, "Retro").id)
        self.sync_all()  # Alice's mailbox proves the meeting; Bob's entry was gone already
        event = self.assertOneMeeting("Retro", mailboxes=(ALICE, CAROL))
        self.assertEqual(self.entries(BOB, "Retro"), [])
        self.assertEqual(self.odoo_answer(event, self.bob), "declined")
        self.assertEqual(self.exchange_mail(CAROL, CANCELED), 0)
        for user in self.synced:
            self.assertSynced(self.sync(user))

    def test_a_meeting_from_outside_reaching_two_users_is_one_event(self):
        uid = "040000008200E00074C5B7101A82E00800000000AA11"
        for mailbox in (ALICE, BOB):
            self.delivered(mailbox, uid, "Partner review", [ALICE, BOB])
        self.sync_all(self.alice, self.bob)
        event = self.assertOneMeeting("Partner review", mailboxes=(ALICE, BOB))
        self.assertIn(self.alice.partner_id, event.partner_ids)
        self.assertIn(self.bob.partner_id, event.partner_ids)
        self.assertEqual(event.exchange_organizer, PARTNER)
        self.outlook_answer(BOB, "Partner review", "tentative")
        self.sync_all(self.alice, self.bob)
        self.assertEqual(self.odoo_answer(event, self.bob), "tentative")
        self.assertEqual(self.odoo_answer(event, self.alice), "needsAction")
        for user in (self.alice, self.bob):
            self.assertSynced(self.sync(user))

    def test_an_outsider_choosing_uid_and_organizer_joins_nobody(self):
        # A private meeting between Alice and Bob, organised in Odoo and sent by Exchange.
        self.invitations_on()
        secret = self.meeting(
            self.alice, "Acquisition talks", self.bob.partner_id, privacy="private"
        )
        self.sync_all(self.alice, self.bob)
        uid = self.copy_in(ALICE, "Acquisition talks").uid
        # Mallory sends Carol an item with that UID, "from" Alice, naming Carol.
        self.delivered(
            CAROL, uid, "Harmless lunch", [ALICE, BOB, CAROL], organizer=ALICE,
            start=in_days(3, 9),
        )  # fmt: skip
        # And an outside meeting between Alice and Bob that names Carol only in her copy.
        shared_uid = "040000008200E00074C5B7101A82E00800000000BB22"
        for mailbox in (ALICE, BOB):
            self.delivered(mailbox, shared_uid, "Partner dinner", [ALICE, BOB])
        self.delivered(CAROL, shared_uid, "Partner dinner", [ALICE, BOB, CAROL])
        # A private outside meeting reaching Alice and Bob stays two entries of their own.
        private_uid = "040000008200E00074C5B7101A82E00800000000CC33"
        for mailbox in (ALICE, BOB):
            self.delivered(mailbox, private_uid, "Medical", [ALICE, BOB], sensitivity="Private")
        self.sync_all()
        self.assertNotIn(self.carol.partner_id, secret.partner_ids)
        self.assertEqual(secret.with_user(self.carol).display_name, "Busy")
        forged = self.events("Harmless lunch")
        self.assertEqual(forged.user_id, self.carol, "an entry of Carol's own")
        self.assertFalse((self.alice | self.bob).partner_id & forged.partner_ids, "named only")
        dinner = self.events("Partner dinner")
        self.assertEqual(len(dinner), 2, "Carol's copy does not join Alice and Bob's event")
        shared = dinner.filtered(lambda e: e.user_id != self.carol)
        self.assertNotIn(self.carol.partner_id, shared.partner_ids)
        self.assertTrue({self.alice.partner_id, self.bob.partner_id} <= set(shared.partner_ids))
        medical = self.events("Medical")
        self.assertEqual(sorted(medical.user_id.ids), sorted((self.alice | self.bob).ids))
        for event in medical:
            other = (self.alice | self.bob) - event.user_id
            self.assertNotIn(other.partner_id, event.partner_ids)
        self.assertEqual(self.sim.journal.mail(sender=CAROL), [], "nothing said in Carol's name")

    def test_editing_all_events_of_a_series_updates_it_in_place(self):
        from odoo.addons.calendar.models.calendar_recurrence import weekday_to_field

        self.invitations_on()
        start = in_days(7, 9)
        event = self.meeting(
            self.alice, "Weekly", self.bob.partner_id | self.eve, days=7,
            recurrency=True, rrule_type="weekly", interval=1, end_type="count", count=4,
            event_tz="Europe/Stockholm", **{weekday_to_field(start.weekday()): True},
        )  # fmt: skip
        self.sync_all(self.alice, self.bob)
        [master] = self.entries(ALICE, "Weekly")
        [copy_] = self.entries(BOB, "Weekly")
        self.assertEqual((master.uid, self.exchange_mail(BOB)), (copy_.uid, 1))
        self.outlook_answer(BOB, "Weekly", "accepted")
        self.sync_all(self.alice, self.bob)
        old = event.recurrence_id
        base = old.base_event_id
        base.with_user(self.alice).write(
            {
                "name": "Weekly (later)",
                "start": base.start + timedelta(hours=2),
                "stop": base.stop + timedelta(hours=2),
                "recurrence_update": "all_events",
            }
        )
        self.assertNotEqual(base.recurrence_id, old, "Odoo rewrote the series")
        log = self.sync(self.alice)
        self.assertSynced(log, exchange_updated=1)
        [again] = self.entries(ALICE, "Weekly (later)")
        self.assertEqual((again.id, again.uid), (master.id, master.uid), "the same item")
        self.assertEqual(self.exchange_mail(BOB, CANCELED), 0, "nobody got a cancellation")
        self.assertEqual(self.exchange_mail(BOB), 2, "one update")
        self.sync_all(self.alice, self.bob)
        [bobs] = self.entries(BOB, "Weekly (later)")
        self.assertEqual(bobs.id, copy_.id)
        series = self.events("Weekly (later)").recurrence_id
        self.assertEqual(len(series), 1)
        self.assertFalse(self.events("Weekly").filtered("active"))
        for user in (self.alice, self.bob):
            self.assertSynced(self.sync(user))


@tagged("post_install", "-at_install")
class TestFromExchangeEws(FromExchange, MeetingEwsCase):
    pass


@tagged("post_install", "-at_install")
class TestFromExchangeGraph(FromExchange, MeetingGraphCase):
    pass
