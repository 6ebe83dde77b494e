"""Real-time updates: one Exchange change subscription per synchronised mailbox.

Office 365 mailboxes get a Microsoft Graph subscription on their events, on-premises ones an
EWS push subscription on their calendar. Exchange then calls a public Odoo URL (see
controllers/notifications.py) when the mailbox changes, and that call only marks the mailbox
and triggers the sync cron: the cron stays the safety net and does all the work.

The subscriptions are kept by a cron of their own (``_cron_realtime``, every 5 minutes and
whenever a user's sync starts or stops or Exchange reports a subscription lost), not by the
sync cron: making a Graph subscription waits for Graph to call Odoo back (up to 10 s per
mailbox), and the sync cron, which every notification triggers, must stay quick; the two
also fail, and are retried, separately. The pass creates what is missing, renews Graph
subscriptions a day before they expire (a renewal that fails makes a new one), makes again
an EWS subscription whose status pings stopped, and removes those of mailboxes that stopped
syncing. Subscription work never happens in a user's request.

Each subscription gets a new URL secret (``token``) and, on Graph, a new ``clientState``; both
are committed before Exchange is asked, because Exchange calls the URL before it answers.
The secrets are readable by Settings administrators only, never copied, and wiped when the
database is neutralised.
"""

import logging
import secrets
import time
from datetime import timedelta
from urllib.parse import quote

from odoo import api, fields, models

from ..bridge import realtime
from ..sync.errors import SyncError, ThrottledError
from ..sync.ews import push
from ..sync.graph import subscriptions as graph

_logger = logging.getLogger(__name__)

ROUTE = "/calendar_exchange_sync/notify"
TIME_BUDGET = 60  # seconds of one cron pass; the rest waits for the next one
RETRY_AFTER = timedelta(minutes=15)  # after a failed attempt to subscribe
TEST_LEFTOVER = timedelta(hours=1)  # a Settings test record older than this is removed


class CalendarExchangeSubscription(models.Model):
    _name = "calendar.exchange.subscription"
    _description = "Exchange Real-time Subscription"
    _order = "id"
    _rec_name = "email"

    mailbox_id = fields.Many2one(
        "calendar.exchange.mailbox", ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", readonly=True)
    email = fields.Char(string="Mailbox Address", readonly=True)
    protocol = fields.Selection(
        [("graph", "Microsoft Graph"), ("ews", "EWS push")], required=True, readonly=True
    )
    state = fields.Selection(
        [("pending", "Being made"), ("active", "Active"), ("failed", "Failed")],
        default="pending",
        required=True,
        readonly=True,
    )
    is_test = fields.Boolean(
        default=False, readonly=True, help="Made by the Test button of Settings."
    )
    token = fields.Char(groups="base.group_system", copy=False, readonly=True)
    client_state = fields.Char(groups="base.group_system", copy=False, readonly=True)
    remote_id = fields.Char(string="Subscription ID", readonly=True, copy=False)
    expires = fields.Datetime(readonly=True, copy=False)
    status_frequency = fields.Integer(string="Status Pings (min)", readonly=True)
    last_call = fields.Datetime(
        string="Last Call from Exchange",
        readonly=True,
        copy=False,
        help="The last genuine notification or status ping (or when it was made).",
    )
    last_change = fields.Datetime(string="Last Change Notified", readonly=True, copy=False)
    watermark = fields.Char(readonly=True, copy=False)
    action = fields.Selection(
        [("renew", "Renew"), ("recreate", "Subscribe again")],
        readonly=True,
        copy=False,
        help="Asked for by a lifecycle notification of Microsoft Graph.",
    )
    next_attempt = fields.Datetime(readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)

    _mailbox_uniq = models.Constraint("unique(mailbox_id)", "A mailbox has one subscription.")

    # -- the URL Exchange calls ---------------------------------------------------------------

    def _url(self):
        self.ensure_one()
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        return "%s%s/%s/%d/%s?db=%s" % (
            base.rstrip("/"),
            ROUTE,
            self.protocol,
            self.id,
            self.sudo().token,
            quote(self.env.cr.dbname),
        )

    @api.model
    def _from_url(self, protocol, subscription_id, token):
        """The subscription a notification URL names, or an empty recordset."""
        record = self.sudo().browse(subscription_id).exists()
        if not record or record.protocol != protocol or not graph.same_secret(record.token, token):
            return self.browse()
        return record

    # -- the cron --------------------------------------------------------------------------

    @api.model
    def _cron_realtime(self, time_budget=TIME_BUDGET):
        Cron = self.env["ir.cron"]
        work = self.sudo()._plan(fields.Datetime.now())
        Cron._commit_progress(remaining=len(work))
        deadline = time.monotonic() + time_budget
        for index, (job, record) in enumerate(work):
            if time.monotonic() > deadline:
                Cron._commit_progress(remaining=len(work) - index)
                return
            job(record, Cron._commit_progress)
            if Cron._commit_progress(1) <= 0:
                return

    @api.model
    def _realtime_pass(self):
        """The cron's work in the current transaction, flushed where the cron commits (tests:
        Exchange's calls then come in through requests that share this transaction)."""
        for job, record in self.sudo()._plan(fields.Datetime.now()):
            job(record, lambda *args, **kwargs: self.env.flush_all())

    @api.model
    def _trigger_realtime(self):
        cron = self.env.ref(
            "calendar_exchange_sync.ir_cron_exchange_realtime", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()

    def _wanted_mailboxes(self):
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("exchange_enabled", "=", True), ("exchange_realtime", "=", True)])
        )
        if not companies:
            return self.env["calendar.exchange.mailbox"]
        return (
            self.env["calendar.exchange.mailbox"]
            .sudo()
            .search(
                [
                    ("active", "=", True),
                    ("user_id.exchange_sync_enabled", "=", True),
                    ("company_id", "in", companies.ids),
                ]
            )
        )

    def _plan(self, now):
        """[(job, subscription)] for this pass: make, renew or drop."""
        Subscription = type(self)
        wanted = self._wanted_mailboxes()
        plan, by_mailbox = [], {}
        # every subscription is planned, the company's and the leftovers of tests
        for record in self.search([]):  # pylint: disable=no-search-all
            if record.is_test:
                if record.create_date < now - TEST_LEFTOVER:
                    plan.append((Subscription._drop, record))
                continue
            mailbox = record.mailbox_id
            if mailbox not in wanted or record.company_id != mailbox.company_id:
                plan.append((Subscription._drop, record))
            else:
                by_mailbox[mailbox.id] = record
        for mailbox in wanted:
            record = by_mailbox.get(mailbox.id)
            if record is None:
                record = self.create(
                    {
                        "mailbox_id": mailbox.id,
                        "company_id": mailbox.company_id.id,
                        "email": mailbox.email,
                        "protocol": realtime.protocol(mailbox.company_id),
                    }
                )
            job = record._due(now)
            if job is not None:
                plan.append((job, record))
        return plan

    def _due(self, now):
        """What this subscription needs now (a method of the class), or None."""
        self.ensure_one()
        Subscription = type(self)
        mailbox = self.mailbox_id
        if (
            self.state == "pending"
            or self.action == "recreate"
            or self.email != mailbox.email
            or self.protocol != realtime.protocol(self.company_id)
        ):
            return Subscription._make
        if self.state == "failed":
            waited = not self.next_attempt or self.next_attempt <= now
            return Subscription._make if waited else None
        if self.protocol == "graph":
            if not self.expires or self.expires <= now:
                return Subscription._make
            if self.action == "renew" or self.expires - now < graph.RENEW_WHEN_LEFT:
                return Subscription._renew
            return None
        if push.pings_stopped(self.last_call, self.status_frequency, now):
            return Subscription._make
        return None

    # -- the jobs (each commits before Exchange calls back) -------------------------------------

    def _make(self, commit):
        """A new subscription (the old Graph one, if any, deleted first)."""
        self.ensure_one()
        record = self.sudo()
        company = record.company_id
        if record.remote_id and record.protocol == "graph":
            record._delete_remote()
        protocol = realtime.protocol(company)
        record.write(
            {
                "protocol": protocol,
                "email": record.mailbox_id.email or record.email,
                "token": secrets.token_urlsafe(32),
                "client_state": graph.new_secret() if protocol == "graph" else False,
                "state": "pending",
                "remote_id": False,
                "expires": False,
                "action": False,
            }
        )
        commit()  # Graph validates the URL, EWS pings it, before answering: it must be known
        try:
            made = realtime.subscribe(company, record.email, record._url(), record.client_state)
        except SyncError as error:
            record._failed(error)
            return False
        record.write(
            {
                "state": "active",
                "remote_id": made.id,
                "expires": made.expires,
                "status_frequency": made.status_frequency,
                # Counting from now: a push subscription that never pings is lost too.
                "last_call": fields.Datetime.now(),
                "next_attempt": False,
                "last_error": False,
            }
        )
        company._exchange_realtime_worked()
        if record.mailbox_id:
            # Changes made while nothing listened are caught by one run now.
            record._request_run()
        return True

    def _renew(self, commit):
        """Renew a Graph subscription (which also reauthorizes it); a failure makes a new one."""
        self.ensure_one()
        record = self.sudo()
        record.write({"action": False})
        commit()
        try:
            renewed = realtime.renew(record.company_id, record.remote_id, record.email)
        except SyncError as error:
            _logger.info(
                "Renewing the subscription of %s failed (%s): made again", record.email, error
            )
            return record._make(commit)
        record.write({"expires": renewed.expires, "last_error": False})
        return True

    def _drop(self, commit):
        self.ensure_one()
        record = self.sudo()
        if record.remote_id and record.protocol == "graph":
            record._delete_remote()
        # A push subscription ends at its next call: its URL is unknown now, so it is answered
        # Unsubscribe.
        record.unlink()
        return True

    def _delete_remote(self):
        company = self.company_id
        if not company.exchange_enabled or company.exchange_version != "office365":
            return  # no credentials to do it with any more: Graph lets it expire
        try:
            realtime.delete(company, self.remote_id, self.email)
        except SyncError as error:
            _logger.info("Deleting the Graph subscription of %s failed: %s", self.email, error)

    def _failed(self, error):
        wait = RETRY_AFTER
        if isinstance(error, ThrottledError) and error.retry_after:
            wait = timedelta(seconds=error.retry_after)
        self.write(
            {
                "state": "failed",
                "last_error": str(error),
                "next_attempt": fields.Datetime.now() + wait,
            }
        )
        _logger.info("Real-time subscription of %s failed: %s", self.email, error)
        self.company_id._exchange_realtime_failed(str(error))
