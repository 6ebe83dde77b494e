"""Issue 16: Settings says what a switch to Office 365 will do before it is saved, and a plain
save of the version is refused while the company's calendars sync through Exchange Server."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ExchangeSyncCase


@tagged("post_install", "-at_install")
class TestMoveConfirmation(ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        self.enable_on_premises()
        self.alice.with_user(self.alice).exchange_sync_enabled = True
        self.mailbox = self.env["calendar.exchange.mailbox"]._for_user(self.alice)
        self.mailbox.remote_token = "an-ews-sync-state"
        self.env["calendar.exchange.binding"].create(
            {"mailbox_id": self.mailbox.id, "identity": "calendar.event,1", "remote_id": "AAA="}
        )
        self.Settings = self.env["res.config.settings"].with_user(self.admin)

    def test_a_plain_save_of_office_365_is_refused_with_the_way_to_do_it(self):
        office365 = {
            "exchange_version": "office365",
            "exchange_tenant": "t",
            "exchange_client_id": "c",
        }
        with self.assertRaisesRegex(UserError, "Move to Office 365"):
            self.Settings.create(dict(office365))  # (create takes the values out of the dict)
        self.assertEqual(self.company.exchange_version, "exchange2016")
        # A company that never synchronised switches freely.
        self.mailbox.binding_ids.unlink()
        self.mailbox.remote_token = False
        self.Settings.create(dict(office365))
        self.assertEqual(self.company.exchange_version, "office365")

    def test_the_confirmation_says_what_happens_then_switches(self):
        action = self.Settings.create({}).action_exchange_move_to_office365()
        self.assertEqual(action["res_model"], "calendar.exchange.switch")
        self.assertEqual(action["target"], "new")
        wizard = self.env["calendar.exchange.switch"].with_user(self.admin).browse(action["res_id"])
        self.assertEqual(wizard.synced_users, 1)
        self.assertEqual(wizard.synced_entries, 1)
        for words in ("found again", "Nothing is created twice", "no invitation is sent",
                      "keep synchronising with the on-premises server"):  # fmt: skip
            self.assertIn(words, wizard.summary)
        wizard.keep_ews = False
        self.assertIn("stop synchronising", wizard.summary)
        wizard.access_mode = "signin"
        self.assertIn("sign in with Microsoft", wizard.summary)
        # Nothing is saved until it is confirmed.
        self.assertEqual(self.company.exchange_version, "exchange2016")
        wizard.write(
            {"tenant": "contoso.onmicrosoft.com", "client_id": "cid", "client_secret": "s3cret",
             "keep_ews": True, "access_mode": "application"}
        )  # fmt: skip
        wizard.action_confirm()
        self.assertEqual(self.company.exchange_version, "office365")
        self.assertEqual(self.company.exchange_onprem_version, "exchange2016")
        self.assertTrue(self.company.exchange_hybrid)
        self.assertEqual(self.company.exchange_client_secret, "s3cret")
        self.assertFalse(wizard.client_secret)  # not kept in the wizard's table
        self.assertEqual(self.mailbox.remote_kind, "ews")  # its ids are re-paired first
        self.assertEqual(
            self.company.exchange_ews_url, "https://mail.example.com/EWS/Exchange.asmx"
        )

    def test_only_administrators_open_it(self):
        with self.assertRaises(AccessError):
            self.env["calendar.exchange.switch"].with_user(self.alice).create(
                {"company_id": self.company.id, "tenant": "t", "client_id": "c"}
            )
