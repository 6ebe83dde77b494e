"""Issue 11, point 2: a tripped deletion guard holds back the deletions only, and the owner or
an administrator decides on them; nobody else can, and nothing is deleted before they do."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .security_common import SecuritySimulatorCase
from .sync_common import ALICE

PREFERENCES = "base.view_users_form_simple_modif"


@tagged("post_install", "-at_install")
class TestDeletionGuard(SecuritySimulatorCase):
    def setUp(self):
        super().setUp()
        self.events = [self.event_as(self.alice, "Entry %d" % n, days=2 + n) for n in range(8)]
        self.events[0].with_user(self.alice).privacy = "private"
        self.assertEqual(self.sync(self.alice).exchange_created, 8)
        self.Held = self.env["calendar.exchange.held.deletion"]

    def delete_in_outlook(self, count):
        for event in self.events[:count]:
            item = self.remote_by_subject(ALICE, event.name)
            self.sim.store.delete_item(ALICE, item.id)

    def held_as(self, user):
        return self.Held.with_user(user).search([])

    def test_held_back_deletions_let_the_rest_through(self):
        self.delete_in_outlook(6)
        new = self.event_as(self.alice, "New in Odoo", days=20)
        kept = self.remote_by_subject(ALICE, "Entry 7")
        self.sim.store.update_item(ALICE, kept.id, {"location": "Room 7 (Outlook)"})
        log = self.sync(self.alice)
        # Nothing deleted; the new entry went out and the Outlook edit came in all the same.
        self.assertEqual(log.state, "stopped")
        self.assertEqual((log.odoo_deleted, log.exchange_created, log.odoo_updated), (0, 1, 1))
        self.assertEqual(log.held_count, 6)
        self.assertIn("6 deletions are held back", log.message)
        self.assertTrue(all(e.exists() and e.active for e in self.events))
        self.assertEqual(self.events[7].location, "Room 7 (Outlook)")
        self.remote_by_subject(ALICE, new.name)
        # The owner sees them in Preferences, with the entries named (her own private one too).
        form = Form(self.alice.with_user(self.alice), view=PREFERENCES)
        self.assertEqual(form.exchange_held_count, 6)
        held = self.held_as(self.alice)
        self.assertEqual(sorted(held.mapped("subject")), ["Entry %d" % n for n in range(6)])
        self.assertEqual(set(held.mapped("deleted_in")), {"exchange"})
        self.assertEqual(set(held.mapped("side")), {"odoo"})
        # The administrator sees them in the log and on the mailbox, the private one unnamed.
        self.assertEqual(held.filtered("private").mapped("subject"), ["Entry 0"])
        self.env.invalidate_all()  # a request of the administrator's own
        admin_log = log.with_user(self.admin)
        self.assertEqual(len(admin_log.held_deletion_ids), 6)
        self.assertIn("Private entry", admin_log.held_deletion_ids.mapped("subject"))
        self.assertNotIn("Entry 0", admin_log.held_deletion_ids.mapped("subject"))
        # The next runs hold them back still, without a log line each time.
        self.assertFalse(self.sync(self.alice))
        self.assertEqual(len(self.held_as(self.alice)), 6)
        self.assertTrue(all(e.exists() and e.active for e in self.events))

    def test_the_owner_confirms_some_and_restores_the_others(self):
        self.delete_in_outlook(6)
        self.sync(self.alice)
        held = self.held_as(self.alice).sorted("subject")
        held[:2].with_user(self.alice).action_confirm()
        # Deciding on two never lets the four others through by the share rule.
        log = self.sync(self.alice)
        self.assertEqual(log.odoo_deleted, 2)
        self.assertFalse(self.events[0].exists() or self.events[1].exists())
        self.assertEqual(len(self.held_as(self.alice)), 4)
        self.alice.with_user(self.alice).action_exchange_restore_deletions()
        log = self.sync(self.alice)
        self.assertEqual((log.state, log.exchange_created, log.odoo_deleted), ("done", 4, 0))
        self.assertFalse(self.held_as(self.alice))
        for event in self.events[2:6]:
            self.remote_by_subject(ALICE, event.name)
        self.assertEqual(len(self.remote_items(ALICE)), 6)
        self.assertSynced(self.sync(self.alice))

    def test_the_administrator_confirms_from_the_log(self):
        self.delete_in_outlook(6)
        log = self.sync(self.alice)
        log.with_user(self.admin).action_confirm_held_deletions()
        log = self.sync(self.alice)
        self.assertEqual((log.state, log.odoo_deleted), ("done", 6))
        self.assertEqual(self.Event.search_count([("id", "in", [e.id for e in self.events])]), 2)

    def test_nobody_else_decides(self):
        self.delete_in_outlook(6)
        self.sync(self.alice)
        held = self.held_as(self.alice)
        mailbox = self.mailbox(self.alice)
        # A colleague sees nothing of it and can press nothing.
        self.assertFalse(self.held_as(self.bob))
        self.assertFalse(self.alice.with_user(self.bob).exchange_held_deletion_ids)
        for attempt in (
            lambda: held.with_user(self.bob).action_confirm(),
            lambda: held.with_user(self.bob).action_restore(),
            lambda: self.alice.with_user(self.bob).action_exchange_confirm_deletions(),
            lambda: mailbox.with_user(self.bob).action_restore_held_deletions(),
        ):
            with self.assertRaises(AccessError):
                attempt()
        # Nor a portal user, who has no access to any of it.
        with self.assertRaises(AccessError):
            self.Held.with_user(self.portal).search([])
        with self.assertRaises(AccessError):
            held.with_user(self.portal).action_confirm()
        self.assertEqual(set(self.Held.search([]).mapped("decision")), {"wait"})
        log = self.sync(self.alice)
        self.assertFalse(log)  # still held, nothing deleted
        self.assertTrue(all(e.exists() for e in self.events))

    def test_the_limit_is_a_company_setting(self):
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertEqual(
            (settings.exchange_deletion_limit, settings.exchange_deletion_min), (50, 5)
        )
        settings.exchange_deletion_limit = 90
        settings.execute()
        self.delete_in_outlook(6)  # 75% of the calendar: under the new limit
        log = self.sync(self.alice)
        self.assertEqual((log.state, log.odoo_deleted), ("done", 6))
        with self.assertRaises(ValidationError):
            self.company.exchange_deletion_limit = 120

    def test_a_deletion_held_back_is_never_carried_out_by_a_later_edit(self):
        self.delete_in_outlook(6)
        self.sync(self.alice)
        # The owner edits one of the held entries in Odoo: it goes back to Exchange.
        self.events[3].with_user(self.alice).name = "Entry 3 (kept)"
        log = self.sync(self.alice)
        self.assertEqual(log.exchange_created, 1)
        self.remote_by_subject(ALICE, "Entry 3 (kept)")
        self.assertEqual(len(self.held_as(self.alice)), 5)
