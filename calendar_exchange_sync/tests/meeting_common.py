"""Fixtures of the meeting tests (issue 12): three synced colleagues, one without sync, one
outside partner, and the counts every test asserts.

Alice, Bob and Carol synchronise their calendars; Dan has a mailbox on the server and an Odoo
login but does not synchronise; Eve is a customer outside (mail to her leaves the server: only
the simulator's journal sees it). Each test counts, for one meeting: Odoo events, entries in
each mailbox, invitations each attendee received (Odoo's own notifications plus the mail
Exchange sent), and the answers on each side.
"""

import copy
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import new_test_user

from .sync_common import (
    ALICE,
    BOB,
    CAROL,
    CLIENT_ID,
    DELEGATE,
    PASSWORD,
    SECRET,
    TENANT,
    GraphSimulatorCase,
    SimulatorCase,
    in_days,
    naive,
)

DAN = "dan@contoso.com"
EVE = "eve@customer.example"
REQUEST = "IPM.Schedule.Meeting.Request"
CANCELED = "IPM.Schedule.Meeting.Canceled"
PEOPLE = (ALICE, BOB, CAROL, DAN)

EWS_SEED = {
    "server": {"version": "Exchange2016", "domain": "CONTOSO"},
    "users": [
        {
            "smtp": "svc-sync@contoso.com",
            "username": DELEGATE,
            "password": PASSWORD,
            "display_name": "Sync service",
            "mailbox": False,
        },
    ]
    + [
        {"smtp": smtp, "password": "pw", "display_name": smtp.split("@")[0].title()}
        for smtp in PEOPLE
    ],
    "impersonation": {"svc-sync@contoso.com": list(PEOPLE)},
}
GRAPH_SEED = {
    "users": [
        {"smtp": smtp, "password": "pw", "display_name": smtp.split("@")[0].title()}
        for smtp in PEOPLE
    ],
    "tenants": [
        {
            "tenant_id": TENANT,
            "domains": ["contoso.com", "contoso.onmicrosoft.com"],
            "apps": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": SECRET,
                    "name": "Odoo calendar sync",
                    "consented": True,
                    "permissions": ["Calendars.ReadWrite"],
                }
            ],
        }
    ],
}


class MeetingMixin:
    """Users, the Odoo-notification spy and the counting helpers; mixed into a simulator case."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carol = new_test_user(
            cls.env,
            login="mt_carol",
            email=CAROL,
            name="Carol",
            groups="base.group_user",
            tz="Europe/Stockholm",
        )
        cls.carol.with_user(cls.carol).exchange_sync_enabled = True
        cls.dan = new_test_user(
            cls.env, login="mt_dan", email=DAN, name="Dan", groups="base.group_user"
        )
        cls.eve = cls.env["res.partner"].create({"name": "Eve", "email": EVE})
        cls.synced = (cls.alice, cls.bob, cls.carol)

    def setUp(self):
        super().setUp()
        self.sent_by_odoo = []  # partner ids Odoo notified of a meeting (invitation, update)
        self.notified = []  # (event id, partner id) of each of those notifications
        Event = type(self.env["calendar.event"])
        original = Event.message_notify
        sent, notified = self.sent_by_odoo, self.notified

        def spy(record, *args, **kwargs):
            partners = kwargs.get("partner_ids") or []
            sent.extend(partners)
            notified.extend((event_id, p) for event_id in record.ids for p in partners)
            return original(record, *args, **kwargs)

        patcher = patch.object(Event, "message_notify", spy)
        patcher.start()
        self.addCleanup(patcher.stop)

    # -- acting ------------------------------------------------------------------------------

    def invitations_on(self, on=True):
        self.company.exchange_send_invitations = on

    def meeting(self, organizer, name, attendees, days=3, **values):
        """A meeting created in Odoo by ``organizer`` (as they would, in their calendar)."""
        start = in_days(days, 9)
        partners = organizer.partner_id | attendees
        vals = {
            "name": name,
            "start": naive(start),
            "stop": naive(start + timedelta(hours=1)),
            "partner_ids": [(6, 0, partners.ids)],
        }
        vals.update(values)
        return self.Event.with_user(organizer).create(vals)

    def everyone(self):
        return self.bob.partner_id | self.carol.partner_id | self.dan.partner_id | self.eve

    def sync_all(self, *users, rounds=2):
        """Runs of each synced mailbox, in the given order, ``rounds`` times."""
        for _ in range(rounds):
            for user in users or self.synced:
                log = self.sync(user)
                if log:
                    self.assertIn(
                        log.state, ("done",), log.message or log.line_ids.mapped("message")
                    )

    def answer(self, event, user, state):
        """``user`` answers in Odoo (their attendee line: Yes / No / Maybe)."""
        line = event.attendee_ids.filtered(lambda a: a.partner_id == user.partner_id)
        {"accepted": line.do_accept, "declined": line.do_decline, "tentative": line.do_tentative}[
            state
        ]()

    def outlook_answer(self, mailbox, subject, response):
        """The owner answers their copy in Outlook (sent to the organizer)."""
        item_id = self.copy_in(mailbox, subject).id
        if self.graph:
            from exchange_simulator.graph.events import to_graph_id

            item_id = to_graph_id(item_id, True)
        [result] = self.outlook(mailbox).respond([(item_id, response, True)])
        self.assertTrue(result.ok, result.error)

    # -- counting ----------------------------------------------------------------------------

    def entries(self, mailbox, subject=None):
        """The calendar entries of a mailbox (of one subject, cancelled ones included)."""
        items = self.remote_items(mailbox)
        if subject is not None:
            items = [i for i in items if i.subject in (subject, "Canceled: " + subject)]
        return items

    def copy_in(self, mailbox, subject):
        found = self.entries(mailbox, subject)
        self.assertEqual(len(found), 1, "%s holds %s" % (mailbox, found))
        return found[0]

    def odoo_invitations(self, partner_or_user):
        partner = getattr(partner_or_user, "partner_id", partner_or_user)
        return self.sent_by_odoo.count(partner.id)

    def exchange_mail(self, address, item_class=REQUEST):
        return len(self.sim.journal.mail(recipient=address, item_class=item_class))

    def invitations(self, partner_or_user):
        """What one attendee received about meetings: Odoo's notifications plus Exchange's."""
        partner = getattr(partner_or_user, "partner_id", partner_or_user)
        return self.odoo_invitations(partner) + self.exchange_mail(partner.email)

    def assertOneMeeting(self, subject, mailboxes=(ALICE, BOB, CAROL)):
        """One Odoo event, one entry per synced mailbox, all with the same UID (Graph: the
        copies Exchange delivered) or identity (entries the sync wrote)."""
        events = self.events(subject).filtered("active")
        self.assertEqual(len(events), 1, "Odoo events of %s: %s" % (subject, events))
        for mailbox in mailboxes:
            self.assertEqual(len(self.entries(mailbox, subject)), 1, mailbox)
        return events

    def exchange_answer(self, mailbox, subject):
        """The owner's answer on their copy, as Exchange holds it."""
        return self.copy_in(mailbox, subject).my_response

    def organizer_tally(self, mailbox, subject, address):
        item = self.copy_in(mailbox, subject)
        for attendee in item.required_attendees + item.optional_attendees:
            if attendee.email.lower() == address:
                return attendee.response
        return None

    def odoo_answer(self, event, user):
        return event.attendee_ids.filtered(lambda a: a.partner_id == user.partner_id).state


def seeded(seed):
    return copy.deepcopy(seed)


class MeetingEwsCase(MeetingMixin, SimulatorCase):
    seed = EWS_SEED
    graph = False


class MeetingGraphCase(MeetingMixin, GraphSimulatorCase):
    seed = GRAPH_SEED
    graph = True
