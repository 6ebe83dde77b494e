"""Odoo tests against the Exchange simulator running in this process, through the real backends.

The simulator lives at the repository root (``exchange_simulator``); the test command puts it
on the path. Where it is absent (an installed addon without its repository), these tests skip.
"""

import copy
import unittest
from datetime import datetime, timedelta, timezone

from odoo.tests import new_test_user

from ..bridge.runner import MailboxRun
from ..sync.items import CalendarItem
from .common import ExchangeSyncCase

try:
    from exchange_simulator.seed import seed_data
    from exchange_simulator.simulator import Simulator
except ImportError:  # pragma: no cover - the addon outside its repository
    Simulator = seed_data = None

UTC = timezone.utc
ALICE, BOB, CAROL = "alice@contoso.com", "bob@contoso.com", "carol@contoso.com"
DELEGATE, PASSWORD = "svc-sync", "S3rvice!"

# The one test seed of the repository (exchange_simulator/seeds/contoso.json), shared with the
# pytest suite; the Office 365 app may reach every mailbox but Carol's. Here the delegate
# impersonates Carol too (the pytest suite keeps her outside its scope). Each case starts its
# simulator from a fresh copy.
SEED = seed_data("contoso") if seed_data else {}
if SEED:
    SEED["impersonation"]["svc-sync@contoso.com"].append(CAROL)


def in_days(days, hour=9, minutes=0):
    """An aware UTC datetime ``days`` from now at a round hour (tests move with the clock)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days, hours=hour, minutes=minutes)


def naive(moment):
    return moment.astimezone(UTC).replace(tzinfo=None)


@unittest.skipIf(Simulator is None, "exchange_simulator is not importable")
class SimulatorCase(ExchangeSyncCase):
    """A seeded simulator per test class, the company connected to it, Alice and Bob syncing."""

    seed = SEED

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "exchange_enabled": True,
                "exchange_version": "exchange2016",
                "exchange_ews_url": "https://mail.contoso.com/EWS/Exchange.asmx",
                "exchange_domain": "CONTOSO",
                "exchange_username": DELEGATE,
                "exchange_password": PASSWORD,
                "exchange_auth_type": "ntlm",
            }
        )
        cls.alice = new_test_user(
            cls.env,
            login="sim_alice",
            email=ALICE,
            name="Alice",
            groups="base.group_user",
            tz="Europe/Stockholm",
        )
        cls.bob = new_test_user(
            cls.env,
            login="sim_bob",
            email=BOB,
            name="Bob",
            groups="base.group_user",
            tz="Europe/Stockholm",
        )
        for user in (cls.alice, cls.bob):
            user.with_user(user).exchange_sync_enabled = True
        cls.Event = cls.env["calendar.event"]

    def setUp(self):
        super().setUp()
        # Exchange keeps no transaction to roll back: a fresh server for every test.
        self.sim = Simulator(copy.deepcopy(self.seed)).start()
        self.addCleanup(self.sim.stop)
        self.company.exchange_ews_url = self.sim.ews_url

    # -- running the sync -----------------------------------------------------------------

    def mailbox(self, user):
        return self.env["calendar.exchange.mailbox"]._for_user(user)

    def sync(self, user, **kwargs):
        """One run of ``user``'s mailbox, as the cron does it (without its commit)."""
        log = MailboxRun(self.mailbox(user), **kwargs).execute()
        self.env.invalidate_all()
        return log

    COUNTS = (
        "odoo_created",
        "odoo_updated",
        "odoo_deleted",
        "exchange_created",
        "exchange_updated",
        "exchange_deleted",
        "matched",
        "conflicts",
    )

    def assertSynced(self, log, **counts):
        """The run went well and did exactly this; a run with nothing to do leaves no log."""
        if log:
            self.assertEqual(log.state, "done", log.message or log.line_ids.mapped("message"))
        actual = {name: log[name] if log else 0 for name in self.COUNTS}
        expected = dict(dict.fromkeys(self.COUNTS, 0), **counts)
        self.assertEqual(actual, expected)

    # -- the Exchange side, as Outlook would see it ---------------------------------------

    def outlook(self, mailbox):
        """The mailbox through the real EWS backend: what a user's Outlook would write."""
        from ..bridge.backends import connection_settings, ews_settings
        from ..sync.ews import EwsSide

        return EwsSide(ews_settings(connection_settings(self.company)), mailbox)

    def remote_items(self, mailbox):
        return self.sim.store.items(mailbox)

    def remote_by_subject(self, mailbox, subject):
        found = [i for i in self.remote_items(mailbox) if i.subject == subject]
        self.assertEqual(len(found), 1, "%s in %s: %s" % (subject, mailbox, found))
        return found[0]

    def outlook_create(self, mailbox, **values):
        values.setdefault("start", in_days(2, 10))
        values.setdefault("end", values["start"] + timedelta(hours=1))
        values.setdefault("timezone", "Europe/Stockholm")
        item = CalendarItem(**values)
        # Outlook sets no Odoo identity: the item is as foreign to Odoo as any other.
        [result] = self.outlook(mailbox).create([(None, item)])
        self.assertTrue(result.ok, result.error)
        return result.remote

    def outlook_edit(self, mailbox, remote_id, send=(), **changes):
        """Outlook saves the item with ``changes`` (``send``: the ids it sends updates for)."""
        side = self.outlook(mailbox)
        now = side.fetch([remote_id])[remote_id]
        [result] = side.update([(remote_id, now.version, now.item.replace(**changes))], send=send)
        self.assertTrue(result.ok, result.error)

    def events(self, subject):
        return self.Event.with_context(active_test=False).search([("name", "=", subject)])


# The same seed serves Office 365, through its tenant's app.
GRAPH_SEED = SEED
_TENANT = SEED["tenants"][0] if SEED else {"apps": [{}]}
TENANT = _TENANT.get("tenant_id")
CLIENT_ID, SECRET = _TENANT["apps"][0].get("client_id"), _TENANT["apps"][0].get("client_secret")


def office365_settings(sim):
    """Company values for Office 365 through the simulator's login and Graph (HTTPS)."""
    return {
        "exchange_version": "office365",
        "exchange_tenant": "contoso.onmicrosoft.com",
        "exchange_client_id": CLIENT_ID,
        "exchange_client_secret": SECRET,
        "exchange_login_url": sim.https_url,
        "exchange_graph_url": sim.https_url,
        "exchange_ca_file": sim.ca_file,
    }


@unittest.skipIf(Simulator is None, "exchange_simulator is not importable")
class GraphSimulatorCase(SimulatorCase):
    """The same, with the company on Office 365 through Microsoft Graph (over HTTPS)."""

    seed = GRAPH_SEED

    def setUp(self):
        super(SimulatorCase, self).setUp()  # skip the EWS set-up, keep the users
        self.sim = Simulator(copy.deepcopy(self.seed), https=True).start()
        self.addCleanup(self.sim.stop)
        self.company.write(office365_settings(self.sim))

    def outlook(self, mailbox):
        from ..bridge.backends import connection_settings, graph_settings
        from ..sync.graph import GraphSide

        return GraphSide(graph_settings(connection_settings(self.company)), mailbox)
