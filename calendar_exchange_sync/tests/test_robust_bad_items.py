"""Issue 11, points 4 and 5: a malformed item and an oversized one among good ones, as they
arrive in a user's mailbox. The malformed one is an error of its own, shown to its owner; the
oversized one comes in bounded (a few tags, a limited number of contacts, a cut description
with a note) without anything travelling back, and Exchange keeps the whole entry."""

from datetime import timedelta

from odoo.tests import tagged

from ..bridge import inbound_limits as limits
from .security_common import SecuritySimulatorCase
from .sync_common import ALICE, in_days

CATEGORIES = ["Category %04d" % n for n in range(1000)]
GUESTS = [("guest%03d@outside.example" % n, "Guest %d" % n) for n in range(300)]
BODY = "<p>%s</p>" % ("An agenda line that goes on and on. " * 150_000)  # about 5 MB


@tagged("post_install", "-at_install")
class TestBadItems(SecuritySimulatorCase):
    def setUp(self):
        super().setUp()
        for n in range(3):
            self.seed_item(ALICE, subject="Good %d" % n, start=in_days(2 + n, 10))
        start = in_days(6, 10)
        self.seed_item(
            ALICE, subject="Ends before it starts", start=start, end=start - timedelta(hours=3)
        )
        self.big = self.seed_item(
            ALICE,
            subject="Huge invitation",
            start=in_days(7, 10),
            organizer=ALICE,
            categories=CATEGORIES,
            required_attendees=GUESTS,
            body=BODY,
        )

    def test_a_malformed_item_is_its_own_error_and_the_rest_comes_in(self):
        log = self.sync(self.alice)
        self.assertEqual((log.state, log.odoo_created), ("partial", 4))
        [line] = log.line_ids
        self.assertEqual((line.side, line.action), ("exchange", "read"))
        self.assertIn("before start", line.message)
        # Shown to the owner, with the entry's subject.
        self.assertEqual(line.with_user(self.alice).subject, "Ends before it starts")
        # (In Preferences too: an entry that could not be read may be private, so it is named
        # in the log, which only its owner reads in full.)
        self.assertIn("see the sync log", self.alice.exchange_last_error or "")
        for n in range(3):
            self.assertEqual(len(self.events("Good %d" % n)), 1)
        # It never stops a run: the next ones go on (and say nothing more about it) ...
        self.assertSynced(self.sync(self.alice))
        self.event_as(self.alice, "Made in Odoo later", days=9)
        self.assertSynced(self.sync(self.alice), exchange_created=1)

    def test_an_oversized_item_is_bounded_and_nothing_travels_back(self):
        tags_before = self.env["calendar.event.type"].search_count([])
        partners_before = self.env["res.partner"].search_count([])
        self.sync(self.alice)
        [event] = self.events("Huge invitation")
        new_tags = self.env["calendar.event.type"].search_count([]) - tags_before
        new_partners = self.env["res.partner"].search_count([]) - partners_before
        self.assertEqual(new_tags, limits.MAX_NEW_TAGS)
        self.assertEqual(len(event.categ_ids), limits.MAX_NEW_TAGS)
        self.assertEqual(len(event.partner_ids), limits.MAX_ATTENDEES)
        self.assertLessEqual(new_partners, limits.MAX_ATTENDEES)
        self.assertLess(len(event.description), limits.MAX_BODY_CHARS + 1000)
        self.assertIn("is kept in Exchange", event.description)
        # Nothing travels back, run after run; Exchange keeps the whole entry.
        for _ in range(2):
            self.assertSynced(self.sync(self.alice))
        stored = self.sim.store.get_item(ALICE, self.big.id)
        self.assertEqual(stored.change_key, self.big.change_key)
        # An edit in Odoo sends the whole entry: the categories, guests and text it keeps aside.
        event.with_user(self.alice).location = "Main hall"
        self.assertSynced(self.sync(self.alice), exchange_updated=1)
        stored = self.sim.store.get_item(ALICE, self.big.id)
        self.assertEqual(stored.location, "Main hall")
        # Every category is back, beside the activity type Odoo gave the entry (its category).
        self.assertTrue(event.activity_type_id)
        extra = [c for c in stored.categories if c not in set(CATEGORIES)]
        self.assertEqual(extra, [event.activity_type_id.name])
        self.assertEqual(len(stored.categories), len(CATEGORIES) + 1)
        self.assertEqual(len(stored.required_attendees), 300)
        self.assertGreater(len(stored.body), 5_000_000)
        self.assertSynced(self.sync(self.alice))

    def test_existing_tags_are_linked_however_many(self):
        Tag = self.env["calendar.event.type"]
        Tag.create([{"name": name} for name in CATEGORIES[:20]])
        self.sync(self.alice)
        [event] = self.events("Huge invitation")
        self.assertEqual(len(event.categ_ids), 20 + limits.MAX_NEW_TAGS)
        self.assertEqual(Tag.search_count([("name", "in", CATEGORIES)]), 20 + limits.MAX_NEW_TAGS)
