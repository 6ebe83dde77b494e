"""Issue 16, moving to Office 365: a company of three synced users on Exchange 2016 with 200
entries each (series and meetings included) moves its mailboxes to Exchange Online and switches
through "Move to Office 365". Afterwards: the same Odoo events, no duplicates on either side,
no invitation sent, the pairs' history kept, and edits travel again. During a hybrid move, a
mailbox still on premises keeps syncing through EWS until it has moved.

Meetings, as far as the product syncs them today: Alice's Outlook meetings with Bob and Carol
(sent with invitations, so Exchange delivered their copies), imported once and paired in the
attendees' mailboxes by UID; Odoo meetings with the three of them as attendees.
"""

import copy
import unittest
from datetime import datetime, timedelta, timezone

from exchangelib import (
    IMPERSONATION,
    NTLM,
    Account,
    Attendee,
    Build,
    CalendarItem,
    Configuration,
    Credentials,
    Mailbox,
    Version,
)
from exchangelib.items import SEND_TO_ALL_AND_SAVE_COPY

from odoo.tests import new_test_user, tagged

from ..bridge.runner import MailboxRun
from .common import ExchangeSyncCase
from .sync_common import (
    ALICE,
    BOB,
    CAROL,
    CLIENT_ID,
    DELEGATE,
    PASSWORD,
    SECRET,
    SEED,
    TENANT,
    Simulator,
    naive,
)

try:
    from exchange_simulator.migration import move_mailbox
except ImportError:  # pragma: no cover - the addon outside its repository
    move_mailbox = None

UTC = timezone.utc
ENTRIES = 200  # per user
ODOO_SINGLES, ODOO_SERIES, OUTLOOK_SINGLES, OUTLOOK_SERIES, MEETINGS = 120, 10, 60, 5, 5
CLOUD_TENANT = {
    "tenant_id": TENANT,
    "domains": ["contoso.com", "contoso.onmicrosoft.com"],
    "apps": [
        {"client_id": CLIENT_ID, "client_secret": SECRET, "name": "Odoo calendar sync",
         "consented": True, "permissions": ["Calendars.ReadWrite"]}
    ],
}  # fmt: skip


def monday_in(weeks, hour):
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
    return monday + timedelta(hours=hour)


def weekly(start, count):
    return {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"],
                    "firstDayOfWeek": "monday"},
        "range": {"type": "numbered", "startDate": start.date().isoformat(),
                  "numberOfOccurrences": count, "recurrenceTimeZone": "UTC"},
    }  # fmt: skip


@unittest.skipIf(Simulator is None, "exchange_simulator is not importable")
@tagged("post_install", "-at_install")
class TestMoveToOffice365(ExchangeSyncCase):
    def setUp(self):
        super().setUp()
        onprem_seed = copy.deepcopy(SEED)
        cloud_seed = copy.deepcopy(SEED)
        cloud_seed["tenants"] = [copy.deepcopy(CLOUD_TENANT)]
        for user in cloud_seed["users"]:
            user["mailbox"] = False  # the tenant knows everybody; mailboxes arrive by moving
        self.onprem = Simulator(onprem_seed).start()
        self.addCleanup(self.onprem.stop)
        self.cloud = Simulator(cloud_seed, https=True).start()
        self.addCleanup(self.cloud.stop)
        self.company.write(
            {
                "exchange_enabled": True,
                "exchange_version": "exchange2016",
                "exchange_ews_url": self.onprem.ews_url,
                "exchange_domain": "CONTOSO",
                "exchange_username": DELEGATE,
                "exchange_password": PASSWORD,
                "exchange_ca_file": self.cloud.ca_file,  # trusted for the tenant's URLs
            }
        )
        self.users = {}
        for address in (ALICE, BOB, CAROL):
            user = new_test_user(
                self.env, login="mv_" + address.split("@")[0], email=address,
                groups="base.group_user", name=address.split("@")[0].title(),
            )  # fmt: skip
            user.with_user(user).exchange_sync_enabled = True
            self.users[address] = user
        self.Event = self.env["calendar.event"].with_context(active_test=False)

    # -- building the company's calendars ------------------------------------------------

    def fill(self, addresses):
        """``ENTRIES`` per user: Odoo entries, Outlook entries, series and meetings."""
        for address in addresses:
            user = self.users[address]
            Event = self.env["calendar.event"].with_user(user)
            for number in range(ODOO_SINGLES):
                start = monday_in(0, 8) + timedelta(days=number % 90, hours=number % 9)
                others = [self.users[a].partner_id.id for a in (ALICE, BOB, CAROL)]
                partners = others if number % 40 == 0 and address == ALICE else [user.partner_id.id]
                Event.create(
                    {
                        "name": "%s: Odoo %d" % (user.name, number),
                        "start": naive(start),
                        "stop": naive(start + timedelta(minutes=45)),
                        "location": "Room %d" % (number % 7),
                        "description": "<p>Notes %d</p>" % number,
                        "partner_ids": [(6, 0, partners)],
                    }
                )
            for number in range(ODOO_SERIES):
                start = monday_in(number % 4, 7 + number)
                Event.create(
                    {
                        "name": "%s: Odoo weekly %d" % (user.name, number),
                        "start": naive(start),
                        "stop": naive(start + timedelta(minutes=30)),
                        "partner_ids": [(6, 0, user.partner_id.ids)],
                        "recurrency": True,
                        "rrule_type": "weekly",
                        "mon": True,
                        "count": 4,
                        "end_type": "count",
                    }
                )
            store = self.onprem.store
            for number in range(OUTLOOK_SINGLES):
                start = monday_in(1, 18) + timedelta(days=number, minutes=number % 4 * 15)
                store.create_item(
                    address,
                    {
                        "subject": "%s: Outlook %d" % (user.name, number),
                        "start": start,
                        "end": start + timedelta(hours=1),
                        "sensitivity": "Private" if number % 10 == 0 else "Normal",
                    },
                )
            for number in range(OUTLOOK_SERIES):
                start = monday_in(0, 12 + number)
                store.create_item(
                    address,
                    {
                        "subject": "%s: Outlook weekly %d" % (user.name, number),
                        "start": start,
                        "end": start + timedelta(minutes=30),
                        "recurrence": weekly(start, 6),
                        "deleted_occurrences": {start + timedelta(weeks=2)},
                    },
                )
        if ALICE in addresses:
            alice = self.delegate_account(ALICE)
            for number in range(MEETINGS):
                start = monday_in(2, 9) + timedelta(days=number)
                CalendarItem(
                    account=alice,
                    folder=alice.calendar,
                    subject="Project meeting %d" % number,
                    start=start,
                    end=start + timedelta(hours=1),
                    required_attendees=[
                        Attendee(mailbox=Mailbox(email_address=a)) for a in (BOB, CAROL)
                    ],
                ).save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)

    def delegate_account(self, address):
        config = Configuration(
            service_endpoint=self.onprem.ews_url,
            credentials=Credentials("CONTOSO\\" + DELEGATE, PASSWORD),
            auth_type=NTLM,
            version=Version(build=Build(15, 1), api_version="Exchange2016"),
        )
        return Account(address, config=config, autodiscover=False, access_type=IMPERSONATION)

    # -- running and looking -------------------------------------------------------------

    def sync(self, address):
        mailbox = self.env["calendar.exchange.mailbox"]._for_user(self.users[address])
        log = MailboxRun(mailbox).execute()
        self.env.invalidate_all()
        return log

    def settle(self, addresses, passes=3):
        """Sync every mailbox until a whole pass changes nothing (meetings take a pass more:
        an attendee's copy pairs with the organizer's event once both mailboxes ran)."""
        for _pass in range(passes):
            logs = [self.sync(address) for address in addresses]
            for log in logs:
                self.assertTrue(not log or log.state == "done", log and log.message)
            if not any(logs):
                return
        self.fail("the mailboxes did not settle in %d passes" % passes)

    def assertDone(self, log, **counts):
        if log:
            self.assertEqual(log.state, "done", log.message or log.line_ids.mapped("message"))
        for name in ("odoo_created", "odoo_deleted", "exchange_created", "exchange_deleted",
                     "odoo_updated", "exchange_updated"):  # fmt: skip
            self.assertEqual(log[name] if log else 0, counts.get(name, 0), name)

    def odoo_snapshot(self):
        users = [u.id for u in self.users.values()]
        events = self.Event.search([("user_id", "in", users)])
        return {
            e.id: (
                e.name, e.start, e.stop, e.allday, e.location or "", str(e.description or ""),
                e.user_id.id, tuple(sorted(e.partner_ids.ids)), e.recurrence_id.rrule or "",
                e.privacy,
            )
            for e in events
        }  # fmt: skip

    def bindings(self):
        Binding = self.env["calendar.exchange.binding"]
        rows = Binding.search([("user_id", "in", [u.id for u in self.users.values()])])
        return {(b.mailbox_id.id, b.identity): (b.local_id, b.item_hash) for b in rows}

    def exchange(self, sim, address):
        items = sim.store.items(address)
        uids = [i.uid for i in items]
        self.assertEqual(len(uids), len(set(uids)), "a duplicate in %s" % address)
        return sorted(uids)

    def switch(self, keep_ews=True):
        action = (
            self.env["res.config.settings"]
            .with_user(self.admin)
            .create({})
            .action_exchange_move_to_office365()
        )
        wizard = self.env["calendar.exchange.switch"].browse(action["res_id"]).with_user(self.admin)
        self.assertIn("Nothing is created twice", wizard.summary)
        wizard.write(
            {
                "tenant": "contoso.onmicrosoft.com",
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "login_url": self.cloud.https_url,
                "graph_url": self.cloud.https_url,
                "keep_ews": keep_ews,
            }
        )
        wizard.action_confirm()
        self.assertEqual(self.company.exchange_version, "office365")
        self.assertEqual(self.company.exchange_onprem_version, "exchange2016")

    # -- the stories ---------------------------------------------------------------------

    def test_three_users_200_entries_each_move_to_office_365(self):
        everybody = (ALICE, BOB, CAROL)
        self.fill(everybody)
        self.settle(everybody)
        before_odoo, before_bindings = self.odoo_snapshot(), self.bindings()
        before_exchange = {a: self.exchange(self.onprem, a) for a in everybody}
        self.assertEqual(len(before_exchange[ALICE]), ENTRIES)
        for address in (BOB, CAROL):
            # Their own 195, Alice's 5 Outlook meetings, and her Odoo meetings with them.
            self.assertEqual(len(before_exchange[address]), ENTRIES + 3, address)
        self.assertEqual(len(before_bindings), sum(map(len, before_exchange.values())))

        for address in everybody:
            move_mailbox(self.onprem, self.cloud, address)
        self.switch()
        for address in everybody:
            log = self.sync(address)
            # Read again after the move, the copies Exchange delivered to the attendees say
            # Alice organises them, where the pairs had agreed on the attendee's own address
            # (what Odoo proposes for an entry its owner does not organise: the Meetings work
            # reworks this). Those copies are settled again, one way or the other; nothing
            # else is written, nothing one can see in Odoo changes (compared below), nothing
            # is created, deleted or sent. Since the meetings work, the organizer's own
            # meetings are read as meetings too (their attendees' answers as Graph gives them),
            # so Alice's are settled again once as well.
            copies = MEETINGS
            updated = (log.odoo_updated + log.exchange_updated) if log else 0
            self.assertLessEqual(updated, copies, address)
            self.assertDone(
                log,
                odoo_updated=log.odoo_updated if log else 0,
                exchange_updated=log.exchange_updated if log else 0,
            )
            moved = self.env["calendar.exchange.log"].search(
                [("user_id", "=", self.users[address].id), ("message", "ilike", "moved from")]
            )
            self.assertEqual(len(moved), 1)
            found = "%d entries found again" % len(before_exchange[address])
            self.assertIn(found, moved.message)
            self.assertIn("0 not in the new mailbox", moved.message)
        for address in everybody:
            self.assertDone(self.sync(address))

        self.assertEqual(self.odoo_snapshot(), before_odoo)
        after_bindings = self.bindings()
        self.assertEqual(
            {k: v[0] for k, v in after_bindings.items()},
            {k: v[0] for k, v in before_bindings.items()},
        )
        for address in everybody:
            self.assertEqual(self.exchange(self.cloud, address), before_exchange[address])
        self.assertEqual(self.cloud.journal.mail(), [])  # no invitation, update, cancellation
        # Not one EWS id went to Graph.
        self.assertNotIn("ErrorInvalidIdMalformed", [c for _o, c in self.cloud.journal.errors()])

        # Edits travel again, both ways.
        event = self.Event.search([("name", "=", "Alice: Odoo 3")])
        event.with_user(self.users[ALICE]).location = "Board room"
        item = next(i for i in self.cloud.store.items(BOB) if i.subject == "Bob: Outlook 4")
        self.cloud.store.update_item(BOB, item.id, {"location": "Café"})
        self.assertDone(self.sync(ALICE), exchange_updated=1)
        self.assertDone(self.sync(BOB), odoo_updated=1)
        moved_item = next(i for i in self.cloud.store.items(ALICE) if i.subject == "Alice: Odoo 3")
        self.assertEqual(moved_item.location, "Board room")
        self.assertEqual(self.Event.search([("name", "=", "Bob: Outlook 4")]).location, "Café")
        self.assertEqual(self.cloud.journal.mail(), [])

    def test_a_mailbox_still_on_premises_keeps_syncing_through_ews(self):
        self.fill((BOB,))
        self.settle((BOB, ALICE))
        move_mailbox(self.onprem, self.cloud, ALICE)
        self.switch(keep_ews=True)
        self.onprem.journal.clear()
        self.assertDone(self.sync(ALICE))
        self.assertDone(self.sync(BOB))
        bob = self.env["calendar.exchange.mailbox"]._for_user(self.users[BOB])
        self.assertEqual(bob.remote_kind, "ews")
        self.assertTrue(self.onprem.journal.count(protocol="ews", mailbox=BOB))
        # An Outlook change on premises still travels.
        item = next(i for i in self.onprem.store.items(BOB) if i.subject == "Bob: Outlook 2")
        self.onprem.store.update_item(BOB, item.id, {"subject": "Bob: Outlook two"})
        self.assertDone(self.sync(BOB), odoo_updated=1)
        before = self.odoo_snapshot()
        # Bob's mailbox moves: his next run re-pairs it and goes on through Graph.
        uids = self.exchange(self.onprem, BOB)
        move_mailbox(self.onprem, self.cloud, BOB)
        self.assertDone(self.sync(BOB))
        bob.invalidate_recordset()
        self.assertEqual(bob.remote_kind, "graph")
        self.assertEqual(self.odoo_snapshot(), before)
        self.assertEqual(self.exchange(self.cloud, BOB), uids)
        self.assertEqual(self.cloud.journal.mail(), [])

    def test_without_ews_a_mailbox_not_moved_yet_says_so(self):
        self.settle((BOB,))
        self.switch(keep_ews=False)
        log = self.sync(BOB)
        self.assertEqual(log.state, "failed")
        self.assertIn("on premises", log.message)
