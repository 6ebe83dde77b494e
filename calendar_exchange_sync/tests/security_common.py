"""Fixtures of the security tests: a CEO whose mailbox is worth attacking, a portal user, an
outside guest, and helpers to act as each of them."""

import copy
from datetime import timedelta

from odoo.tests import new_test_user

from .sync_common import ALICE, GRAPH_SEED, SEED, GraphSimulatorCase, SimulatorCase, in_days, naive

CEO = "ceo@contoso.com"
GUEST = "guest@outside.example"


def with_ceo(seed):
    """The seed with the CEO's mailbox on the server, reachable by the delegate / the app."""
    seed = copy.deepcopy(seed)
    seed["users"].append({"smtp": CEO, "password": "ceo-pw", "display_name": "The CEO"})
    for mailboxes in seed.get("impersonation", {}).values():
        mailboxes.append(CEO)
    return seed


class SecurityMixin:
    """Adds the CEO (syncing), a portal user and helpers; mixed into a simulator case."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ceo = new_test_user(
            cls.env,
            login="sec_ceo",
            email=CEO,
            name="The CEO",
            groups="base.group_user",
            tz="Europe/Stockholm",
        )
        cls.ceo.with_user(cls.ceo).exchange_sync_enabled = True
        cls.portal = new_test_user(
            cls.env, login="sec_portal", email="paul@customer.example", groups="base.group_portal"
        )

    def event_as(self, user, name, days=3, **values):
        start = in_days(days, 9)
        vals = {
            "name": name,
            "start": naive(start),
            "stop": naive(start + timedelta(hours=1)),
            "partner_ids": [(6, 0, [user.partner_id.id])],
        }
        vals.update(values)
        return self.Event.with_user(user).create(vals)

    def seed_item(self, mailbox, **values):
        """An item placed in a mailbox as a sender or the server would, organizer and all."""
        from exchange_simulator.store import Attendee

        start = values.pop("start", in_days(2, 10))
        values.setdefault("end", start + timedelta(hours=1))
        # The zone Odoo gives the users of these tests, so that the entry reads back the same.
        values.setdefault("start_tz", "W. Europe Standard Time")
        values.setdefault("end_tz", "W. Europe Standard Time")
        for key in ("required_attendees", "optional_attendees"):
            people = [(a, "") if isinstance(a, str) else a for a in values.get(key, ())]
            values[key] = [Attendee(email=email, name=name) for email, name in people]
        if isinstance(values.get("organizer"), str):
            values["organizer"] = Attendee(email=values["organizer"])
        return self.sim.store.create_item(mailbox, dict(values, start=start))


class SecuritySimulatorCase(SecurityMixin, SimulatorCase):
    seed = with_ceo(SEED)


class SecurityGraphCase(SecurityMixin, GraphSimulatorCase):
    seed = with_ceo(GRAPH_SEED)


__all__ = ["ALICE", "CEO", "GUEST", "SecurityGraphCase", "SecuritySimulatorCase"]
