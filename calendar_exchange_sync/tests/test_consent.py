"""Grant permissions: the admin-consent round trip through the simulated Microsoft login."""

import copy
import unittest
from urllib.parse import urlsplit

import requests

from odoo.tests import HttpCase, new_test_user, tagged

from .sync_common import GRAPH_SEED, Simulator, office365_settings


@unittest.skipIf(Simulator is None, "exchange_simulator is not importable")
@tagged("post_install", "-at_install")
class TestConsent(HttpCase):
    seed = GRAPH_SEED

    def setUp(self):
        super().setUp()
        self.start_simulator(self.seed)
        self.company = self.env.company
        self.company.write(office365_settings(self.sim))
        self.admin = new_test_user(
            self.env, login="consent_admin", groups="base.group_user,base.group_system"
        )
        self.authenticate("consent_admin", "consent_admin")

    def start_simulator(self, seed):
        self.sim = Simulator(copy.deepcopy(seed), https=True).start()
        self.addCleanup(self.sim.stop)

    def microsoft_answer(self):
        """Press Grant permissions, let Microsoft answer; the URL it sends the browser to."""
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        action = settings.action_exchange_grant_permissions()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].startswith(self.sim.https_url))
        answer = requests.get(
            action["url"], verify=self.sim.ca_file, allow_redirects=False, timeout=10
        )
        self.assertEqual(answer.status_code, 302, answer.text)
        location = urlsplit(answer.headers["Location"])
        self.assertEqual(location.path, "/calendar_exchange_sync/consent")
        return "%s?%s" % (location.path, location.query)

    def test_consent_round_trip_and_replay(self):
        callback = self.microsoft_answer()
        response = self.url_open(callback, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303), response.text)
        self.assertTrue(self.company.exchange_consent_granted)
        # The same answer again (a replay) is refused: the state was single-use.
        self.company.exchange_consent_granted = False
        replay = self.url_open(callback, allow_redirects=False)
        self.assertEqual(replay.status_code, 400)
        self.assertFalse(self.company.exchange_consent_granted)

    def test_forged_state_is_refused(self):
        self.microsoft_answer()  # a real state is pending
        forged = "/calendar_exchange_sync/consent?admin_consent=True&state=%d.abc.def" % (
            self.company.id
        )
        response = self.url_open(forged, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.company.exchange_consent_granted)

    def test_declined_consent_says_why(self):
        self.sim.stop()
        declining = copy.deepcopy(self.seed)
        declining["tenants"][0]["apps"][0]["admin_declines"] = True
        self.start_simulator(declining)
        self.company.write(office365_settings(self.sim))
        response = self.url_open(self.microsoft_answer())
        self.assertEqual(response.status_code, 200)
        self.assertIn("did not grant", response.text)
        self.assertIn("declined", response.text)
        self.assertFalse(self.company.exchange_consent_granted)

    def test_only_settings_administrators_may_answer(self):
        callback = self.microsoft_answer()
        new_test_user(self.env, login="consent_user", groups="base.group_user")
        self.authenticate("consent_user", "consent_user")
        response = self.url_open(callback, allow_redirects=False)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.company.exchange_consent_granted)
