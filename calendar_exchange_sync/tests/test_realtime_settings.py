"""The Real-time updates setting: its default, what Settings shows, the Test button, rights."""

from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from ..models import res_company_realtime
from .common import ExchangeSyncCase
from .realtime_common import RealtimeMixin
from .sync_common import ALICE, GraphSimulatorCase, SimulatorCase


@tagged("post_install", "-at_install")
class TestRealtimeSetting(ExchangeSyncCase):
    def set_base(self, url):
        self.env["ir.config_parameter"].set_param("web.base.url", url)

    def test_on_by_default_only_for_a_public_https_address(self):
        for url, expected in (
            ("https://odoo.example.com", True),
            ("http://odoo.example.com", False),
            ("https://localhost:8069", False),
            ("https://127.0.0.1", False),
        ):
            self.set_base(url)
            company = self.env["res.company"].create({"name": "Company at %s" % url})
            self.assertEqual(company.exchange_realtime, expected, url)

    def test_settings_say_in_plain_words_why_it_cannot_work(self):
        self.enable_on_premises()
        self.set_base("http://localhost:8069")
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertIn("names this machine itself", settings.exchange_realtime_warning)
        self.assertEqual(
            settings.exchange_realtime_url,
            "http://localhost:8069/calendar_exchange_sync/notify/ews/…",
        )
        self.company.write(
            {"exchange_version": "office365", "exchange_tenant": "t", "exchange_client_id": "c"}
        )
        self.set_base("http://odoo.example.com")
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertIn("only calls https addresses", settings.exchange_realtime_warning)
        self.set_base("https://odoo.example.com")
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertFalse(settings.exchange_realtime_warning)
        self.assertIn("0 mailboxes get real-time updates", settings.exchange_realtime_status)

    def test_the_switch_wakes_the_subscriptions_cron(self):
        cron = self.env.ref("calendar_exchange_sync.ir_cron_exchange_realtime")
        Trigger = self.env["ir.cron.trigger"]
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        self.company.exchange_realtime = not self.company.exchange_realtime
        self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]))

    def test_only_administrators_see_subscriptions_and_their_secrets(self):
        self.enable_on_premises()
        subscription = self.env["calendar.exchange.subscription"].create(
            {"company_id": self.company.id, "email": "a@example.com", "protocol": "ews",
             "token": "t0ken", "client_state": "st4te"}
        )  # fmt: skip
        with self.assertRaises(AccessError):
            subscription.with_user(self.alice).read(["email"])
        portal = new_test_user(self.env, login="rt_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            subscription.with_user(portal).read(["email"])
        read = subscription.with_user(self.admin).read(["token", "client_state"])[0]
        self.assertEqual((read["token"], read["client_state"]), ("t0ken", "st4te"))
        copied = subscription.copy({"email": "b@example.com"})
        self.assertFalse(copied.token or copied.client_state)


class TestButtonMixin(RealtimeMixin):
    def give_admin(self, address):
        """The test uses the administrator's own mailbox (a mailbox has one owner)."""
        Users = self.env["res.users"].with_context(active_test=False)
        Users.search([("exchange_mailbox", "=", address)]).exchange_mailbox = False
        self.admin.exchange_mailbox = address

    def press_test(self):
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        with self.exchange_calls():
            action = settings.action_exchange_realtime_test()
        self.assertFalse(self.Subscription.search([("is_test", "=", True)]))  # cleaned up
        return action["params"]


@tagged("post_install", "-at_install")
class TestRealtimeButtonGraph(TestButtonMixin, GraphSimulatorCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.give_admin(ALICE)

    def test_graph_calls_odoo_back(self):
        params = self.press_test()
        self.assertEqual(params["type"], "success", params["message"])
        handshakes = self.judged("graph", "validation")
        self.assertEqual([d.outcome for d in handshakes], ["ok", "ok"])
        self.assertFalse(self.sim.graph_subscriptions.active())  # made and deleted
        self.assertFalse(self.company.exchange_realtime_problem)

    def test_an_unreachable_address_is_reported(self):
        self.env["ir.config_parameter"].set_param("web.base.url", "http://127.0.0.1:9")
        params = self.press_test()
        self.assertEqual(params["type"], "danger")
        self.assertIn("http://127.0.0.1:9/calendar_exchange_sync/notify/graph/", params["message"])
        self.assertEqual(self.company.exchange_realtime_problem, params["message"])


@tagged("post_install", "-at_install")
class TestRealtimeButtonEws(TestButtonMixin, SimulatorCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.company.exchange_ews_url = self.sim.ews_url
        self.give_admin(ALICE)

    def test_exchange_pings_odoo(self):
        params = self.press_test()
        self.assertEqual(params["type"], "success", params["message"])
        self.assertEqual([d.outcome for d in self.judged("ews")], ["OK"])

    def test_no_ping_is_reported(self):
        self.env["ir.config_parameter"].set_param("web.base.url", "http://127.0.0.1:9")
        with patch.object(res_company_realtime, "TEST_WAIT", 1):
            params = self.press_test()
        self.assertEqual(params["type"], "danger")
        self.assertIn("did not call", params["message"])
