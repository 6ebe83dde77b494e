"""Issue 9, points 7 to 10: what an incoming item can never do.

It cannot reach an Odoo user through an address that merely looks like theirs (7), open another
user's event by carrying its UID (8), take another company's activity types or flags (9), or
carry HTML that escapes its box in Odoo's pages (10).
"""

from odoo.tests import tagged

from ..sync.items import Attendee
from .security_common import ALICE, SecuritySimulatorCase
from .sync_common import BOB

OVERLAY = (
    '<p>Agenda attached</p><a href="https://evil.example/login" class="btn o_overlay" '
    'style="position:fixed;top:0;left:0;width:100%;height:100%;z-index:9999;opacity:0">'
    "Open the agenda</a>"
)


@tagged("post_install", "-at_install")
class TestInboundCannot(SecuritySimulatorCase):
    def test_an_address_matches_exactly_never_as_a_pattern(self):
        lookalikes = ("c_o@contoso.com", "%@contoso.com", "CEO@contoso.com.evil.example")
        self.outlook_create(
            ALICE, subject="Lookalikes", attendees=tuple(Attendee(a) for a in lookalikes)
        )
        self.seed_item(ALICE, subject="Claims the CEO", organizer="c_o@contoso.com")
        self.assertSynced(self.sync(self.alice), odoo_created=2)
        for subject in ("Lookalikes", "Claims the CEO"):
            event = self.events(subject)
            self.assertEqual(event.user_id, self.alice)
            self.assertNotIn(self.ceo.partner_id, event.partner_ids)
        attendees = self.events("Lookalikes").partner_ids - self.alice.partner_id
        self.assertEqual(sorted(attendees.mapped("email")), sorted(a.lower() for a in lookalikes))
        self.assertFalse(self.ceo.partner_id & attendees)
        # The real address, with another case, is the CEO (Alice's own meeting invites them).
        self.outlook_create(ALICE, subject="Real one", attendees=(Attendee("CEO@Contoso.com"),))
        self.sync(self.alice)
        self.assertIn(self.ceo.partner_id, self.events("Real one").partner_ids)

    def test_a_uid_opens_no_event_of_anybody_else(self):
        self.outlook_create(BOB, subject="Offer price 42M, do not disclose", privacy="private")
        self.sync(self.bob)
        secret = self.events("Offer price 42M, do not disclose")
        self.assertTrue(secret.exchange_uid)
        partners = secret.partner_ids
        self.seed_item(ALICE, subject="Harmless lunch", uid=secret.exchange_uid)
        self.assertSynced(self.sync(self.alice), odoo_created=1)
        self.assertEqual(secret.partner_ids, partners, "Alice was not added to Bob's event")
        own = self.events("Harmless lunch")
        self.assertEqual((own.user_id, own.partner_ids), (self.alice, self.alice.partner_id))
        self.assertEqual(secret.with_user(self.alice).display_name, "Busy")

    def test_another_companys_activity_types_are_none_of_this_ones(self):
        Type = self.env["calendar.activity.type"]
        other = self.other_company
        Type.create(
            {"name": "Lunch", "company_id": other.id, "sync_to_exchange": False, "sequence": 99}
        )
        board = Type.create(
            {"name": "Board", "company_id": other.id, "trigger_words": "Board", "sequence": 99}
        )
        lunch = self.env.ref("calendar_exchange_sync.activity_type_lunch")
        self.event_as(self.alice, "Lunch with a client", activity_type_id=lunch.id)
        self.outlook_create(ALICE, subject="Board meeting prep")
        self.assertSynced(self.sync(self.alice), exchange_created=1, odoo_created=1)
        self.remote_by_subject(ALICE, "Lunch with a client")
        prep = self.events("Board meeting prep")
        self.assertNotEqual(prep.activity_type_id, board)
        self.assertEqual(prep.activity_type_id, self.company.exchange_default_activity_type_id)

    def test_html_from_exchange_keeps_its_box(self):
        self.outlook_create(ALICE, subject="Agenda", body=OVERLAY)
        self.sync(self.alice)
        body = str(self.events("Agenda").description)
        self.assertIn("Agenda attached", body)
        self.assertIn("https://evil.example/login", body, "the link stays, as a link")
        for escape in ("style=", "position", "class=", "o_overlay"):
            self.assertNotIn(escape, body)
