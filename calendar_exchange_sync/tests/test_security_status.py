"""Issue 9, point 4: sync status and errors are the owner's and the administrators', and an
error names an entry only to those who may see it.

Odoo's calendar shows an administrator "Busy" for a private event they do not attend; the sync's
status, log and event banner follow the same rule.
"""

from datetime import timedelta
from unittest.mock import patch

from dateutil.rrule import rrulestr

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..sync.items import CalendarItem, Recurrence
from .security_common import ALICE, SecuritySimulatorCase
from .sync_common import in_days

SECRET = "Doctor: oncology follow-up"


@tagged("post_install", "-at_install")
class TestStatusIsTheOwners(SecuritySimulatorCase):
    def private_entry_odoo_cannot_hold(self):
        """A private Outlook series with a rule Odoo cannot repeat: it fails to come in."""
        start = in_days(20, 9).replace(second=0)
        rule = "FREQ=YEARLY;BYMONTH=3;BYDAY=2TU;COUNT=3"
        first = rrulestr(rule, dtstart=start.replace(tzinfo=None))[0].replace(tzinfo=start.tzinfo)
        item = CalendarItem(
            subject=SECRET,
            start=first,
            end=first + timedelta(hours=1),
            timezone="UTC",
            privacy="private",
            recurrence=Recurrence(rule),
        )
        [result] = self.outlook(ALICE).create([(None, item)])
        self.assertTrue(result.ok, result.error)

    def test_a_colleague_reads_no_status_and_nobody_else_the_subject(self):
        self.private_entry_odoo_cannot_hold()
        self.outlook_create(ALICE, subject="Team lunch")  # a public one that comes in fine
        log = self.sync(self.alice)
        self.assertEqual(log.state, "partial")
        # A colleague: no status of Alice's at all, by any way of reading.
        alice_as_bob = self.alice.with_user(self.bob)
        for field in ("exchange_last_error", "exchange_last_sync"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                alice_as_bob.read([field])
        with self.assertRaises(AccessError):
            self.env["res.users"].with_user(self.bob).search_read(
                [("id", "=", self.alice.id)], ["exchange_last_error"]
            )
        # The administrator: the status, without the private entry's subject.
        self.env.invalidate_all()
        [status] = self.alice.with_user(self.admin).read(["exchange_last_error"])
        self.assertIn("private entry", status["exchange_last_error"])
        self.assertNotIn("oncology", status["exchange_last_error"])
        line = log.line_ids.with_user(self.admin)
        self.assertEqual(line.subject, "Private entry")
        self.assertNotIn("oncology", line.message or "")
        mailbox = self.mailbox(self.alice).with_user(self.admin)
        self.assertNotIn("oncology", mailbox.last_error)
        # Alice herself: the log names her entry.
        self.env.invalidate_all()
        self.assertEqual(log.line_ids.with_user(self.alice).subject, SECRET)
        self.assertIn("Odoo cannot repeat", log.line_ids.with_user(self.alice).message)
        with self.assertRaises(AccessError):
            log.line_ids.with_user(self.bob).read(["subject"])

    def test_an_events_sync_error_is_shown_to_its_mailboxs_owner_and_administrators(self):
        from ..bridge.odoo_side import OdooSide

        private = self.event_as(self.alice, SECRET, privacy="private")
        public = self.event_as(self.alice, "Quarterly numbers")
        self.sync(self.alice)
        for event in (private, public):
            remote = self.remote_by_subject(ALICE, event.name)
            self.sim.store.update_item(ALICE, remote.id, {"location": "Moved in Outlook"})
        failure = ValueError("Odoo refused: the entry '%s' is locked" % SECRET)
        with patch.object(OdooSide, "_update", side_effect=failure):
            self.assertEqual(self.sync(self.alice).state, "partial")
        self.env.invalidate_all()
        self.assertIn("locked", private.with_user(self.alice).exchange_sync_error)
        self.assertIn("locked", public.with_user(self.admin).exchange_sync_error)
        self.assertFalse(private.with_user(self.admin).exchange_sync_error)
        self.assertFalse(public.with_user(self.bob).exchange_sync_error)
        self.assertFalse(private.with_user(self.bob).exchange_sync_error)
