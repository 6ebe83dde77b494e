"""Browser tours in headless Chromium: Settings for the administrator, Preferences for a user."""

import copy
import unittest

from odoo.tests import HttpCase, new_test_user, tagged

from .sync_common import SEED, Simulator


@unittest.skipIf(Simulator is None, "exchange_simulator is not importable")
@tagged("post_install", "-at_install")
class TestTours(HttpCase):
    def setUp(self):
        super().setUp()
        seed = copy.deepcopy(SEED)
        seed["users"].append({"smtp": "tour.user@contoso.com", "password": "x"})
        seed["impersonation"]["svc-sync@contoso.com"].append("tour.user@contoso.com")
        self.sim = Simulator(seed, https=True).start()
        self.addCleanup(self.sim.stop)
        self.company = self.env.company

    def test_administrator_sets_up_exchange(self):
        # Exchange over HTTPS with the company's own certificate authority, as in the field.
        self.company.write(
            {"exchange_ews_url": self.sim.ews_https_url, "exchange_ca_file": self.sim.ca_file}
        )
        new_test_user(
            self.env,
            login="tour_admin",
            email="alice@contoso.com",
            groups="base.group_user,base.group_system",
        )
        self.start_tour("/odoo/settings", "calendar_exchange_sync_settings", login="tour_admin")
        self.assertTrue(self.company.exchange_enabled)
        self.assertEqual(self.company.exchange_version, "exchange2013")
        self.assertEqual(self.company.exchange_username, "svc-sync")
        self.assertEqual(self.company.exchange_password, "S3rvice!")

    def test_user_switches_sync_on(self):
        self.company.write(
            {
                "exchange_enabled": True,
                "exchange_version": "exchange2016",
                "exchange_ews_url": self.sim.ews_url,
                "exchange_domain": "CONTOSO",
                "exchange_username": "svc-sync",
                "exchange_password": "S3rvice!",
            }
        )
        user = new_test_user(
            self.env, login="tour_user", email="tour.user@contoso.com", groups="base.group_user"
        )
        self.start_tour("/odoo/calendar", "calendar_exchange_sync_preferences", login="tour_user")
        self.assertTrue(user.exchange_sync_enabled)
        self.assertTrue(self.env["calendar.exchange.mailbox"].search([("user_id", "=", user.id)]))
