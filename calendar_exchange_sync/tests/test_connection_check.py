"""Test connection in Settings: plain sentences, the clock skew kept, no password shown."""

from datetime import timedelta

from odoo.tests import tagged

from .sync_common import GraphSimulatorCase, SimulatorCase


def _notification(action):
    params = action["params"]
    return params["type"], params["message"]


@tagged("post_install", "-at_install")
class TestConnectionEws(SimulatorCase):
    def test_wrong_password_is_explained_without_showing_it(self):
        self.company.exchange_password = "Wr0ng-Passw0rd"
        kind, message = _notification(
            self.company.with_user(self.admin)._exchange_test_connection()
        )
        self.assertEqual(kind, "danger")
        self.assertIn("refused the delegate account", message)
        self.assertNotIn("Wr0ng-Passw0rd", message)

    def test_plain_http_works_but_is_flagged_and_the_clock_is_measured(self):
        self.sim.store.clock.shift(timedelta(seconds=90))
        kind, message = _notification(
            self.company.with_user(self.admin)._exchange_test_connection()
        )
        self.assertEqual(kind, "danger")
        self.assertIn("http://", message)  # the only problem: no TLS
        self.assertTrue(self.company.exchange_clock_checked)
        self.assertAlmostEqual(self.company.exchange_clock_skew, 90, delta=3)


@tagged("post_install", "-at_install")
class TestConnectionGraph(GraphSimulatorCase):
    def test_office365_connection_works(self):
        # The test reads the administrator's own mailbox (an administrator sets it; Alice's
        # is given up first: two users never have one mailbox).
        self.alice.exchange_mailbox = False
        self.admin.exchange_mailbox = "carol@contoso.com"
        kind, message = _notification(
            self.company.with_user(self.admin)._exchange_test_connection()
        )
        self.assertEqual(kind, "danger")
        self.assertIn("policy", message)  # Carol's mailbox is closed to the app
        self.admin.exchange_mailbox = "alice@contoso.com"
        kind, message = _notification(
            self.company.with_user(self.admin)._exchange_test_connection()
        )
        self.assertEqual(kind, "success", message)
        self.assertTrue(self.company.exchange_clock_checked)

    def test_wrong_secret_is_explained(self):
        self.company.exchange_client_secret = "not-it"
        kind, message = _notification(
            self.company.with_user(self.admin)._exchange_test_connection()
        )
        self.assertEqual(kind, "danger")
        self.assertIn("secret", message.lower())
        self.assertNotIn("not-it", message)
