"""One synchronised mailbox: a user's sync state (tokens, window, last success, last error).

It is the unit of work of the sync cron: each mailbox is locked, synchronised and committed on
its own, so one failing mailbox never holds the others back and several workers can share them.
"""

import logging
import time
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..bridge import written_floor
from ..bridge.mailbox_state import CompanySettings, MailboxState
from ..bridge.runner import MailboxRun

_logger = logging.getLogger(__name__)

# A cron run stops taking new mailboxes after this many seconds and asks to be run again, so
# that one worker is not held for long and other crons get their turn.
TIME_BUDGET = 120
# One mailbox's run stops writing after this many seconds (between two batches) and carries on
# at the next pass: a first sync of thousands of entries must not keep the other mailboxes of
# the pass waiting, nor one worker busy for minutes. Each batch is committed on its own.
MAILBOX_TIME_BUDGET = 60
# Sync now asks for a run of one mailbox at most this often (seconds). A run starts within
# seconds and a second press meanwhile would only queue the same work again; without a limit a
# button (or a script calling it) could make Exchange throttle the whole company's delegate.
MANUAL_RUN_INTERVAL = 60


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
    sync_requested = fields.Datetime(
        readonly=True, copy=False, help="When Sync now (or a login) last asked for a run."
    )
    binding_ids = fields.One2many(
        "calendar.exchange.binding", "mailbox_id", groups="base.group_system"
    )
    log_ids = fields.One2many("calendar.exchange.log", "mailbox_id")
    held_deletion_ids = fields.One2many(
        "calendar.exchange.held.deletion", "mailbox_id", string="Deletions Held Back"
    )
    held_count = fields.Integer(
        string="Number of Deletions Held Back", compute="_compute_held_count", compute_sudo=True
    )

    _user_uniq = models.Constraint("unique(user_id)", "A user has one mailbox.")

    @api.depends("held_deletion_ids")
    def _compute_held_count(self):
        for mailbox in self:
            mailbox.held_count = len(mailbox.held_deletion_ids)

    def action_confirm_held_deletions(self):
        """Delete what the sync held back, where it still is (the next run does it)."""
        return self._held_deletions().action_confirm()

    def action_restore_held_deletions(self):
        """Create what the sync held back again, where it was deleted (the next run)."""
        return self._held_deletions().action_restore()

    def _held_deletions(self):
        self._check_may_request_run()  # the owner and administrators only
        held = self.sudo().held_deletion_ids
        if not held:
            raise UserError(self.env._("Nothing is held back for this calendar (any more)."))
        return held.with_env(self.env)

    @api.model
    def _for_user(self, user):
        """The mailbox of a sync-enabled user, created on first use (sudo: cron bookkeeping)."""
        user = user.sudo()
        mailbox = self.sudo().with_context(active_test=False).search([("user_id", "=", user.id)])
        email = user.exchange_mailbox
        if not mailbox:
            return self.sudo().create({"user_id": user.id, "email": email})
        if mailbox.email != email or not mailbox.active:
            # Another address is another mailbox: start over with a complete listing.
            mailbox._reset(email)
        return mailbox

    def _reset(self, email=None, active=True):
        self.binding_ids.unlink()
        self.write(
            {
                "email": email or self.email,
                "active": active,
                "local_token": False,
                "remote_token": False,
                "next_attempt": False,
                "needs_sync": False,
                "notify_user": False,
                "sync_requested": False,
            }
        )

    @api.model
    def _forget_mailboxes_of(self, users):
        """An administrator gave these users another mailbox: the old one's state (bindings,
        tokens) must never be applied to the new address, so it is dropped now."""
        mailboxes = (
            self.sudo().with_context(active_test=False).search([("user_id", "in", users.ids)])
        )
        for mailbox in mailboxes:
            mailbox._reset(mailbox.user_id.exchange_mailbox or mailbox.email, active=False)

    @api.model
    def _ensure_mailboxes(self):
        """A mailbox per sync-enabled user; users who switched off keep theirs, inactive."""
        if not self._mailboxes_to_ensure():
            return
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("exchange_sync_enabled", "=", True),
                    ("exchange_mailbox", "!=", False),
                    ("share", "=", False),
                    ("company_id.exchange_enabled", "=", True),
                ]
            )
        )
        # One mailbox per user, and the users are read anyway.
        # pylint: disable-next=no-search-all
        existing = self.sudo().with_context(active_test=False).search([])
        by_user = {m.user_id.id: m for m in existing}
        for user in users:
            mailbox = by_user.get(user.id)
            if not mailbox or not mailbox.active or mailbox.email != user.exchange_mailbox:
                self._for_user(user)
        off = existing.filtered(lambda m: m.active and m.user_id not in users)
        off.write({"active": False})

    def _mailboxes_to_ensure(self):
        """Whether ``_ensure_mailboxes`` may have anything to do, in one query (the sync cron
        asks at every pass, and the answer is nearly always no): a user who may synchronise
        without an active mailbox of their address, or an active mailbox of anybody else. In
        doubt (an empty address), yes: the ORM then decides as always."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            WITH eligible AS (
                SELECT u.id, u.exchange_mailbox
                  FROM res_users u
                  JOIN res_company c ON c.id = u.company_id
                 WHERE u.active AND u.exchange_sync_enabled AND u.exchange_mailbox IS NOT NULL
                   AND u.share IS NOT TRUE AND c.exchange_enabled
            )
            SELECT EXISTS (
                SELECT 1 FROM eligible e
                 WHERE e.exchange_mailbox = ''
                    OR NOT EXISTS (SELECT 1 FROM calendar_exchange_mailbox m
                                    WHERE m.user_id = e.id AND m.active
                                      AND m.email = e.exchange_mailbox)
            ) OR EXISTS (
                SELECT 1 FROM calendar_exchange_mailbox m
                 WHERE m.active AND m.user_id NOT IN (SELECT id FROM eligible)
            )
            """
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _cron_sync(self, time_budget=TIME_BUDGET, mailbox_budget=MAILBOX_TIME_BUDGET):
        """The sync cron: each due mailbox, locked, run and committed on its own, in steps
        (a commit after each batch of writes), for at most ``mailbox_budget`` seconds of
        writing; a mailbox with work left is taken again at the next pass, which is asked
        for at once."""
        Cron = self.env["ir.cron"]
        self._ensure_mailboxes()
        mailboxes = self.sudo()._due(fields.Datetime.now())
        # Read before the commit below: every run of this pass then lists from it.
        floor = written_floor.read(self.env.cr)
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
            run = MailboxRun(
                mailbox,
                state=state,
                company=companies[state.company_id],
                time_budget=mailbox_budget,
                commit=self._cron_checkpoint(mailbox.id),
                written_floor=floor,
            )
            try:
                run.execute()
                if run.unfinished:
                    self._trigger_cron()  # the rest of its work, at the next pass
            except Exception as error:  # one mailbox's bug must not stop the others
                self.env.cr.rollback()
                _logger.exception("Exchange sync of mailbox %s crashed", mailbox.id)
                mailbox._record_crash(error)
            if Cron._commit_progress(1) <= 0:
                return

    def _cron_checkpoint(self, mailbox_id):
        """What a cron run calls between two batches: commit what was done (in the cron
        worker only, never in a user's request), then lock the mailbox again. False when
        another worker took it in between: the run stops and leaves it to that worker."""
        Cron = self.env["ir.cron"]

        def checkpoint():
            Cron._commit_progress()
            return MailboxState.lock(self.env, mailbox_id) is not None

        return checkpoint

    def _record_crash(self, error):
        message = self.env._("The synchronisation stopped on an unexpected error: %s", error)
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
        """Mailboxes to run now, of users who still have sync switched on: those with changes
        waiting in Odoo first, then the longest unsynchronised. One query, on every pass of
        the cron: a search and the sort's read of every mailbox cost more than the quiet run
        of one mailbox."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT m.id
                     FROM calendar_exchange_mailbox m
                     JOIN res_users u ON u.id = m.user_id
                     JOIN res_company c ON c.id = u.company_id
                    WHERE %s
                    ORDER BY m.needs_sync IS NOT TRUE, m.last_run NULLS FIRST, m.id""",
                SQL(" AND ").join(self._due_conditions(now)),
            )
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _due_conditions(self, now):
        """SQL conditions on a mailbox ``m``, its user ``u`` and the user's company ``c``."""
        return [
            SQL("m.active"),
            SQL("u.exchange_sync_enabled"),
            SQL("u.share IS NOT TRUE"),
            SQL("c.exchange_enabled"),
            SQL("(m.next_attempt IS NULL OR m.next_attempt <= %s)", now),
        ]

    def _request_sync_for_events(self, events, but=None):
        """Events changed in Odoo: their synced users' mailboxes (``but`` that user's) need a
        run, soon."""
        # sudo: the user who edits an event may not see its attendees' sync state.
        events = events.sudo()
        users = events.user_id | events.partner_ids.user_ids
        if but:
            users -= but
        users = users.filtered(lambda u: u.exchange_sync_enabled and u.company_id.exchange_enabled)
        if not users:
            return
        mailboxes = self.sudo().search([("user_id", "in", users.ids)])
        self._mark_needs_sync(mailboxes.filtered(lambda m: not m.needs_sync))
        self._trigger_cron(delay_seconds=5)

    def _mark_needs_sync(self, mailboxes):
        """Flag mailboxes for the next pass, skipping those a sync holds right now or has
        written since this transaction began: the user's write never waits for a running sync
        nor fails on it (the pass asked for lists the change anyway: the flag only puts the
        mailbox first)."""
        if not mailboxes:
            return
        mailboxes.flush_recordset(["needs_sync"])
        # A sync commits after each batch: a row it wrote after this transaction's snapshot
        # cannot be locked here ("could not serialize access due to concurrent update"), which
        # would undo the user's whole edit. All at once first; only when that fails, one
        # savepoint per mailbox, so that one mailbox being synchronised does not keep the
        # others from their flag.
        free = self._lock_unflagged(mailboxes.ids)
        if free is None:
            free = []
            for mailbox_id in mailboxes.ids:
                free += self._lock_unflagged([mailbox_id]) or []
        self.browse(free).sudo().write({"needs_sync": True})

    def _lock_unflagged(self, ids):
        """Ids of ``ids`` not flagged yet and free to lock now; None when a sync wrote one of
        them since this transaction's snapshot."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM calendar_exchange_mailbox WHERE id IN %s"
                        " AND needs_sync IS NOT TRUE FOR NO KEY UPDATE SKIP LOCKED",
                        tuple(ids),
                    ),
                    log_exceptions=False,
                )
                return [row[0] for row in self.env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            return None

    def _trigger_cron(self, delay_seconds=0):
        cron = self.env.ref(
            "calendar_exchange_sync.ir_cron_exchange_sync", raise_if_not_found=False
        )
        if cron:
            at = fields.Datetime.now() + timedelta(seconds=delay_seconds)
            cron.sudo()._trigger(at)

    def action_sync_now(self):
        """The Sync now button: a run of this mailbox soon, in a cron worker (never in the
        user's request). For the mailbox's owner and Settings administrators only."""
        self._check_may_request_run()
        return self._request_run(notify=True)

    def _check_may_request_run(self):
        # The model's access rights first (portal users have none), then existence, then the
        # record rules (own mailbox; administrators all), then the owner rule itself, so that
        # a changed record rule cannot open other people's mailboxes.
        self.browse().check_access("read")
        if not self or len(self.exists()) != len(self):
            raise UserError(self.env._("This mailbox does not exist (any more): reload the page."))
        self.check_access("read")
        if not self.env.user.has_group("base.group_system"):
            if self.sudo().user_id != self.env.user:
                raise AccessError(self.env._("You can only synchronise your own calendar."))

    def _request_run(self, notify):
        """Mark the mailbox for the next cron pass and wake the cron, at most once per
        ``MANUAL_RUN_INTERVAL``; a postponement Exchange asked for is kept."""
        self.ensure_one()
        mailbox = self.sudo()
        now = fields.Datetime.now()
        if mailbox.sync_requested and now - mailbox.sync_requested < timedelta(
            seconds=MANUAL_RUN_INTERVAL
        ):
            # A run is already on its way (asked for by a press or a login): nothing more is
            # asked of the cron, nor of Exchange; whoever pressed is told when it is done.
            if notify and not mailbox.notify_user:
                mailbox.notify_user = True
            return self._notification(
                self.env._("Synchronisation started a moment ago: your calendar updates shortly.")
            )
        values = {"needs_sync": True, "sync_requested": now}
        if notify:
            values["notify_user"] = True
        mailbox.write(values)
        if mailbox.next_attempt and mailbox.next_attempt > now:
            # Exchange asked us to slow down: asking again sooner would only prolong it.
            self._trigger_cron(delay_seconds=(mailbox.next_attempt - now).total_seconds())
            return self._notification(
                self.env._(
                    "Exchange asked Odoo to wait: your calendar synchronises at %s.",
                    fields.Datetime.context_timestamp(self, mailbox.next_attempt).strftime(
                        "%H:%M:%S"
                    ),
                )
            )
        self._trigger_cron()
        return self._notification(
            self.env._("Synchronisation started: your calendar updates in a moment.")
        )

    @staticmethod
    def _notification(message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "info", "message": message},
        }
