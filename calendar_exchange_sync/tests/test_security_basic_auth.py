"""Issue 9, point 11: Basic authentication over plain http sends the delegate's password in
clear; Settings refuse it unless the administrator explicitly accepts that, and a run refuses
it if it got stored anyway."""

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import ExchangeSyncCase
from .sync_common import SimulatorCase


@tagged("post_install", "-at_install")
class TestBasicOverHttpSettings(ExchangeSyncCase):
    def settings_form(self, url):
        form = Form(self.env["res.config.settings"].with_user(self.admin))
        form.exchange_enabled = True
        form.exchange_version = "exchange2016"
        form.exchange_ews_url = url
        form.exchange_username = "svc-sync"
        form.exchange_password = "s3cret"
        form.exchange_auth_type = "basic"
        return form

    def test_refused_at_save_unless_the_risk_is_accepted(self):
        self.assertFalse(self.company.exchange_basic_over_http, "off by default")
        form = self.settings_form("http://mail.example.com/EWS/Exchange.asmx")
        with self.assertRaises(ValidationError) as caught:  # (a savepoint: nothing is kept)
            form.save().execute()
        self.assertIn("unencrypted", str(caught.exception))
        self.assertFalse(self.company.exchange_enabled)
        form = self.settings_form("http://mail.example.com/EWS/Exchange.asmx")
        form.exchange_basic_over_http = True
        form.save().execute()
        self.assertEqual(self.company.exchange_auth_type, "basic")
        # Over https, Basic needs no such acceptance; NTLM over http neither (no clear password).
        self.company.write(
            {
                "exchange_ews_url": "https://mail.example.com/EWS/Exchange.asmx",
                "exchange_basic_over_http": False,
            }
        )
        self.company.write(
            {"exchange_auth_type": "ntlm", "exchange_ews_url": "http://m.example/EWS/Exchange.asmx"}
        )
        with self.assertRaises(ValidationError) as caught:
            self.company.exchange_auth_type = "basic"
        self.assertIn("unencrypted", str(caught.exception))

    def test_the_acceptance_is_for_administrators(self):
        field = self.env["res.company"]._fields["exchange_basic_over_http"]
        self.assertEqual(field.groups, "base.group_system")
        self.assertTrue(field.help and "password" in field.help)


@tagged("post_install", "-at_install")
class TestBasicOverHttpAtRunTime(SimulatorCase):
    def test_a_run_refuses_it_when_it_got_stored(self):
        # Written around the settings' check (an old database, a script): the run refuses.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_company SET exchange_auth_type = 'basic', exchange_basic_over_http = FALSE"
            " WHERE id = %s",
            [self.company.id],
        )
        self.env.invalidate_all()
        before = self.sim.journal.count(protocol="ews")
        log = self.sync(self.alice)
        self.assertEqual(log.state, "failed")
        self.assertIn("unencrypted", log.message)
        self.assertIn("unencrypted", self.alice.exchange_last_error)
        self.assertEqual(self.sim.journal.count(protocol="ews"), before, "no request was sent")
