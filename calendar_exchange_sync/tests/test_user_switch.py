from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import ExchangeSyncCase


@tagged("post_install", "-at_install")
class TestUserSwitch(ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        self.enable_on_premises()

    def test_user_switches_own_sync_from_preferences(self):
        alice = self.alice.with_user(self.alice)
        self.assertEqual(alice.exchange_mailbox, "alice@example.com")
        alice.write({"exchange_sync_enabled": True})
        self.assertTrue(self.alice.exchange_sync_enabled)
        alice.write({"exchange_sync_enabled": False})
        self.assertFalse(self.alice.exchange_sync_enabled)

    def test_nobody_switches_on_for_someone_else(self):
        with self.assertRaises(AccessError):
            self.alice.with_user(self.bob).write({"exchange_sync_enabled": True})
        with self.assertRaises(AccessError):
            self.alice.with_user(self.admin).write({"exchange_sync_enabled": True})
        # sudo() keeps the real user: an administrator's sudo-ed call is refused as well.
        with self.assertRaises(AccessError):
            self.alice.with_user(self.admin).sudo().write({"exchange_sync_enabled": True})
        with self.assertRaises(AccessError):
            (self.alice | self.admin).with_user(self.admin).write({"exchange_sync_enabled": True})
        self.assertFalse(self.alice.exchange_sync_enabled)

    def test_switching_off_for_others_is_for_administrators(self):
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        with self.assertRaises(AccessError):
            self.alice.with_user(self.bob).sudo().write({"exchange_sync_enabled": False})
        self.alice.with_user(self.admin).write({"exchange_sync_enabled": False})
        self.assertFalse(self.alice.exchange_sync_enabled)

    def test_sync_needs_the_company_integration_and_a_mailbox(self):
        self.company.exchange_enabled = False
        with self.assertRaisesRegex(UserError, "not enabled"):
            self.alice.with_user(self.alice).exchange_sync_enabled = True
        self.enable_on_premises()
        # The mailbox is the administrator's to set (see test_security_mailbox), not the e-mail.
        self.bob.exchange_mailbox = False
        with self.assertRaisesRegex(UserError, "ask your administrator"):
            self.bob.with_user(self.bob).exchange_sync_enabled = True

    def test_preferences_fields_are_self_readable(self):
        values = self.alice.with_user(self.alice).read(
            [
                "exchange_mailbox",
                "exchange_sync_enabled",
                "exchange_last_sync",
                "exchange_last_error",
            ]
        )[0]
        self.assertEqual(values["exchange_mailbox"], "alice@example.com")

    def test_preferences_form_works_for_a_plain_user(self):
        # The Preferences dialog reads and writes only self-accessible fields: a field missing
        # from SELF_READABLE/WRITEABLE_FIELDS makes this fail for a user who is not an admin.
        view = self.env.ref("base.view_users_form_simple_modif")
        form = Form(self.alice.with_user(self.alice), view=view)
        self.assertEqual(form.exchange_mailbox, "alice@example.com")
        form.exchange_sync_enabled = True
        form.save()
        self.assertTrue(self.alice.exchange_sync_enabled)

    def test_users_are_told_when_the_integration_is_enabled(self):
        self.company.exchange_enabled = False
        Message = self.env["mail.message"]
        before = Message.search_count([("partner_ids", "in", self.bob.partner_id.ids)])
        self.enable_on_premises()
        told = Message.search([("partner_ids", "in", self.bob.partner_id.ids)])
        self.assertEqual(len(told) - before, 1)
        self.assertIn("Preferences", str(told[0].body))
        # Saving the settings again does not repeat it.
        self.enable_on_premises()
        self.assertEqual(
            Message.search_count([("partner_ids", "in", self.bob.partner_id.ids)]), before + 1
        )

    def test_login_starts_the_users_sync(self):
        cron = self.env.ref("calendar_exchange_sync.ir_cron_exchange_sync")
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        self.alice.with_user(self.alice)._update_last_login()
        mailbox = self.env["calendar.exchange.mailbox"].search([("user_id", "=", self.alice.id)])
        self.assertTrue(mailbox.needs_sync)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
