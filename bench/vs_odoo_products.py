"""The two products of ``bench/vs_odoo.py``, each driven as it runs in production.

Each product lives in a database of its own (``microsoft_calendar`` without this addon, or this
addon without ``microsoft_calendar``): both override ``calendar.event``'s create and write, so
in one database each would add its hooks' queries to the other's numbers and its sync domain
could pick the other's events. Both databases are served by this one Odoo process.

A product answers the same calls: ``connect`` (users whose calendar sync is on), ``create`` (new
Odoo events waiting for export, made outside the measured time), ``edit`` (one user's save per
event, one transaction each, as in the calendar view) and ``sync`` (one run of its cron).
"""

from datetime import datetime, timedelta

from vs_odoo_redirect import placeholder_token
from vs_odoo_sim import APPS, TENANT

import odoo
from odoo.modules.registry import Registry

QUIET = {"no_mail_to_attendees": True, "mail_create_nolog": True, "tracking_disable": True}


class Product:
    label = ""  # "A" or "B"
    name = ""

    def __init__(self, db):
        self.db = db
        self.registry = Registry(db)
        self.users = {}  # mailbox -> res.users id

    def env(self, cr):
        return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})

    # -- set-up ----------------------------------------------------------------------------

    def connect(self, sim, boxes):
        with self.registry.cursor() as cr:
            env = self.env(cr)
            self.configure(env, sim)
            Users = env["res.users"].with_context(no_reset_password=True, **QUIET)
            for box in boxes:
                user = Users.create(
                    {"name": box.split("@")[0], "login": box, "email": box, "tz": "UTC"}
                )
                self.users[box] = user.id
                self.switch_on(user, box)

    def configure(self, env, sim):
        raise NotImplementedError

    def switch_on(self, user, box):
        raise NotImplementedError

    def create_context(self):
        return dict(QUIET)

    def create(self, box, count, first_day):
        """``count`` new events of the mailbox's user, in one transaction (not measured)."""
        with self.registry.cursor() as cr:
            env = self.env(cr)
            user = env["res.users"].browse(self.users[box])
            values = []
            for n in range(count):
                start = first_day + timedelta(days=n // 8, hours=n % 8, minutes=15)
                values.append(
                    {
                        "name": "Odoo entry %d" % n,
                        "user_id": user.id,
                        "start": start,
                        "stop": start + timedelta(minutes=30),
                        "partner_ids": [(6, 0, user.partner_id.ids)],
                        "location": "Desk %d" % (n % 7),
                    }
                )
            env["calendar.event"].with_context(**self.create_context()).create(values)

    def edit(self, box, count):
        """The first ``count`` "Odoo entry" events of the mailbox's user renamed, one save each."""
        with self.registry.cursor() as cr:
            ids = (
                self.env(cr)["calendar.event"]
                .search(
                    [("user_id", "=", self.users[box]), ("name", "=like", "Odoo entry %")],
                    order="start, id",
                    limit=count,
                )
                .ids
            )
        for n, event_id in enumerate(ids):
            with self.registry.cursor() as cr:  # commits, then A's post-commit PATCH runs
                env = odoo.api.Environment(cr, self.users[box], {})
                env["calendar.event"].browse(event_id).write({"name": "Odoo edit %d" % n})
        return len(ids)

    def sync(self):
        raise NotImplementedError

    # -- checks (outside the measured time) ------------------------------------------------

    def names(self, box):
        """How many of the user's events carry each name prefix ("Odoo entry", ...)."""
        with self.registry.cursor() as cr:
            events = self.env(cr)["calendar.event"].search_read(
                [("user_id", "=", self.users[box])], ["name"]
            )
        counts = {}
        for event in events:
            key = " ".join((event["name"] or "").split()[:2])
            counts[key] = counts.get(key, 0) + 1
        return counts

    def problems(self):
        """Sync errors the product recorded, in a few words (empty when all went well)."""
        return []


class OdooMicrosoftCalendar(Product):
    """A: Odoo 19's ``microsoft_calendar``, its HTTP sent to the simulator by the redirect."""

    label, name = "A", "Odoo's microsoft_calendar"
    module = "microsoft_calendar"

    def configure(self, env, sim):
        client_id, secret = APPS["A"]
        params = env["ir.config_parameter"].sudo()
        params.set_param("microsoft_calendar_client_id", client_id)
        params.set_param("microsoft_calendar_client_secret", secret)

    def switch_on(self, user, box):
        # What the OAuth consent would have stored: a refresh token and an access token valid
        # long enough for A never to refresh it (the redirect swaps in a real one per request).
        user.sudo().write(
            {
                "microsoft_calendar_rtoken": "bench-refresh-token",
                "microsoft_calendar_token": placeholder_token(box),
                "microsoft_calendar_token_validity": datetime.now() + timedelta(days=365),
            }
        )

    def create_context(self):
        # Queued for A's next sync instead of sent at this commit: the same _microsoft_insert
        # per event either way, but then the export is measured by A's run, as B's is.
        return dict(QUIET, no_calendar_sync=True)

    def sync(self):
        with self.registry.cursor() as cr:
            self.env(cr)["res.users"]._sync_all_microsoft_calendar()  # the cron's method


class ExchangeSync(Product):
    """B: this repository's ``calendar_exchange_sync`` in Office 365 mode."""

    label, name = "B", "calendar_exchange_sync (Office 365)"
    module = "calendar_exchange_sync"

    def configure(self, env, sim):
        client_id, secret = APPS["B"]
        env.ref("base.main_company").write(
            {
                "exchange_enabled": True,
                "exchange_version": "office365",
                "exchange_tenant": TENANT,
                "exchange_client_id": client_id,
                "exchange_client_secret": secret,
                "exchange_login_url": sim.https_url,
                "exchange_graph_url": sim.https_url,
                "exchange_ca_file": sim.ca_file,
            }
        )

    def switch_on(self, user, box):
        user.exchange_sync_enabled = True

    def sync(self):
        with self.registry.cursor() as cr:
            self.env(cr)["calendar.exchange.mailbox"]._cron_sync(time_budget=10**6)

    def problems(self):
        with self.registry.cursor() as cr:
            mailboxes = self.env(cr)["calendar.exchange.mailbox"].search([])
            return sorted({m.last_error for m in mailboxes if m.last_error})


PRODUCTS = (OdooMicrosoftCalendar, ExchangeSync)
