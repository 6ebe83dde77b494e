"""Recurring series through the real exchangelib and the simulated Exchange: both ways."""

from datetime import timedelta

from dateutil.rrule import rrulestr

from odoo.tests import tagged

from ..sync.items import CalendarItem, Occurrence, Recurrence
from .sync_common import ALICE, SimulatorCase, in_days, naive


@tagged("post_install", "-at_install")
class TestSyncSeries(SimulatorCase):
    def odoo_series(self, name, count=5):
        start = in_days(1, 8)
        return self.Event.with_user(self.alice).create(
            {
                "name": name,
                "start": naive(start),
                "stop": naive(start + timedelta(hours=1)),
                "partner_ids": [(6, 0, [self.alice.partner_id.id])],
                "recurrency": True,
                "rrule_type": "daily",
                "interval": 1,
                "end_type": "count",
                "count": count,
                "event_tz": "Europe/Stockholm",
            }
        )

    def test_odoo_series_becomes_exchange_series(self):
        event = self.odoo_series("Stand-up")
        recurrence = event.recurrence_id
        self.assertEqual(len(recurrence.calendar_event_ids), 5)
        self.assertSynced(self.sync(self.alice), exchange_created=1)
        [master] = self.remote_items(ALICE)
        self.assertEqual(master.item_type, "RecurringMaster")
        self.assertEqual(master.subject, "Stand-up")
        self.assertEqual(len(self.sim.store.occurrence_starts(ALICE, master.id)), 5)
        # Quiet afterwards.
        self.assertSynced(self.sync(self.alice))
        # One occurrence deleted, one renamed in Odoo: the master records both.
        events = recurrence.calendar_event_ids.sorted("start")
        events[2].with_user(self.alice).unlink()
        events[3].with_user(self.alice).with_context(recurrence_update="self_only").write(
            {"name": "Stand-up (demo day)"}
        )
        self.assertSynced(self.sync(self.alice), exchange_updated=1)
        master = self.sim.store.get_item(ALICE, master.id)
        self.assertEqual(len(master.deleted_occurrences), 1)
        self.assertEqual(len(master.modified_occurrences), 1)
        self.assertSynced(self.sync(self.alice))

    def test_exchange_series_becomes_odoo_series(self):
        start = in_days(2, 7)
        first = start.replace(second=0)
        series = CalendarItem(
            subject="Gym",
            start=first,
            end=first + timedelta(hours=1),
            timezone="Europe/Stockholm",
            recurrence=Recurrence(
                "FREQ=DAILY;COUNT=4",
                exceptions=(
                    Occurrence(
                        first + timedelta(days=1),
                        CalendarItem(
                            subject="Gym (late)",
                            start=first + timedelta(days=1, hours=3),
                            end=first + timedelta(days=1, hours=4),
                            timezone="Europe/Stockholm",
                        ),
                    ),
                ),
                deleted=frozenset({first + timedelta(days=2)}),
            ),
        )
        [result] = self.outlook(ALICE).create([(None, series)])
        self.assertTrue(result.ok, result.error)
        self.assertSynced(self.sync(self.alice), odoo_created=1)
        events = self.Event.search([("name", "in", ("Gym", "Gym (late)"))]).sorted("start")
        self.assertEqual(len(events), 3)
        self.assertEqual(len(events.recurrence_id), 1)
        self.assertEqual(events.mapped("name"), ["Gym", "Gym (late)", "Gym"])
        self.assertEqual(events[1].start, naive(first + timedelta(days=1, hours=3)))
        # What Odoo made of it reads back as the same series: nothing travels back.
        self.assertSynced(self.sync(self.alice))

    def test_window_keeps_old_series_that_still_recur(self):
        old = in_days(-60, 9).replace(second=0)
        # UTC keeps the weeks exact: no daylight-saving change moves an occurrence.
        weekly = "FREQ=WEEKLY;COUNT=20"  # 60 days ago, ends about 80 days from now
        recurring = CalendarItem(
            subject="Old but ongoing",
            start=old,
            end=old + timedelta(hours=1),
            timezone="UTC",
            recurrence=Recurrence(
                weekly,
                exceptions=(
                    Occurrence(
                        old + timedelta(weeks=10),
                        CalendarItem(
                            subject="Ongoing (moved)",
                            start=old + timedelta(weeks=10, hours=2),
                            end=old + timedelta(weeks=10, hours=3),
                            timezone="UTC",
                        ),
                    ),
                ),
            ),
        )
        finished = CalendarItem(
            subject="Old and over",
            start=old,
            end=old + timedelta(hours=1),
            timezone="UTC",
            recurrence=Recurrence("FREQ=WEEKLY;COUNT=3"),
        )
        outlook = self.outlook(ALICE)
        for item in (recurring, finished):
            [result] = outlook.create([(None, item)])
            self.assertTrue(result.ok, result.error)
        self.outlook_create(ALICE, subject="Old single", start=old, end=old + timedelta(hours=1))
        self.assertSynced(self.sync(self.alice), odoo_created=1)
        self.assertFalse(self.events("Old and over"))
        self.assertFalse(self.events("Old single"))
        ongoing = self.Event.search([("name", "in", ("Old but ongoing", "Ongoing (moved)"))])
        self.assertEqual(len(ongoing.recurrence_id), 1)
        moved = ongoing.filtered(lambda e: e.name == "Ongoing (moved)")
        self.assertEqual(moved.start, naive(old + timedelta(weeks=10, hours=2)))
        self.assertSynced(self.sync(self.alice))

    def test_a_rule_odoo_cannot_hold_is_reported_not_approximated(self):
        start = in_days(20, 9).replace(second=0)
        odd = CalendarItem(
            subject="Second Tuesday of March",
            start=start,
            end=start + timedelta(hours=1),
            timezone="UTC",
            recurrence=Recurrence("FREQ=YEARLY;BYMONTH=3;BYDAY=2TU;COUNT=3"),
        )
        # Exchange starts such a series on its first real occurrence.
        first = rrulestr(odd.recurrence.rrule, dtstart=start.replace(tzinfo=None))[0]
        first = first.replace(tzinfo=start.tzinfo)
        odd = odd.replace(start=first, end=first + timedelta(hours=1))
        [result] = self.outlook(ALICE).create([(None, odd)])
        self.assertTrue(result.ok, result.error)
        log = self.sync(self.alice)
        self.assertEqual(log.state, "partial")
        self.assertIn("Odoo cannot repeat", log.line_ids.message)
        self.assertFalse(self.events("Second Tuesday of March"))
