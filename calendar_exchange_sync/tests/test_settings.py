from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import ExchangeSyncCase

ON_PREMISES_FIELDS = (
    "exchange_domain",
    "exchange_ews_url",
    "exchange_username",
    "exchange_password",
    "exchange_auth_type",
)
OFFICE365_FIELDS = (
    "exchange_tenant",
    "exchange_client_id",
    "exchange_client_secret",
    "exchange_login_url",
    "exchange_graph_url",
)


@tagged("post_install", "-at_install")
class TestSettings(ExchangeSyncCase):
    def _settings_form(self, company=None):
        settings = self.env["res.config.settings"].with_user(self.admin)
        if company:
            settings = settings.with_company(company)
        return Form(settings)

    def _assert_visible(self, form, field, visible):
        # Form refuses to write a field that the view hides: that is what the admin sees.
        value = "x" if field != "exchange_auth_type" else "basic"
        if visible:
            setattr(form, field, value)
        else:
            with self.assertRaises(AssertionError, msg=f"{field} should be hidden"):
                setattr(form, field, value)

    def test_only_fields_of_chosen_version_show(self):
        for version in ("exchange2007", "exchange2010", "exchange2013", "exchange2016"):
            form = self._settings_form()
            form.exchange_version = version
            for field in ON_PREMISES_FIELDS:
                self._assert_visible(form, field, True)
            for field in OFFICE365_FIELDS:
                self._assert_visible(form, field, False)
        form = self._settings_form()
        form.exchange_version = "office365"
        for field in OFFICE365_FIELDS:
            self._assert_visible(form, field, True)
        for field in ON_PREMISES_FIELDS:
            self._assert_visible(form, field, False)

    def test_settings_are_saved_per_company(self):
        form = self._settings_form(self.other_company)
        form.exchange_enabled = True
        form.exchange_version = "office365"
        form.exchange_tenant = "other.onmicrosoft.com"
        form.exchange_client_id = "11111111-2222-3333-4444-555555555555"
        form.exchange_conflict_policy = "exchange"
        form.exchange_window_days = 60
        form.save().execute()
        self.assertTrue(self.other_company.exchange_enabled)
        self.assertEqual(self.other_company.exchange_tenant, "other.onmicrosoft.com")
        self.assertEqual(self.other_company.exchange_conflict_policy, "exchange")
        self.assertEqual(self.other_company.exchange_window_days, 60)
        # The main company is untouched.
        self.assertFalse(self.company.exchange_enabled)
        self.assertFalse(self.company.exchange_tenant)
        self.assertEqual(self.company.exchange_conflict_policy, "newest")
        self.assertEqual(self.company.exchange_window_days, 30)
        form = self._settings_form(self.company)
        self.assertFalse(form.exchange_enabled)
        self.assertEqual(form.exchange_version, "exchange2016")

    def test_defaults(self):
        company = self.env["res.company"].create({"name": "Fresh"})
        self.assertEqual(company.exchange_login_url, "https://login.microsoftonline.com")
        self.assertEqual(company.exchange_graph_url, "https://graph.microsoft.com")
        self.assertEqual(company.exchange_auth_type, "ntlm")
        self.assertEqual(company.exchange_window_days, 30)
        self.assertEqual(company.exchange_conflict_policy, "newest")

    def _assert_refused(self, vals, reason):
        with self.assertRaises(ValidationError) as caught:
            self.company.write(vals)
        self.assertIn(reason, str(caught.exception))

    def test_bad_input_is_refused_at_save(self):
        ews_url = "https://mail.example.com/EWS/Exchange.asmx"
        for url in ("mail.example.com/EWS/Exchange.asmx", "ftp://mail.example.com/EWS"):
            self._assert_refused({"exchange_ews_url": url}, "not a web address")
        self._assert_refused({"exchange_graph_url": "graph"}, "not a web address")
        self._assert_refused(
            {
                "exchange_enabled": True,
                "exchange_version": "exchange2013",
                "exchange_ews_url": ews_url,
                "exchange_username": "   ",
            },
            "delegate account",
        )
        self._assert_refused(
            {"exchange_enabled": True, "exchange_version": "exchange2007"}, "EWS URL"
        )
        self._assert_refused({"exchange_enabled": True, "exchange_version": "office365"}, "tenant")
        self._assert_refused(
            {"exchange_enabled": True, "exchange_version": "office365", "exchange_tenant": "t"},
            "client ID",
        )
        self._assert_refused({"exchange_window_days": -1}, "negative")
        self.assertFalse(self.company.exchange_enabled)
        # A complete on-premises configuration is accepted.
        self.enable_on_premises()
        self.assertTrue(self.company.exchange_enabled)

    def test_settings_form_reports_validation_error(self):
        form = self._settings_form()
        form.exchange_version = "exchange2010"
        form.exchange_ews_url = "not a url"
        with self.assertRaises(ValidationError):
            form.save()
        # Enabling with every field the version needs, in one save, is accepted.
        form = self._settings_form()
        form.exchange_enabled = True
        form.exchange_version = "exchange2010"
        form.exchange_ews_url = "https://mail.example.com/EWS/Exchange.asmx"
        form.exchange_username = "svc-sync"
        form.exchange_password = "pw"
        form.save().execute()
        self.assertTrue(self.company.exchange_enabled)
        self.assertEqual(self.company.exchange_password, "pw")
