"""Issue 12: a meeting organised in Odoo is one meeting everywhere, with Exchange sending the
invitations (company setting on) or nobody but Odoo (setting off), on EWS and Office 365.

Alice organises; Bob and Carol synchronise too; Dan (a colleague without sync) and Eve (a
customer) are invited. Every step counts Odoo events, entries per mailbox, the invitations each
attendee received (Odoo's notifications plus Exchange's mail) and the answers on both sides.
"""

from datetime import timedelta

from odoo.tests import tagged

from .meeting_common import CANCELED, DAN, EVE, MeetingEwsCase, MeetingGraphCase
from .sync_common import ALICE, BOB, CAROL


class InvitedByExchange:
    """Company setting on: Exchange sends, Odoo does not."""

    allow_inherited_tests_method = True

    def test_create_update_answer_decline_cancel(self):
        self.invitations_on()
        event = self.meeting(self.alice, "Kick-off", self.everyone())
        self.assertEqual(event.exchange_invitations, "pending")
        self.assertEqual(self.sent_by_odoo, [], "Odoo leaves the invitations to Exchange")
        self.sync_all()
        event = self.assertOneMeeting("Kick-off")
        self.assertEqual(event.exchange_invitations, "sent")
        # One invitation each, from Exchange; Dan got Exchange's copy in his own mailbox.
        people = (self.bob, self.carol, self.dan, self.eve)
        self.assertEqual([self.invitations(p) for p in people], [1, 1, 1, 1])
        self.assertEqual(len(self.entries(DAN, "Kick-off")), 1)
        uid = self.copy_in(ALICE, "Kick-off").uid
        self.assertEqual({self.copy_in(m, "Kick-off").uid for m in (BOB, CAROL)}, {uid})
        for user in self.synced:
            self.assertSynced(self.sync(user))

        # The organizer moves it in Odoo: one update each, every copy follows.
        event.with_user(self.alice).write(
            {"start": event.start + timedelta(hours=3), "stop": event.stop + timedelta(hours=3)}
        )
        self.sync_all()
        self.assertEqual([self.invitations(p) for p in people], [2, 2, 2, 2])
        for mailbox in (ALICE, BOB, CAROL, DAN):
            start = self.copy_in(mailbox, "Kick-off").start.replace(tzinfo=None)
            self.assertEqual(start, event.start, mailbox)
        self.assertOneMeeting("Kick-off")

        # Answers both ways: Bob in Odoo, Carol in Outlook.
        self.answer(event, self.bob, "accepted")
        self.outlook_answer(CAROL, "Kick-off", "tentative")
        self.sync_all()
        self.assertEqual(self.odoo_answer(event, self.bob), "accepted")
        self.assertEqual(self.odoo_answer(event, self.carol), "tentative")
        self.assertEqual(self.exchange_answer(BOB, "Kick-off"), "Accept")
        self.assertEqual(self.organizer_tally(ALICE, "Kick-off", BOB), "Accept")
        self.assertEqual(self.organizer_tally(ALICE, "Kick-off", CAROL), "Tentative")
        self.assertEqual([self.invitations(p) for p in people], [2, 2, 2, 2], "no update")
        self.assertOneMeeting("Kick-off")

        # Bob's own edit of his copy stays his: the meeting does not move.
        copy_ = self.copy_in(BOB, "Kick-off")
        self.sim.store.update_item(BOB, copy_.id, {"subject": "Kick-off (my notes)"})
        self.sync_all()
        self.assertEqual(event.name, "Kick-off")
        self.assertEqual(self.entries(BOB, "Kick-off (my notes)")[0].id, copy_.id)
        self.assertEqual(self.copy_in(ALICE, "Kick-off").subject, "Kick-off")

        # Carol declines in Outlook: she declines in Odoo, the meeting goes on.
        self.outlook_answer(CAROL, "Kick-off", "declined")
        self.sync_all()
        self.assertEqual(self.odoo_answer(event, self.carol), "declined")
        self.assertEqual(self.entries(CAROL, "Kick-off"), [])
        self.assertTrue(event.exists() and event.active)
        self.assertEqual(self.organizer_tally(ALICE, "Kick-off", CAROL), "Decline")

        # Alice cancels in Odoo: Exchange cancels for all, once each.
        event.with_user(self.alice).unlink()
        self.sync_all()
        for address in (BOB, CAROL, DAN, EVE):
            self.assertEqual(self.exchange_mail(address, CANCELED), 1, address)
        self.assertEqual(self.entries(ALICE, "Kick-off"), [])
        [bobs] = self.entries(BOB, "Kick-off")  # Exchange: "Canceled: Kick-off"
        self.assertTrue(bobs.is_cancelled, "Bob's copy says it was cancelled")
        self.assertFalse(self.events("Kick-off") | self.events("Canceled: Kick-off"))
        for user in self.synced:
            self.assertSynced(self.sync(user))

    def test_deleting_ones_copy_declines_and_a_crash_sends_nothing_twice(self):
        from unittest.mock import patch

        from ..bridge import runner

        self.invitations_on()
        self.meeting(self.alice, "Exactly once", self.everyone())
        # Alice's run writes the meeting (Exchange sends), then the worker dies before the
        # commit: Odoo forgets the run, Exchange does not.
        with self.assertRaises(RuntimeError):
            with self.env.cr.savepoint():
                with patch.object(runner.MailboxRun, "_record", side_effect=RuntimeError):
                    self.sync(self.alice)
        self.env.invalidate_all()
        self.assertEqual(len(self.entries(ALICE, "Exactly once")), 1)
        log = self.sync(self.alice)
        self.assertEqual((log.matched, log.exchange_created), (1, 0))
        self.sync_all()
        event = self.assertOneMeeting("Exactly once")
        people = (self.bob, self.carol, self.dan, self.eve)
        self.assertEqual([self.invitations(p) for p in people], [1, 1, 1, 1])
        # Bob deletes his copy in Outlook: he declines in Odoo; nobody else notices.
        self.sim.store.delete_item(BOB, self.copy_in(BOB, "Exactly once").id)
        self.sync_all()
        self.assertEqual(self.odoo_answer(event, self.bob), "declined")
        self.assertEqual(self.entries(BOB, "Exactly once"), [])
        self.assertEqual(len(self.entries(ALICE, "Exactly once")), 1)
        self.assertEqual(len(self.entries(CAROL, "Exactly once")), 1)
        self.assertEqual(self.exchange_mail(CAROL, CANCELED), 0)


class InvitedByOdoo:
    """Company setting off: Exchange sends nothing; Odoo invites; the sync writes the entries."""

    allow_inherited_tests_method = True

    def test_create_update_answer_leave_cancel(self):
        event = self.meeting(self.alice, "Budget", self.everyone())
        self.assertFalse(event.exchange_invitations)
        people = (self.bob, self.carol, self.dan, self.eve)
        self.assertEqual([self.odoo_invitations(p) for p in people], [1, 1, 1, 1])
        self.sync_all()
        self.assertEqual(self.sim.journal.mail(), [], "Exchange sends nothing")
        self.assertOneMeeting("Budget")
        self.assertEqual(self.entries(DAN), [], "Dan does not synchronise")
        self.assertEqual([self.invitations(p) for p in people], [1, 1, 1, 1])
        organizers = self.copy_in(ALICE, "Budget")
        if self.graph:
            self.assertFalse(organizers.required_attendees, "Graph would invite them")
        else:
            self.assertEqual(len(organizers.required_attendees), 4)
            self.assertEqual(self.copy_in(BOB, "Budget").uid, organizers.uid)
        bobs = self.copy_in(BOB, "Budget")
        self.assertFalse(bobs.required_attendees, "Bob's entry is no meeting of his")
        for user in self.synced:
            self.assertSynced(self.sync(user))

        # Bob's own edits of his entry stay his: reminder, time, subject.
        self.sim.store.update_item(
            BOB,
            bobs.id,
            {"reminder_is_set": True, "reminder_minutes": 55, "location": "Bob's desk"},
        )
        self.sync_all()
        self.assertFalse(event.location)
        self.assertEqual(self.copy_in(BOB, "Budget").location, "Bob's desk")
        # The organizer's change reaches it; his reminder stays his.
        event.with_user(self.alice).write(
            {"start": event.start + timedelta(hours=1), "stop": event.stop + timedelta(hours=1)}
        )
        self.sync_all()
        bobs = self.copy_in(BOB, "Budget")
        self.assertEqual(bobs.start.replace(tzinfo=None), event.start)
        self.assertEqual(bobs.reminder_minutes, 55)
        self.assertEqual(self.sim.journal.mail(), [])
        self.assertEqual([self.odoo_invitations(p) for p in people], [2, 2, 2, 2])

        # Answers stay in Odoo: nothing is sent from anybody's mailbox.
        self.answer(event, self.bob, "accepted")
        self.sync_all()
        self.assertEqual(self.odoo_answer(event, self.bob), "accepted")
        self.assertEqual(self.sim.journal.mail(), [])
        # Carol deletes her entry in Outlook: she declines; declining in Odoo removes Bob's.
        self.sim.store.delete_item(CAROL, self.copy_in(CAROL, "Budget").id)
        self.answer(event, self.bob, "declined")
        self.sync_all()
        self.assertEqual(self.odoo_answer(event, self.carol), "declined")
        self.assertEqual(self.entries(BOB, "Budget") + self.entries(CAROL, "Budget"), [])
        self.assertEqual(len(self.entries(ALICE, "Budget")), 1)
        self.answer(event, self.bob, "accepted")  # Bob changes his mind: his entry is back
        self.sync_all()
        self.assertEqual(len(self.entries(BOB, "Budget")), 1)

        # Alice deletes it: every entry goes, nobody receives a cancellation from Exchange.
        event.with_user(self.alice).unlink()
        self.sync_all()
        for mailbox in (ALICE, BOB, CAROL):
            self.assertEqual(self.entries(mailbox, "Budget"), [], mailbox)
        self.assertEqual(self.sim.journal.mail(), [])

    def test_the_organizer_switching_sync_on_late_sends_nothing_and_duplicates_nothing(self):
        self.alice.with_user(self.alice).exchange_sync_enabled = False
        self.invitations_on()  # even so: Odoo already invited, Exchange must not again
        event = self.meeting(self.alice, "Steering", self.everyone())
        self.assertFalse(event.exchange_invitations)
        people = (self.bob, self.carol, self.dan, self.eve)
        self.assertEqual([self.odoo_invitations(p) for p in people], [1, 1, 1, 1])
        self.sync_all(self.bob, self.carol)
        self.assertEqual(len(self.entries(BOB, "Steering")), 1)
        self.assertEqual(len(self.entries(CAROL, "Steering")), 1)
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        self.sync_all()
        self.assertOneMeeting("Steering")
        self.assertEqual(self.sim.journal.mail(), [], "no invitation storm")
        self.assertEqual([self.invitations(p) for p in people], [1, 1, 1, 1])
        if not self.graph:
            uids = {self.copy_in(m, "Steering").uid for m in (ALICE, BOB, CAROL)}
            self.assertEqual(len(uids), 1, "one UID for all the entries of the meeting")
        for user in self.synced:
            self.assertSynced(self.sync(user))


@tagged("post_install", "-at_install")
class TestInvitedByExchangeEws(InvitedByExchange, MeetingEwsCase):
    pass


@tagged("post_install", "-at_install")
class TestInvitedByExchangeGraph(InvitedByExchange, MeetingGraphCase):
    pass


@tagged("post_install", "-at_install")
class TestInvitedByOdooEws(InvitedByOdoo, MeetingEwsCase):
    pass


@tagged("post_install", "-at_install")
class TestInvitedByOdooGraph(InvitedByOdoo, MeetingGraphCase):
    pass
