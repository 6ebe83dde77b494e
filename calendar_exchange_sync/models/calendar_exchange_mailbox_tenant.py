"""What a mailbox's sync knows of its tenant: the address Exchange resolved, which protocol its
stored ids belong to, and why it cannot run now (an access problem).

* ``resolved_email``: the primary address Exchange answered for the user's mailbox address
  (``resolved_from``), asked on the first run; unique among active mailboxes, compared without
  case, so that two users never synchronise one mailbox whatever aliases they were given.
* ``remote_kind``: EWS or Graph, so that a switch of protocol re-pairs the stored ids first
  (``bridge/migration.py``).
* ``access_problem``: the address is unknown to Exchange, it is another user's mailbox, the
  sync account may not reach it (scope), or the user must sign in again. The cron leaves such
  a mailbox alone (``_due``): a sign-in problem until the user signs in, the others for
  ``PROBLEM_RETRY`` or until somebody presses Sync now or a connection test clears it.

A new address (``_reset``) starts all of this over.
"""

from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL

PROBLEM_RETRY = timedelta(hours=6)
PROBLEMS = [
    ("unknown", "Unknown to Exchange"),
    ("duplicate", "Another user's mailbox"),
    ("scope", "Out of the sync account's reach"),
    ("signin", "Sign-in needed"),
]


class CalendarExchangeMailbox(models.Model):
    _inherit = "calendar.exchange.mailbox"

    resolved_email = fields.Char(
        string="Mailbox in Exchange",
        readonly=True,
        copy=False,
        help="The mailbox's primary address, as Exchange answered for the user's Exchange "
        "mailbox address (which may be an alias).",
    )
    resolved_from = fields.Char(readonly=True, copy=False)
    remote_kind = fields.Selection(
        [("ews", "Exchange Server (EWS)"), ("graph", "Office 365 (Microsoft Graph)")],
        string="Stored Ids",
        readonly=True,
        copy=False,
        help="The protocol the stored Exchange ids of this mailbox belong to.",
    )
    access_problem = fields.Selection(PROBLEMS, readonly=True, copy=False)
    access_checked = fields.Datetime(readonly=True, copy=False)

    _resolved_unique = models.UniqueIndex(
        "(lower(resolved_email)) WHERE resolved_email IS NOT NULL AND active",
        "Two users cannot synchronise the same Exchange mailbox.",
    )

    def _reset(self, email=None, active=True):
        result = super()._reset(email, active)
        self.write(
            {
                "resolved_email": False,
                "resolved_from": False,
                "remote_kind": False,
                "access_problem": False,
                "access_checked": False,
            }
        )
        return result

    def _due_conditions(self, now):
        """A mailbox with an access problem waits for somebody to act: a sign-in problem for
        the user to sign in again, the others for Sync now (asked since the problem was
        found) or for ``PROBLEM_RETRY``."""
        checked = SQL("COALESCE(m.access_checked, %s)", now)
        waits = SQL(
            """m.access_problem IS NOT NULL AND (
                   m.access_problem = 'signin'
                   OR (m.sync_requested IS NULL OR m.sync_requested < %s)
                      AND %s - %s < %s)""",
            checked, now, checked, PROBLEM_RETRY,
        )  # fmt: skip
        return [*super()._due_conditions(now), SQL("NOT (%s)", waits)]

    def _exchange_set_problem(self, kind, message):
        self.sudo().write(
            {
                "access_problem": kind,
                "access_checked": fields.Datetime.now(),
                "last_error": message,
            }
        )

    def _exchange_clear_problem(self):
        mailboxes = self.sudo().filtered("access_problem")
        if mailboxes:
            mailboxes.write({"access_problem": False, "access_checked": False})

    def _exchange_set_resolved(self, typed, address):
        """Remember what Exchange answered; entries that came from the address as typed now
        come from the resolved one (the same mailbox)."""
        self.ensure_one()
        mailbox = self.sudo()
        old = mailbox.resolved_email or typed
        values = {"resolved_email": address, "resolved_from": typed}
        if mailbox.access_problem in ("unknown", "duplicate"):
            values.update(access_problem=False, access_checked=False)
        mailbox.write(values)
        if old and old != address:
            self._exchange_rename_sources(old, address)

    def _exchange_rename_sources(self, old, new):
        user = self.user_id
        for model in ("calendar.event", "calendar.recurrence"):
            records = (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                .search([("user_id", "=", user.id), ("exchange_source", "=", old)])
                if model == "calendar.event"
                else self.env[model]
                .sudo()
                .search([("base_event_id.user_id", "=", user.id), ("exchange_source", "=", old)])
            )
            if records:
                records.write({"exchange_source": new})

    def _exchange_owner_of(self, address):
        """Another active user who has ``address`` as mailbox (resolved or set), or an empty
        record. Archived users keep theirs (the unique index ignores them), and so does this."""
        self.ensure_one()
        Mailbox = self.sudo().with_context(active_test=True)
        other = Mailbox.search(
            [
                ("resolved_email", "=", address),
                ("id", "!=", self.id),
                ("user_id.active", "=", True),
            ],
            limit=1,
        )
        if other:
            return other.user_id
        Users = self.env["res.users"].sudo().with_context(active_test=True)
        return Users.search(
            [("exchange_mailbox", "=", address), ("id", "!=", self.user_id.id)], limit=1
        )
