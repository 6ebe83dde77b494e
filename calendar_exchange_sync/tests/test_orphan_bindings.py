"""The bindings whose Odoo entry is gone ("orphans", re-pointed by ``meeting_pairing``), as the
lock query asks for them on every pass: found by the id their text names, exactly as before
the query stopped reading the whole event table (an archived or deleted event, a text that
names no record, a series that exists)."""

from odoo.tests import tagged

from ..bridge.mailbox_state import MailboxState
from ..bridge.meeting_pairing import ORPHANS_QUERY
from .common import ExchangeSyncCase
from .sync_common import in_days, naive


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

    def test_only_bindings_whose_entry_is_gone(self):
        ids = ["calendar.event,%d" % event.id for event in (self.kept, self.archived, self.deleted)]
        for local_id in ids:
            self.bind(local_id)
        self.bind("calendar.recurrence,%d" % self.series.id)
        self.bind(ids[1], uid=False)  # no UID: nothing to re-point it by, never an orphan
        self.assertEqual(self.orphans(), [])
        self.assertFalse(MailboxState.lock(self.env, self.mailbox.id).needs_converge)
        self.archived.active = False
        self.deleted.unlink()
        self.assertEqual(self.orphans(), sorted(ids[1:]))
        self.assertTrue(MailboxState.lock(self.env, self.mailbox.id).needs_converge)

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
