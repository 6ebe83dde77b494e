"""The cursor of a calendar's listing waits for the transactions open when the cron's pass
began (``written_floor``): an event that such a transaction commits after the pass is listed by
the next pass, however long the transaction stayed open, and once nothing older is open the
cursor moves up to the last pass instead of staying ten minutes back.

These tests need transactions open side by side (database connections of their own): they
commit what they make and remove it afterwards, and hold no transaction of their own (not a
``TransactionCase``): one open through the test would be older than any they open.
"""

import copy
import unittest
from datetime import datetime, timedelta

import psycopg2

from odoo import SUPERUSER_ID, api, sql_db
from odoo.modules.registry import Registry
from odoo.tests.common import BaseCase, get_db_name, tagged

from ..bridge import odoo_listing, written_floor
from .committed_common import point_company_at, remove_committed
from .sync_common import ALICE, SEED, Simulator, in_days, naive


def utc_now(cr):
    cr.execute("SELECT now() AT TIME ZONE 'UTC'")  # the transaction's start, as write dates
    return cr.fetchone()[0]


@tagged("post_install", "-at_install")
class TestFloorQuery(BaseCase):
    """The floor alone, on the maintenance database (no session of Odoo's there)."""

    def connect(self):
        _name, info = sql_db.connection_info_for("postgres")
        connection = psycopg2.connect(**info)
        self.addCleanup(connection.close)
        return connection

    def test_the_floor_waits_for_an_open_transaction_and_moves_on_when_it_commits(self):
        open_one = self.connect()
        began = utc_now(open_one.cursor())  # its transaction stays open
        reader = self.connect()
        self.assertLessEqual(written_floor.read(reader.cursor()), began - written_floor.SLACK)
        reader.rollback()
        open_one.commit()
        later = self.connect().cursor()
        own_start = utc_now(later)
        self.assertGreater(written_floor.read(later), began - written_floor.SLACK)
        self.assertLessEqual(written_floor.read(later), own_start - written_floor.SLACK)


@unittest.skipIf(Simulator is None, "exchange_simulator is not importable")
@tagged("post_install", "-at_install")
class TestWrittenFloorInThePass(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        self.sim = Simulator(copy.deepcopy(SEED)).start()
        self.addCleanup(self.sim.stop)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            saved = point_company_at(env, self.sim)
            values = {"name": ALICE, "login": "floor_" + ALICE, "email": ALICE}
            user = env["res.users"].create(dict(values, exchange_sync_enabled=True))
            Mailbox = env["calendar.exchange.mailbox"]
            Mailbox._ensure_mailboxes()
            self.user_id = user.id
            self.mailbox_id = Mailbox.search([("user_id", "=", user.id)]).id
        self.addCleanup(self._clean, saved)

    def _clean(self, saved):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            remove_committed(env, saved, [self.user_id], [self.mailbox_id])

    def sync(self):
        with self.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["calendar.exchange.mailbox"]._cron_sync()

    def cursor(self):
        """The write-date cursor of the mailbox's Odoo token."""
        with self.registry.cursor() as cr:
            mailbox = api.Environment(cr, SUPERUSER_ID, {})["calendar.exchange.mailbox"]
            token = mailbox.browse(self.mailbox_id).local_token
        return datetime.fromisoformat(odoo_listing.parse_token(token)[0])

    def subjects(self):
        return sorted(item.subject for item in self.sim.store.items(ALICE))

    def test_an_event_an_older_transaction_commits_after_the_pass_is_listed(self):
        self.sync()
        with self.registry.cursor() as late:
            env = api.Environment(late, SUPERUSER_ID, {})
            start = naive(in_days(2, 9))
            env["calendar.event"].create(
                {
                    "name": "Committed after the pass",
                    "user_id": self.user_id,
                    "partner_ids": [(6, 0, env["res.users"].browse(self.user_id).partner_id.ids)],
                    "start": start,
                    "stop": start + timedelta(hours=1),
                }
            )
            env.flush_all()
            began = utc_now(late)  # the event's write date
            self.sync()  # cannot see the event yet
            self.assertEqual(self.subjects(), [])
            waits = began - written_floor.SLACK
            self.assertLessEqual(self.cursor(), waits, "the cursor waits for the open one")
        self.sync()
        self.assertEqual(self.subjects(), ["Committed after the pass"])
        # Nothing older open any more: the next pass's cursor moves past where it waited, up to
        # that pass's own start (a fixed margin would keep it ten minutes back).
        self.sync()
        self.assertGreater(self.cursor(), waits)
