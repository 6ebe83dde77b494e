"""Issue 9, points 5 and 6: nothing is written into a mailbox as its owner's meeting, nor any
invitation sent from it, unless the owner made or accepted that meeting; and an address on an
incoming item never makes it anybody else's entry.
"""

from odoo.tests import tagged

from .security_common import ALICE, CEO, GUEST, SecurityGraphCase, SecuritySimulatorCase
from .sync_common import BOB

WIRE = "Urgent: wire transfer approval"


class OrganizerCases:
    """The same attacks against Exchange Server (EWS) and Office 365 (Graph)."""

    allow_inherited_tests_method = True  # Odoo's loader takes a class's own methods only

    def booking_in_the_ceos_name(self):
        guest = self.env["res.partner"].create({"name": "Mallory", "email": GUEST})
        return self.event_as(
            self.alice,
            WIRE,
            user_id=self.ceo.id,
            partner_ids=[(6, 0, (self.ceo.partner_id | self.bob.partner_id | guest).ids)],
            description='<p>Approve here: <a href="https://evil.example/pay">pay</a></p>',
        )

    def test_a_booking_in_the_ceos_name_is_no_meeting_of_the_ceos(self):
        event = self.booking_in_the_ceos_name()
        self.sync(self.ceo)
        item = self.remote_by_subject(CEO, WIRE)
        self.assertFalse(item.required_attendees + item.optional_attendees, "nobody invited")
        self.sync(self.bob)
        self.assertFalse(self.remote_by_subject(BOB, WIRE).required_attendees, "a plain entry")
        self.sync(self.alice)  # she made it, but for somebody else: not her meeting either
        self.assertFalse([i for i in self.remote_items(ALICE) if i.required_attendees])
        # Once the CEO accepts it in Odoo, it is the CEO's meeting: attendees and all (on
        # Office 365 written without them, since Graph would invite them: see issue 12).
        mine = event.attendee_ids.filtered(lambda a: a.partner_id == self.ceo.partner_id)
        mine.with_user(self.ceo).do_accept()
        self.sync(self.ceo)
        item = self.remote_by_subject(CEO, WIRE)
        expected = [] if self.invites_with_attendees else sorted([BOB, GUEST])
        self.assertEqual(sorted(a.email for a in item.required_attendees), expected)
        self.assertEqual(self.sim.journal.mail(), [], "nobody invited in the CEO's name")

    def test_an_item_naming_the_ceo_as_organizer_stays_alices(self):
        self.seed_item(
            ALICE,
            subject="Board: confidential",
            organizer=CEO,
            required_attendees=[(ALICE, "Alice"), BOB, GUEST],
        )
        self.assertSynced(self.sync(self.alice), odoo_created=1)
        event = self.events("Board: confidential")
        self.assertEqual(event.user_id, self.alice)
        self.assertEqual(event.exchange_organizer, CEO, "kept as data")
        self.assertNotIn(self.ceo.partner_id, event.partner_ids)
        self.assertNotIn(self.bob.partner_id, event.partner_ids, "named, never linked")
        self.assertEqual(sorted(event.partner_ids.mapped("email")), sorted([ALICE, BOB, GUEST]))
        # Neither the CEO's nor Bob's mailbox receives anything; Alice's copy is not rewritten.
        self.sync(self.ceo)
        self.sync(self.bob)
        self.assertFalse(self.remote_items(CEO))
        self.assertFalse(self.remote_items(BOB))
        self.assertSynced(self.sync(self.alice))
        [copy] = self.remote_items(ALICE)
        self.assertEqual(copy.organizer.email, CEO)

    def test_a_received_meeting_written_again_invites_nobody(self):
        # Alice deletes an outside partner's meeting in Outlook while it is edited in Odoo: the
        # edit wins and the entry is written again, as a plain one of hers (never with the
        # attendees, which on Office 365 would be invited in her name).
        self.seed_item(
            ALICE,
            subject="Offsite",
            organizer="partner@outside.example",
            required_attendees=[(ALICE, "Alice"), BOB, GUEST],
        )
        self.sync(self.alice)
        [copy] = self.remote_items(ALICE)
        self.sim.store.delete_item(ALICE, copy.id)
        self.events("Offsite").with_user(self.alice).location = "Room 7"
        self.sync(self.alice)
        [again] = self.remote_items(ALICE)
        self.assertEqual(again.location, "Room 7")
        self.assertFalse(again.required_attendees + again.optional_attendees)


@tagged("post_install", "-at_install")
class TestOrganizerEws(OrganizerCases, SecuritySimulatorCase):
    invites_with_attendees = False


@tagged("post_install", "-at_install")
class TestOrganizerGraph(OrganizerCases, SecurityGraphCase):
    invites_with_attendees = True
