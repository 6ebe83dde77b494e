"""One synchronised mailbox: a user's sync state (tokens, window, last success, last error).

It is the unit of work of the sync cron: each mailbox is locked, synchronised and committed on
its own, so one failing mailbox never holds the others back and several workers can share them.
"""

import logging
import time
from datetime import timedelta

from odoo import _, api, fields, models

from ..bridge.mailbox_state import CompanySettings, MailboxState
from ..bridge.runner import MailboxRun

_logger = logging.getLogger(__name__)

# A cron run stops taking new mailboxes after this many seconds and asks to be run again, so
# that one worker is not held for long and other crons get their turn.
TIME_BUDGET = 120


class CalendarExchangeMailbox(models.Model):
    _name = "calendar.exchange.mailbox"
    _description = "Exchange Mailbox Sync State"
    _order = "last_run asc nulls first, id"
    _rec_name = "email"

    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="user_id.company_id", store=True)
    email = fields.Char(required=True, help="The mailbox address used by the last run.")
    active = fields.Boolean(default=True)
    local_token = fields.Char(groups="base.group_system", copy=False)
    remote_token = fields.Char(groups="base.group_system", copy=False)
    last_run = fields.Datetime(readonly=True, copy=False)
    last_success = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)
    next_attempt = fields.Datetime(
        readonly=True, copy=False, help="A throttled mailbox waits until then."
    )
    needs_sync = fields.Boolean(
        readonly=True, copy=False, help="Something changed in Odoo since the last run."
    )
    notify_user = fields.Boolean(
        readonly=True, copy=False, help="The user pressed Sync now: tell them when it is done."
    )
    binding_ids = fields.One2many("calendar.exchange.binding", "mailbox_id")
    log_ids = fields.One2many("calendar.exchange.log", "mailbox_id")

    _user_uniq = models.Constraint("unique(user_id)", "A user has one mailbox.")

    @api.model
    def _for_user(self, user):
        """The mailbox of a sync-enabled user, created on first use (sudo: cron bookkeeping)."""
        mailbox = self.sudo().with_context(active_test=False).search([("user_id", "=", user.id)])
        email = user.exchange_mailbox
        if not mailbox:
            return self.sudo().create({"user_id": user.id, "email": email})
        if mailbox.email != email or not mailbox.active:
            # Another address is another mailbox: start over with a complete listing.
            mailbox._reset(email)
        return mailbox

    def _reset(self, email=None):
        self.binding_ids.unlink()
        self.write(
            {
                "email": email or self.email,
                "active": True,
                "local_token": False,
                "remote_token": False,
                "next_attempt": False,
            }
        )

    @api.model
    def _ensure_mailboxes(self):
        """A mailbox per sync-enabled user; users who switched off keep theirs, inactive."""
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [("exchange_sync_enabled", "=", True), ("company_id.exchange_enabled", "=", True)]
            )
        )
        existing = self.sudo().with_context(active_test=False).search([])
        by_user = {m.user_id.id: m for m in existing}
        for user in users:
            mailbox = by_user.get(user.id)
            if not mailbox or not mailbox.active or mailbox.email != user.exchange_mailbox:
                self._for_user(user)
        off = existing.filtered(lambda m: m.active and m.user_id not in users)
        off.write({"active": False})

    @api.model
    def _cron_sync(self, time_budget=TIME_BUDGET):
        """The sync cron: each due mailbox, locked, run and committed on its own."""
        Cron = self.env["ir.cron"]
        self._ensure_mailboxes()
        mailboxes = self.sudo()._due(fields.Datetime.now())
        # Mailboxes with changes waiting in Odoo first, then the longest unsynchronised.
        mailboxes = mailboxes.sorted(
            lambda m: (not m.needs_sync, m.last_run or fields.Datetime.to_datetime("1970-01-01"))
        )
        Cron._commit_progress(remaining=len(mailboxes))
        deadline = time.monotonic() + time_budget
        companies = {}  # settings read once per pass, not once per mailbox
        for index, mailbox in enumerate(mailboxes):
            if time.monotonic() > deadline:
                Cron._commit_progress(remaining=len(mailboxes) - index)
                return
            state = MailboxState.lock(self.env, mailbox.id)
            if state is None:
                continue  # another worker has it
            if state.company_id not in companies:
                company = self.env["res.company"].browse(state.company_id)
                companies[state.company_id] = CompanySettings.read(company)
            try:
                MailboxRun(mailbox, state=state, company=companies[state.company_id]).execute()
            except Exception as error:  # one mailbox's bug must not stop the others
                self.env.cr.rollback()
                _logger.exception("Exchange sync of mailbox %s crashed", mailbox.id)
                mailbox._record_crash(error)
            if Cron._commit_progress(1) <= 0:
                return

    def _record_crash(self, error):
        message = _("The synchronisation stopped on an unexpected error: %s", error)
        self.write({"last_run": fields.Datetime.now(), "last_error": message})
        self.env["calendar.exchange.log"].create(
            {
                "mailbox_id": self.id,
                "user_id": self.user_id.id,
                "company_id": self.company_id.id,
                "started": fields.Datetime.now(),
                "state": "failed",
                "message": message,
            }
        )

    def _due(self, now):
        """Mailboxes to run now, oldest first, of users who still have sync switched on."""
        return self.search(
            [
                ("active", "=", True),
                ("user_id.exchange_sync_enabled", "=", True),
                ("user_id.company_id.exchange_enabled", "=", True),
                "|",
                ("next_attempt", "=", False),
                ("next_attempt", "<=", now),
            ]
        )

    def _request_sync_for_events(self, events):
        """Events changed in Odoo: their synced users' mailboxes need a run, soon."""
        # sudo: the user who edits an event may not see its attendees' sync state.
        events = events.sudo()
        users = events.user_id | events.partner_ids.user_ids
        users = users.filtered(lambda u: u.exchange_sync_enabled and u.company_id.exchange_enabled)
        if not users:
            return
        mailboxes = self.sudo().search([("user_id", "in", users.ids)])
        mailboxes.filtered(lambda m: not m.needs_sync).write({"needs_sync": True})
        self._trigger_cron(delay_seconds=5)

    def _trigger_cron(self, delay_seconds=0):
        cron = self.env.ref(
            "calendar_exchange_sync.ir_cron_exchange_sync", raise_if_not_found=False
        )
        if cron:
            at = fields.Datetime.now() + timedelta(seconds=delay_seconds)
            cron.sudo()._trigger(at)

    def action_sync_now(self):
        """Run this mailbox's sync promptly in a cron worker (never in the user's request)."""
        self.sudo().write({"needs_sync": True, "next_attempt": False, "notify_user": True})
        self._trigger_cron()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _("Synchronisation started: your calendar updates in a moment."),
            },
        }
