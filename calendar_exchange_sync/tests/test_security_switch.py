"""Issue 9, point 2: nobody but the user switches their sync on, at creation or import either.

An administrator who creates a user with the switch on, imports a file with the column at 1,
or copies a syncing user, must not start the import of that person's private entries.
"""

from contextlib import contextmanager

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import ExchangeSyncCase


@tagged("post_install", "-at_install")
class TestSwitchIsTheUsers(ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        self.enable_on_premises()
        self.Users = self.env["res.users"].with_user(self.admin)

    @contextmanager
    def refused(self, text):
        """AccessError saying ``text``; assertRaises rolls back what was written meanwhile."""
        with self.assertRaises(AccessError) as caught:
            yield
        self.assertIn(text, str(caught.exception))

    def test_the_new_user_form_cannot_switch_sync_on(self):
        form = Form(self.Users, view="base.view_users_form")
        form.name = "Gina"
        form.login = "gina@example.com"
        with self.assertRaises(AssertionError):  # the switch is read-only there
            form.exchange_sync_enabled = True
        self.assertFalse(form.save().exchange_sync_enabled)
        # A crafted link can still carry a default for it: saving says no.
        crafted = self.Users.with_context(default_exchange_sync_enabled=True)
        form = Form(crafted, view="base.view_users_form")
        form.name = "Gino"
        form.login = "gino@example.com"
        with self.refused("Only Gino can switch on"):
            form.save()
        self.assertFalse(self.env["res.users"].search([("login", "=", "gino@example.com")]))

    def test_create_with_the_switch_on_is_refused(self):
        values = {"name": "Hugo", "login": "hugo@example.com", "exchange_sync_enabled": True}
        for users in (self.Users, self.Users.sudo()):  # sudo keeps the real user
            with self.subTest(sudo=users.env.su), self.refused("Only Hugo can switch on"):
                users.create(dict(values))
        self.assertFalse(self.env["res.users"].search([("login", "=", "hugo@example.com")]))

    def test_an_import_with_the_switch_at_1_is_refused_with_a_sentence(self):
        result = self.Users.load(
            ["login", "name", "exchange_sync_enabled"], [["ines@example.com", "Ines", "1"]]
        )
        self.assertEqual(result["ids"], False)
        [message] = result["messages"]
        self.assertEqual(message["type"], "error")
        self.assertIn("Only Ines can switch on calendar synchronisation", message["message"])
        self.assertFalse(self.env["res.users"].search([("login", "=", "ines@example.com")]))
        # Updating existing users by import: refused as well, for each of them.
        result = self.Users.load(
            [".id", "exchange_sync_enabled"], [[str(self.alice.id), "1"], [str(self.bob.id), "1"]]
        )
        self.assertFalse(result["ids"])
        self.assertTrue(result["messages"])
        self.assertFalse((self.alice | self.bob).filtered("exchange_sync_enabled"))

    def test_the_import_screen_shows_the_sentence(self):
        if "base_import.import" not in self.env:
            self.skipTest("base_import is not installed")
        csv = b"login,name,exchange_sync_enabled\njoy@example.com,Joy,1\n"
        wizard = (
            self.env["base_import.import"]
            .with_user(self.admin)
            .create({"res_model": "res.users", "file": csv, "file_type": "text/csv"})
        )
        result = wizard.execute_import(
            ["login", "name", "exchange_sync_enabled"],
            ["login", "name", "exchange_sync_enabled"],
            {
                "import_skip_records": [],
                "import_set_empty_fields": [],
                "fallback_values": {},
                "name_create_enabled_fields": {},
                "encoding": "utf-8",
                "separator": ",",
                "quoting": '"',
                "date_format": "",
                "datetime_format": "",
                "float_thousand_separator": ",",
                "float_decimal_separator": ".",
                "advanced": True,
                "has_headers": True,
                "keep_matches": False,
                "limit": 2000,
                "skip": 0,
                "tracking_disable": True,
            },
        )
        messages = [m["message"] for m in result["messages"]]
        self.assertTrue(any("Only Joy can switch on" in m for m in messages), messages)
        self.assertFalse(any("Traceback" in m for m in messages))
        self.assertFalse(self.env["res.users"].search([("login", "=", "joy@example.com")]))

    def test_a_copy_never_carries_the_switch_nor_the_mailbox(self):
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        clone = self.alice.with_user(self.admin).copy({"login": "alice.clone@example.com"})
        self.assertFalse(clone.exchange_sync_enabled)
        self.assertNotEqual(clone.exchange_mailbox, self.alice.exchange_mailbox)

    def test_the_superuser_may_for_installation_and_scripts(self):
        user = self.env["res.users"].create(
            {"name": "Kim", "login": "kim@example.com", "exchange_sync_enabled": True}
        )
        self.assertTrue(user.exchange_sync_enabled)
        self.assertEqual(user.exchange_mailbox, "kim@example.com")
