"""Issue 16, each user signs in: a user presses "Sign in with Microsoft" in Preferences, the
browser goes through the simulated Microsoft sign-in page and back to Odoo's callback (the
real redirects), the sign-in cron completes it, the calendar synchronises with the user's own
token, and a revoked grant turns into "sign in again" and a notification, not a failing cron.
"""

import copy
import re
import unittest
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import requests

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from ..bridge import signin
from ..bridge.runner import MailboxRun
from .sync_common import ALICE, BOB, GRAPH_SEED, Simulator, in_days, office365_settings

try:
    from exchange_simulator.login.grants import grants_for
except ImportError:  # pragma: no cover - the addon outside its repository
    grants_for = None


@unittest.skipIf(Simulator is None, "exchange_simulator is not importable")
@tagged("post_install", "-at_install")
class TestSignIn(HttpCase):
    def setUp(self):
        super().setUp()
        self.sim = Simulator(copy.deepcopy(GRAPH_SEED), https=True).start()
        self.addCleanup(self.sim.stop)
        self.company = self.env.company
        self.company.write(
            dict(office365_settings(self.sim), exchange_enabled=True, exchange_access_mode="signin")
        )
        # Her Odoo e-mail is a private one: nothing says which mailbox is hers until she
        # signs in.
        self.user = new_test_user(
            self.env, login="signin_alice", email="alice.home@private.example",
            groups="base.group_user", name="Alice",
        )  # fmt: skip
        self.other = new_test_user(
            self.env, login="signin_bob", email="bob.home@private.example", groups="base.group_user"
        )

    # -- what the user and the browser do ---------------------------------------------------

    def press_sign_in(self, login="signin_alice"):
        """Log in to Odoo and press the button (an RPC of the Preferences form)."""
        self.authenticate(login, login)
        user = self.env["res.users"].search([("login", "=", login)])
        action = self.make_jsonrpc_request(
            "/web/dataset/call_kw/res.users/action_exchange_sign_in",
            {"model": "res.users", "method": "action_exchange_sign_in", "args": [user.ids],
             "kwargs": {}},
        )  # fmt: skip
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].startswith(self.sim.https_url))
        return action["url"]

    def microsoft_page(self, url, login=ALICE, password="alice-pw"):
        """The browser at Microsoft: the page, the form posted; the way back to Odoo."""
        page = requests.get(url, verify=self.sim.ca_file, timeout=10)
        self.assertEqual(page.status_code, 200, page.text)
        form = {k: unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)}
        form.update(login=login, passwd=password)
        answer = requests.post(
            url.split("?")[0], data=form, verify=self.sim.ca_file, allow_redirects=False,
            timeout=10,
        )  # fmt: skip
        self.assertEqual(answer.status_code, 302, answer.text)
        back = urlsplit(answer.headers["Location"])
        self.assertEqual(back.path, "/calendar_exchange_sync/signin")
        return "%s?%s" % (back.path, back.query)

    def grant(self, user=None):
        return self.env["calendar.exchange.grant"].search(
            [("user_id", "=", (user or self.user).id)]
        )

    def sign_in(self):
        callback = self.microsoft_page(self.press_sign_in())
        response = self.url_open(callback, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303), response.text)
        self.assertEqual(urlsplit(response.headers["Location"]).path, "/odoo")
        grant = self.grant()
        self.assertEqual(grant.state, "pending")
        self.assertTrue(grant.code)
        # What the sign-in cron does (its own commit aside), in a worker.
        self.assertTrue(signin.complete(grant))
        return grant, callback

    def run_sync(self, user=None):
        mailbox = self.env["calendar.exchange.mailbox"]._for_user(user or self.user)
        log = MailboxRun(mailbox).execute()
        self.env.invalidate_all()
        return log

    # -- the stories ------------------------------------------------------------------------

    def test_signing_in_syncing_and_having_the_grant_revoked(self):
        self.assertFalse(self.user.exchange_sync_enabled)
        grant, callback = self.sign_in()
        # The signed-in Microsoft user's mailbox is hers now, proved by the sign-in.
        self.assertEqual(self.user.exchange_mailbox, ALICE)
        self.assertTrue(self.user.exchange_sync_enabled)
        self.assertEqual(grant.state, "active")
        self.assertEqual(grant.ms_mailbox, ALICE)
        self.assertFalse(grant.code or grant.code_verifier)
        self.assertEqual(self.user.with_user(self.user).exchange_signin_state, "active")
        told = self.env["mail.message"].search(
            [("partner_ids", "in", self.user.partner_id.ids), ("body", "ilike", "signed in")]
        )
        self.assertTrue(told)
        # The same answer again is refused: the state was for one use.
        self.assertEqual(self.url_open(callback, allow_redirects=False).status_code, 400)

        # Her calendar synchronises through her own token.
        start = in_days(2, 9)
        self.sim.store.create_item(
            ALICE,
            {"subject": "From Outlook", "start": start, "end": start + timedelta(hours=1)},
        )
        log = self.run_sync()
        self.assertEqual(log.state, "done", log.message)
        self.assertEqual(log.odoo_created, 1)
        event = self.env["calendar.event"].search([("name", "=", "From Outlook")])
        self.assertEqual(event.user_id, self.user)
        delegated = [e for e in self.sim.journal.entries(protocol="graph") if e.mailbox]
        self.assertTrue(delegated)
        self.assertEqual({e.mailbox for e in delegated}, {ALICE})
        self.assertEqual(self.sim.store.items(BOB), [])

        # An access token close to its end is refreshed before the run, in the cron worker.
        old_refresh = grant.refresh_token
        grant.expires_at = fields.Datetime.now() + timedelta(minutes=2)
        log = self.run_sync()
        self.assertTrue(not log or log.state == "done", log.message)
        self.assertNotEqual(grant.refresh_token, old_refresh)  # rotated as Entra does

        # Her administrator (or she) revokes her sign-in sessions at Microsoft.
        grants_for(self.sim.directory).revoke(ALICE)
        grant.expires_at = fields.Datetime.now() - timedelta(minutes=1)
        log = self.run_sync()
        self.assertEqual(log.state, "failed")
        self.assertIn("sign in again", log.message)
        self.assertEqual(grant.state, "revoked")
        mailbox = self.env["calendar.exchange.mailbox"]._for_user(self.user)
        self.assertEqual(mailbox.access_problem, "signin")
        self.assertEqual(self.user.with_user(self.user).exchange_signin_state, "revoked")
        told = self.env["mail.message"].search(
            [("partner_ids", "in", self.user.partner_id.ids), ("body", "ilike", "sign in again")]
        )
        self.assertEqual(len(told), 1)
        # The cron does not fail her every few minutes: the mailbox waits for her.
        self.assertNotIn(mailbox, mailbox._due(fields.Datetime.now() + timedelta(hours=12)))
        # She signs in again: it synchronises again.
        self.sign_in()
        self.assertFalse(mailbox.access_problem)
        self.assertIn(mailbox, mailbox._due(fields.Datetime.now()))
        log = self.run_sync()
        self.assertTrue(not log or log.state == "done", log.message)

    def test_the_answer_belongs_to_the_user_and_session_that_asked(self):
        callback = self.microsoft_page(self.press_sign_in())
        # Bob, in his own session, brings Alice's answer: refused, and hers is used up.
        self.authenticate("signin_bob", "signin_bob")
        self.assertEqual(self.url_open(callback, allow_redirects=False).status_code, 400)
        self.assertFalse(self.grant().code)
        self.assertFalse(self.grant(self.other))
        # A forged state is refused too.
        forged = re.sub(r"state=[^&]+", "state=%d.abc.def" % self.user.id, callback)
        self.authenticate("signin_alice", "signin_alice")
        self.assertEqual(self.url_open(forged, allow_redirects=False).status_code, 400)

    def test_an_other_users_microsoft_account_is_refused(self):
        # Bob already synchronises alice@contoso.com: Alice cannot take it by signing in.
        self.other.exchange_mailbox = ALICE
        callback = self.microsoft_page(self.press_sign_in())
        self.url_open(callback, allow_redirects=False)
        grant = self.grant()
        self.assertFalse(signin.complete(grant))
        self.assertEqual(grant.state, "revoked")
        self.assertIn("two users cannot synchronise one mailbox", grant.problem)
        self.assertEqual(self.user.exchange_mailbox, "alice.home@private.example")
        self.assertFalse(self.user.exchange_sync_enabled)

    def test_only_the_user_signs_in_and_only_when_the_company_says_so(self):
        with self.assertRaises(AccessError):
            self.user.with_user(self.other).action_exchange_sign_in()
        self.assertFalse(self.grant())
        self.company.exchange_access_mode = "application"
        with self.assertRaises(UserError):
            self.user.with_user(self.user).action_exchange_sign_in()

    def test_a_refused_sign_in_says_why(self):
        url = self.press_sign_in()
        url = url.replace("response_type=code", "response_type=token")
        answer = requests.get(url, verify=self.sim.ca_file, allow_redirects=False, timeout=10)
        self.assertEqual(answer.status_code, 302)
        back = urlsplit(answer.headers["Location"])
        response = self.url_open("%s?%s" % (back.path, back.query), allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Microsoft did not sign you in", response.text)
        self.assertEqual(self.grant().state, "revoked")
