"""The Odoo side's listing: an incremental one leaves out what the mailbox already agreed on,
and a quick one (between two thorough ones) finds what a thorough one finds.

Without the cron's floor (``written_floor``, tested in test_written_floor.py) its token is a
cursor ten minutes before the last run, so every entry written in those ten minutes is listed
again. An entry whose settled binding (both ids, no recheck) holds the
version listed is unchanged for the engine, and is left out; anything else written since the
cursor is listed: a new version, an unsettled binding, another mailbox's binding, no binding.
"""

from datetime import datetime, timedelta, timezone

from odoo.tests import tagged
from odoo.tools import SQL

from ..bridge import odoo_listing
from ..sync.engine.sides import Window
from .common import ExchangeSyncCase
from .sync_common import in_days, naive

OLD_CURSOR = "2000-01-01T00:00:00.000000"


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


class ListingCase(ExchangeSyncCase):
    """Five events of Alice's, her mailbox and Bob's, and the listing of hers."""

    def setUp(self):
        super().setUp()
        Mailbox = self.env["calendar.exchange.mailbox"]
        self.mailbox = Mailbox.create({"user_id": self.alice.id, "email": "alice@example.com"})
        self.other = Mailbox.create({"user_id": self.bob.id, "email": "bob@example.com"})
        self.events = self.create_events("Entry", self.alice, self.alice, 3, 5)
        self.env.flush_all()

    def create_events(self, name, organizer, attendees, days, count):
        start = naive(in_days(days, 10))
        return self.env["calendar.event"].create(
            [
                {
                    "name": "%s %d" % (name, n),
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "user_id": organizer.id,
                    "partner_ids": [(6, 0, attendees.partner_id.ids)],
                }
                for n in range(count)
            ]
        )

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


@tagged("post_install", "-at_install")
class TestOdooListing(ListingCase):
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
        meetings = self.create_events("Bob's meeting", self.bob, self.alice | self.bob, 4, 3)
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


@tagged("post_install", "-at_install")
class TestQuickListing(ListingCase):
    """Between two thorough listings, a quick one looks only at what may have changed since
    the cursor; what it finds must be what a thorough listing finds."""

    def setUp(self):
        super().setUp()
        self.meetings = self.create_events("Bob's meeting", self.bob, self.alice | self.bob, 5, 3)
        self.series = self.events[4]
        self.series.write({"recurrency": True, "rrule_type": "daily", "count": 3})
        self.env.flush_all()
        self.series_key = "calendar.recurrence,%d" % self.series.recurrence_id.id
        versions = self.listing(None).changed
        for event in self.events[:4] | self.meetings:
            self.bind(event, event_id=event.id)  # as the binding store writes them
        self.env["calendar.exchange.binding"].create(
            {
                "mailbox_id": self.mailbox.id,
                "identity": self.series_key,
                "local_id": self.series_key,
                "remote_id": "R-series",
                "local_version": versions[self.series_key],
            }
        )
        # Everything was written two hours ago, and agreed on since.
        self.written_two_hours_ago("calendar_event")
        self.written_two_hours_ago("calendar_attendee")
        self.env.cr.execute("SELECT now() AT TIME ZONE 'UTC'")
        self.now = self.env.cr.fetchone()[0]

    def written_two_hours_ago(self, table, record=None):
        """Date the rows of ``table`` (or one ``record`` of it) two hours back, in SQL."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET write_date = now() AT TIME ZONE 'UTC' - interval '2 hours' %s",
                SQL.identifier(table),
                SQL("WHERE id = %s", record.id) if record else SQL(),
            )
        )
        self.env.invalidate_all()

    def token(self, checked_ago):
        return "%s|%s" % (
            odoo_listing.version_of(self.now - timedelta(hours=1)),
            odoo_listing.version_of(utcnow() - checked_ago),
        )

    def both(self):
        """(quick, thorough) listings of the same state."""
        self.env.flush_all()
        quick = self.listing(self.token(timedelta(minutes=1)))
        thorough = self.listing(self.token(odoo_listing.THOROUGH_EVERY + timedelta(minutes=1)))
        return quick, thorough

    def assertSame(self, quick, thorough):
        self.assertEqual(quick.removed, thorough.removed)
        self.assertEqual(quick.changed, thorough.changed)

    def test_nothing_changed_finds_nothing_with_one_query(self):
        self.env.flush_all()
        self.assertTrue(self.alice.partner_id)  # read before counting: the listing's queries only
        queries = self.env.cr.sql_log_count
        quick = self.listing(self.token(timedelta(minutes=1)))
        self.assertEqual(self.env.cr.sql_log_count - queries, 1)
        self.assertEqual((quick.changed, quick.removed), ({}, set()))
        quick, thorough = self.both()
        self.assertSame(quick, thorough)
        # The quick one keeps when the last thorough listing ran; the thorough one moves it.
        checked = odoo_listing.parse_token(quick.token)[1]
        self.assertLess(checked, utcnow() - timedelta(seconds=30))
        checked = odoo_listing.parse_token(thorough.token)[1]
        self.assertGreater(checked, utcnow() - timedelta(seconds=30))

    def test_what_left_the_calendar_is_found_quickly(self):
        archived, deleted, edited, kept = self.events[:4]
        declined, left, attended = self.meetings
        archived.active = False
        deleted.unlink()
        edited.name = "Edited"
        declined.attendee_ids.filtered(lambda a: a.partner_id == self.alice.partner_id).do_decline()
        left.partner_ids = [(3, self.alice.partner_id.id)]
        quick, thorough = self.both()
        self.assertSame(quick, thorough)
        self.assertEqual(quick.removed, {self.key(e) for e in (archived, deleted, declined, left)})
        self.assertEqual(list(quick.changed), [self.key(edited)])
        self.assertNotIn(self.key(kept), quick.removed)
        self.assertNotIn(self.key(attended), quick.removed)

    def test_a_series_leaves_whole_or_not_at_all(self):
        occurrences = self.series.recurrence_id.calendar_event_ids.sorted("start")
        occurrences[0].active = False
        quick, thorough = self.both()
        self.assertSame(quick, thorough)
        self.assertNotIn(self.series_key, quick.removed)
        occurrences[1:].write({"active": False})
        quick, thorough = self.both()
        self.assertSame(quick, thorough)
        self.assertIn(self.series_key, quick.removed)

    def test_a_series_whose_events_are_deleted_is_removed(self):
        self.series.recurrence_id.calendar_event_ids.unlink()
        quick, thorough = self.both()
        self.assertSame(quick, thorough)
        self.assertIn(self.series_key, quick.removed)

    def take_alice_off_in_sql(self, meeting):
        """Alice off the meeting behind the ORM's back: no write date, no version."""
        self.env.cr.execute(
            "DELETE FROM calendar_event_res_partner_rel"
            " WHERE calendar_event_id = %s AND res_partner_id = %s",
            [meeting.id, self.alice.partner_id.id],
        )
        self.env.invalidate_all()
        return meeting

    def test_what_goes_round_the_orm_waits_for_the_thorough_listing(self):
        left = self.take_alice_off_in_sql(self.meetings[1])
        quick, thorough = self.both()
        self.assertEqual(quick.removed, set())
        self.assertEqual(thorough.removed, {self.key(left)})

    def test_a_deleted_occurrence_is_found_by_the_thorough_listing(self):
        # The other occurrences keep their write dates: only the series' version tells.
        occurrences = self.series.recurrence_id.calendar_event_ids.sorted("start")
        occurrences[1].unlink()
        self.written_two_hours_ago("calendar_event")
        version = self.listing(None).changed[self.series_key]
        quick, thorough = self.both()
        self.assertNotIn(self.series_key, quick.changed)
        self.assertEqual(thorough.changed, {self.series_key: version})
        self.assertEqual(thorough.removed, set())

    def test_an_edit_dated_before_the_cursor_is_found_by_the_thorough_listing(self):
        # A transaction that began before the cursor's margin and committed after it dates
        # its edit when it began.
        edited = self.events[2]
        edited.name = "Edited in a long transaction"
        self.written_two_hours_ago("calendar_event", edited)
        quick, thorough = self.both()
        self.assertEqual(quick.changed, {})
        self.assertEqual(thorough.changed, {self.key(edited): str(edited.exchange_revision)})
        # Agreed on at that version, it is no longer listed.
        binding = self.env["calendar.exchange.binding"].search(
            [("mailbox_id", "=", self.mailbox.id), ("local_id", "=", self.key(edited))]
        )
        binding.local_version = str(edited.exchange_revision)
        self.assertEqual(self.both()[1].changed, {})

    def test_a_token_of_the_earlier_kind_is_listed_thoroughly(self):
        left = self.take_alice_off_in_sql(self.meetings[1])
        changes = self.listing(odoo_listing.version_of(self.now - timedelta(hours=1)))
        self.assertEqual(changes.removed, {self.key(left)})
        self.assertIn("|", changes.token)

    def test_a_last_thorough_listing_ahead_of_the_database_clock_is_not_trusted(self):
        # An Odoo server whose clock is set otherwise must not keep the quick listing forever.
        left = self.take_alice_off_in_sql(self.meetings[1])
        token = "%s|%s" % (
            odoo_listing.version_of(self.now - timedelta(hours=1)),
            odoo_listing.version_of(self.now + timedelta(hours=2)),
        )
        changes = self.listing(token)
        self.assertEqual(changes.removed, {self.key(left)})
        self.assertEqual(odoo_listing.parse_token(changes.token)[1], self.now)
