"""The bindings whose Odoo entry is gone ("orphans", re-pointed by ``meeting_pairing``): found by
the id their text names, exactly as before the query stopped reading the whole event table (an
archived or deleted event, a text that names no record, a series that exists). The Odoo listing
finds the same orphans among the entries that left the calendar, and the lock query no longer
asks for them (it did, with a look-up per binding, on every pass)."""

from odoo.tests import tagged

from ..bridge import odoo_listing
from ..bridge.mailbox_state import MailboxState
from ..bridge.meeting_pairing import ORPHANS_QUERY
from ..sync.engine.sides import Window
from .common import ExchangeSyncCase
from .sync_common import BOB, SimulatorCase, in_days, naive


@tagged("post_install", "-at_install")
class TestOrphanBindings(ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        self.mailbox = self.env["calendar.exchange.mailbox"].create(
            {"user_id": self.alice.id, "email": "alice@example.com"}
        )
        start = naive(in_days(3, 10))
        self.kept, self.archived, self.deleted = self.env["calendar.event"].create(
            [{"name": "Entry %d" % n, "start": start, "stop": start} for n in range(3)]
        )
        self.series = self.env["calendar.recurrence"].create({"rrule_type": "daily"})

    def bind(self, local_id, uid="U"):
        self.env["calendar.exchange.binding"].create(
            {
                "mailbox_id": self.mailbox.id,
                "identity": "exchange:%s:%s" % (local_id, uid),
                "local_id": local_id,
                "remote_id": "R-%s-%s" % (local_id, uid),
                "uid": uid,
            }
        )

    def orphans(self):
        self.env.flush_all()
        self.env.cr.execute(ORPHANS_QUERY, {"mailbox": self.mailbox.id})
        return sorted(local_id for _id, _uid, local_id in self.env.cr.fetchall())

    def listed_orphans(self, token="2000-01-01T00:00:00.000000"):
        """The orphans of a listing of alice's calendar (incremental unless ``token`` is
        None), as the run finds them."""
        _changes, orphans = odoo_listing.list_changes(
            self.env,
            token,
            Window(in_days(-30, 0)),
            user=self.alice.id,
            partner=self.alice.partner_id.id,
            mailbox=self.mailbox.id,
            address="alice@example.com",
        )
        Binding = self.env["calendar.exchange.binding"]
        return sorted(Binding.browse(binding_id).local_id for binding_id, _uid in orphans)

    def test_only_bindings_whose_entry_is_gone(self):
        ids = ["calendar.event,%d" % event.id for event in (self.kept, self.archived, self.deleted)]
        for local_id in ids:
            self.bind(local_id)
        self.bind("calendar.recurrence,%d" % self.series.id)
        self.bind(ids[1], uid=False)  # no UID: nothing to re-point it by, never an orphan
        self.assertEqual(self.orphans(), [])
        self.assertEqual(self.listed_orphans(), [])
        self.archived.active = False
        self.deleted.unlink()
        self.assertEqual(self.orphans(), sorted(ids[1:]))
        self.assertEqual(self.listed_orphans(), sorted(ids[1:]))
        # A full listing (a token lost or reset) finds them too: it would delete them as well.
        self.assertEqual(self.listed_orphans(token=None), sorted(ids[1:]))
        # Orphans alone are not entries to move: the lock query leaves them to the listing.
        self.assertFalse(MailboxState.lock(self.env, self.mailbox.id).needs_converge)

    def test_a_text_that_names_no_entry_is_an_orphan(self):
        named = "calendar.event,%d" % self.kept.id
        odd = [
            "calendar.event,",
            "calendar.event,x%d" % self.kept.id,
            "calendar.event,0%d" % self.kept.id,  # not the text Odoo writes for that id
            "calendar.event,%d " % self.kept.id,
            "res.partner,%d" % self.kept.id,
            "calendar.recurrence,%d" % (self.series.id + 1000),
            "calendar.event,%d" % (9 * 10**17),
            "calendar.event,%s" % ("9" * 30),  # longer than any id: no overflow either
        ]
        for local_id in [named, *odd]:
            self.bind(local_id)
        self.assertEqual(self.orphans(), sorted(odd))
        self.assertEqual(self.listed_orphans(), sorted(odd))


@tagged("post_install", "-at_install")
class TestOrphanRepointedByTheRun(SimulatorCase):
    """A run finds its orphans in the listing, and moves each onto the meeting that carries its
    UID before the engine could take the entry for one the user deleted in Odoo."""

    def test_an_entry_merged_away_moves_onto_the_meeting_instead_of_being_deleted(self):
        remote_id = self.outlook_create(BOB, subject="Planning").id
        self.assertSynced(self.sync(self.bob), odoo_created=1)
        [copy] = self.events("Planning")
        self.assertTrue(copy.exchange_uid)
        # Another mailbox's run merged Bob's entry into the meeting Alice holds with that UID.
        inbound = self.Event.with_context(exchange_sync_inbound=True)
        meeting = inbound.create(
            {
                "name": "Planning",
                "start": copy.start,
                "stop": copy.stop,
                "user_id": self.alice.id,
                "partner_ids": [(6, 0, (self.alice.partner_id | self.bob.partner_id).ids)],
                "exchange_uid": copy.exchange_uid,
            }
        )
        copy.with_context(exchange_sync_inbound=True).unlink()
        self.sync(self.bob)
        binding = self.env["calendar.exchange.binding"].search(
            [("mailbox_id", "=", self.mailbox(self.bob).id), ("remote_id", "=", remote_id)]
        )
        self.assertEqual(binding.local_id, "calendar.event,%d" % meeting.id)
        # Bob's Outlook entry is still there: nobody deleted the meeting.
        self.assertEqual([i.subject for i in self.remote_items(BOB)], ["Planning"])
