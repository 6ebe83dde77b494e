"""The Odoo side's listing: an incremental one leaves out what the mailbox already agreed on.

Its token is a cursor ten minutes before the last run, so every entry written in those ten
minutes is listed again. An entry whose settled binding (both ids, no recheck) holds the
version listed is unchanged for the engine, and is left out; anything else written since the
cursor is listed: a new version, an unsettled binding, another mailbox's binding, no binding.
"""

from datetime import datetime, timedelta

from odoo.tests import tagged

from ..bridge import odoo_listing
from ..sync.engine.sides import Window
from .common import ExchangeSyncCase
from .sync_common import in_days, naive

OLD_CURSOR = "2000-01-01T00:00:00.000000"


@tagged("post_install", "-at_install")
class TestOdooListing(ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        Mailbox = self.env["calendar.exchange.mailbox"]
        self.mailbox = Mailbox.create({"user_id": self.alice.id, "email": "alice@example.com"})
        self.other = Mailbox.create({"user_id": self.bob.id, "email": "bob@example.com"})
        start = naive(in_days(3, 10))
        self.events = self.env["calendar.event"].create(
            [
                {
                    "name": "Entry %d" % n,
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "user_id": self.alice.id,
                    "partner_ids": [(6, 0, self.alice.partner_id.ids)],
                }
                for n in range(5)
            ]
        )
        self.env.flush_all()

    def key(self, event):
        return "calendar.event,%d" % event.id

    def bind(self, event, mailbox=None, version=None, **values):
        self.env["calendar.exchange.binding"].create(
            dict(
                {
                    "mailbox_id": (mailbox or self.mailbox).id,
                    "identity": self.key(event),
                    "local_id": self.key(event),
                    "remote_id": "R-%d" % event.id,
                    "local_version": str(event.exchange_revision) if version is None else version,
                },
                **values,
            )
        )

    def listing(self, token=OLD_CURSOR):
        window = Window(datetime.now() - timedelta(days=30))
        changes, _orphans = odoo_listing.list_changes(
            self.env,
            token,
            window,
            user=self.alice.id,
            partner=self.alice.partner_id.id,
            mailbox=self.mailbox.id,
            address="alice@example.com",
        )
        return changes

    def test_an_incremental_listing_leaves_out_what_is_agreed(self):
        agreed, edited, recheck, pending, elsewhere = self.events
        self.bind(agreed)
        self.bind(edited)
        self.bind(recheck, recheck=True)
        self.bind(pending, remote_id=False)
        self.bind(elsewhere, mailbox=self.other)
        edited.write({"name": "Edited"})  # a new revision
        self.env.flush_all()
        changes = self.listing()
        self.assertEqual(
            sorted(changes.changed),
            sorted(self.key(e) for e in (edited, recheck, pending, elsewhere)),
        )
        self.assertEqual(changes.changed[self.key(edited)], str(edited.exchange_revision))
        # A full listing (no token) still lists every entry, agreed or not.
        self.assertEqual(sorted(self.listing(None).changed), sorted(map(self.key, self.events)))

    def test_a_binding_at_another_version_is_listed(self):
        first = self.events[0]
        self.bind(first, version=str(first.exchange_revision + 1))
        self.assertIn(self.key(first), self.listing().changed)

    def test_the_cursor_still_leaves_out_older_writes(self):
        token = odoo_listing.version_of(datetime.now() + timedelta(days=1))
        self.assertEqual(self.listing(token).changed, {})

    def test_a_series_agreed_on_is_left_out_until_one_occurrence_changes(self):
        series_start = self.events[0]
        series_start.write({"recurrency": True, "rrule_type": "daily", "count": 3})
        self.env.flush_all()
        recurrence = series_start.recurrence_id
        key = "calendar.recurrence,%d" % recurrence.id
        version = self.listing(None).changed[key]
        self.env["calendar.exchange.binding"].create(
            {
                "mailbox_id": self.mailbox.id,
                "identity": key,
                "local_id": key,
                "remote_id": "R-series",
                "local_version": version,
            }
        )
        self.assertNotIn(key, self.listing().changed)
        recurrence.calendar_event_ids[1].write({"name": "Moved occurrence"})
        self.env.flush_all()
        self.assertIn(key, self.listing().changed)

    def test_what_left_the_calendar_is_removed_and_nothing_else(self):
        archived, deleted, kept = self.events[:3]
        start = naive(in_days(4, 10))
        meetings = self.env["calendar.event"].create(
            [
                {
                    "name": "Bob's meeting %d" % n,
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "user_id": self.bob.id,
                    "partner_ids": [(6, 0, (self.alice | self.bob).partner_id.ids)],
                }
                for n in range(3)
            ]
        )
        declined, left, attended = meetings
        for event in (archived, deleted, kept, declined, left, attended):
            self.bind(event)
        self.env.flush_all()
        self.assertEqual(self.listing().removed, set())
        gone = {self.key(e) for e in (archived, deleted, declined, left)}
        archived.active = False
        deleted.unlink()
        declined.attendee_ids.filtered(lambda a: a.partner_id == self.alice.partner_id).do_decline()
        left.partner_ids = [(3, self.alice.partner_id.id)]
        self.env.flush_all()
        changes = self.listing()
        self.assertEqual(changes.removed, gone)
        # Her own entry (where she is an attendee too) and Bob's meeting she attends stay.
        self.assertNotIn(self.key(kept), changes.removed)
        self.assertNotIn(self.key(attended), changes.removed)
