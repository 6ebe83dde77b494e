from pathlib import Path

from odoo.exceptions import AccessError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged

from .common import ExchangeSyncCase

SECRETS = ("exchange_password", "exchange_client_secret")


@tagged("post_install", "-at_install")
class TestSecrets(ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        self.enable_on_premises()
        self.company.exchange_client_secret = "client-s3cret"

    def test_non_admin_cannot_read_or_write_secrets(self):
        company = self.company.with_user(self.alice)
        for field in SECRETS:
            with self.subTest(field=field):
                with self.assertRaises(AccessError):
                    company.read([field])
                with self.assertRaises(AccessError):
                    company.write({field: "stolen"})
        self.assertEqual(self.company.exchange_password, "s3cret")
        # The flag users need for Preferences stays readable.
        self.assertTrue(company.exchange_enabled)

    def test_non_admin_cannot_use_settings(self):
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.alice).create({})

    def test_admin_reads_and_writes_secrets(self):
        company = self.company.with_user(self.admin)
        self.assertEqual(company.exchange_password, "s3cret")
        company.exchange_client_secret = "rotated"
        self.assertEqual(self.company.exchange_client_secret, "rotated")

    def test_secrets_and_switch_are_not_copied(self):
        # Odoo 19 refuses to duplicate companies; what must not leak is declared copy=False.
        fields = self.env["res.company"]._fields
        for field in SECRETS:
            self.assertFalse(fields[field].copy, field)
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        clone = self.alice.copy({"login": "exch_alice_clone", "email": "alice2@example.com"})
        self.assertFalse(clone.exchange_sync_enabled)

    def test_neutralize_clears_secrets(self):
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        sql = (Path(__file__).parent.parent / "data" / "neutralize.sql").read_text()
        self.env.flush_all()
        self.env.cr.execute(sql)
        self.env.invalidate_all()
        self.assertFalse(self.company.exchange_password)
        self.assertFalse(self.company.exchange_client_secret)
        self.assertFalse(self.company.exchange_enabled)
        self.assertFalse(self.alice.exchange_sync_enabled)

    def test_neutralize_clears_mailbox_tokens_and_consent_nonce(self):
        # As Odoo's `neutralize` command does it for this module, on a database in use: a
        # mailbox with its delta/sync tokens and a binding, a consent under way.
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        mailbox = self.env["calendar.exchange.mailbox"]._for_user(self.alice)
        mailbox.write({"local_token": "odoo-since-42", "remote_token": "sync-state-abc"})
        binding = self.env["calendar.exchange.binding"].create(
            {"mailbox_id": mailbox.id, "identity": "item-1", "remote_id": "AAMk-1"}
        )
        self.company.exchange_consent_nonce = "nonce-in-flight"
        switch = self.env["calendar.exchange.switch"].create(
            {
                "company_id": self.company.id,
                "tenant": "contoso.onmicrosoft.com",
                "client_id": "client-1",
                "client_secret": "typed-in-the-wizard",
            }
        )
        self.env.flush_all()
        for query in get_neutralization_queries(["calendar_exchange_sync"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()

        self.assertFalse(self.company.exchange_consent_nonce)
        self.assertFalse(self.company.exchange_password or self.company.exchange_client_secret)
        self.assertFalse(mailbox.local_token or mailbox.remote_token)
        self.assertFalse(mailbox.active)
        self.assertFalse(switch.client_secret)
        # Whoever switches the sync on again in the copy starts over: nothing of the
        # production run (bindings, tokens) is applied to whatever the copy connects to.
        self.enable_on_premises()
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        self.assertTrue(mailbox.active)
        self.assertFalse(binding.exists())
        self.assertFalse(mailbox.local_token or mailbox.remote_token)

    def test_neutralize_is_registered(self):
        # Odoo's `neutralize` command runs every installed module's data/neutralize.sql.
        queries = get_neutralization_queries(["calendar_exchange_sync"])
        self.assertTrue(any("exchange_password" in query for query in queries))
