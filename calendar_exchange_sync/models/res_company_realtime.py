"""The *Real-time updates* setting: Exchange calls Odoo when a mailbox changes.

On by default where Odoo's web address (``web.base.url``) is https and not this machine's own
name, since Exchange Online calls https addresses only and no Exchange reaches "localhost".
When it cannot work, Settings says why in plain words and the sync cron alone carries on,
every 5 minutes. The Test button makes Exchange call the URL now: on Office 365 a
subscription is made (Graph validates the URL by calling it) and deleted; on an on-premises
server a push subscription is made and its first status ping awaited (at most
``TEST_WAIT`` seconds). The button runs in the administrator's request, who waits for the
answer; its bookkeeping is committed in cursors of its own, because Exchange's call comes in
through another request that must see it.
"""

import contextlib
import secrets
import time
from urllib.parse import urlsplit

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError

from ..bridge import realtime
from ..sync.errors import SyncError
from ..sync.graph import subscriptions as graph
from .calendar_exchange_subscription import ROUTE

TEST_WAIT = 20  # seconds the Test button waits for an on-premises server's first ping
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


def _base_url(env):
    return (env["ir.config_parameter"].sudo().get_param("web.base.url") or "").rstrip("/")


def _is_local(host):
    host = (host or "").lower()
    return host in LOCAL_HOSTS or host.endswith((".localhost", ".local")) or host.startswith("127.")


class ResCompany(models.Model):
    _inherit = "res.company"

    exchange_realtime = fields.Boolean(
        string="Real-time Updates",
        default=lambda self: self._exchange_realtime_default(),
        help="Exchange tells Odoo at once when a synchronised calendar changes, instead of "
        "waiting for the next synchronisation (every 5 minutes).",
    )
    exchange_realtime_problem = fields.Text(
        string="Real-time Problem",
        readonly=True,
        copy=False,
        groups="base.group_system",  # it names the URL Exchange calls, secret path included
        help="Why the last attempt to make Exchange call Odoo failed.",
    )

    @api.model
    def _exchange_realtime_default(self):
        parts = urlsplit(_base_url(self.env))
        return parts.scheme == "https" and not _is_local(parts.hostname)

    def write(self, vals):
        result = super().write(vals)
        if {"exchange_realtime", "exchange_enabled", "exchange_version"} & set(vals):
            self.env["calendar.exchange.subscription"]._trigger_realtime()
        return result

    def _exchange_realtime_warning(self):
        """Why real-time updates cannot work with Odoo's address, in plain words ('' if none)."""
        self.ensure_one()
        base = _base_url(self.env)
        parts = urlsplit(base)
        if not parts.hostname:
            return self.env._(
                "Odoo has no web address (the system parameter web.base.url): Exchange does not "
                "know where to call."
            )
        if self.exchange_version == "office365" and parts.scheme != "https":
            return self.env._(
                "Microsoft Graph only calls https addresses, and Odoo's address is %s.", base
            )
        if _is_local(parts.hostname):
            return self.env._(
                "Odoo's address %s names this machine itself: Exchange cannot reach it. Set "
                "web.base.url to the address Exchange can call.",
                base,
            )
        return ""

    def _exchange_realtime_worked(self):
        if self.sudo().exchange_realtime_problem:
            self.sudo().exchange_realtime_problem = False

    def _exchange_realtime_failed(self, message):
        if self.sudo().exchange_realtime_problem != message:
            self.sudo().exchange_realtime_problem = message

    # -- the Test button -----------------------------------------------------------------------

    def _exchange_realtime_test(self):
        self.ensure_one()
        mailbox = self.env.user.exchange_mailbox
        if not mailbox:
            raise UserError(
                self.env._("Set your own email address first: the test uses your mailbox.")
            )
        if not self.exchange_enabled:
            raise UserError(self.env._("Enable Microsoft Exchange first."))
        protocol = realtime.protocol(self)
        test_id = self._exchange_realtime_test_record(mailbox, protocol)
        try:
            ok, message = self._exchange_realtime_try(test_id, mailbox, protocol)
        finally:
            with self.env.registry.cursor() as cr:
                api.Environment(cr, SUPERUSER_ID, {})["calendar.exchange.subscription"].browse(
                    test_id
                ).exists().unlink()
        if ok:
            self._exchange_realtime_worked()
        else:
            self._exchange_realtime_failed(message)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if ok else "danger",
                "title": self.env._("Exchange can call Odoo")
                if ok
                else self.env._("Exchange cannot call Odoo"),
                "message": message,
                "sticky": not ok,
            },
        }

    def _exchange_realtime_test_record(self, mailbox, protocol):
        """A test subscription, committed: Exchange's call must find its URL's secret."""
        with self.env.registry.cursor() as cr:
            record = api.Environment(cr, SUPERUSER_ID, {})["calendar.exchange.subscription"].create(
                {
                    "company_id": self.id,
                    "email": mailbox,
                    "protocol": protocol,
                    "is_test": True,
                    "token": secrets.token_urlsafe(32),
                    "client_state": graph.new_secret() if protocol == "graph" else False,
                }
            )
            return record.id

    def _exchange_realtime_try(self, test_id, mailbox, protocol):
        """(worked, plain sentence)."""
        with self.env.registry.cursor() as cr:
            record = api.Environment(cr, SUPERUSER_ID, {})["calendar.exchange.subscription"].browse(
                test_id
            )
            url, client_state = record._url(), record.client_state
        try:
            made = realtime.subscribe(self, mailbox, url, client_state)
        except SyncError as error:
            return False, str(error)
        if protocol == "graph":
            with contextlib.suppress(SyncError):  # it expires on its own; the test worked
                realtime.delete(self, made.id, mailbox)
            return True, self.env._("Microsoft Graph called %s and got the right answer.", url)
        deadline = time.monotonic() + TEST_WAIT
        while time.monotonic() < deadline:
            with self.env.registry.cursor() as cr:
                called = (
                    api.Environment(cr, SUPERUSER_ID, {})["calendar.exchange.subscription"]
                    .browse(test_id)
                    .last_call
                )
            if called:
                return True, self.env._("Exchange called %s and got the right answer.", url)
            time.sleep(0.25)
        return False, self.env._(
            "Exchange accepted the subscription but did not call %(url)s within %(seconds)s "
            "seconds: check that the Exchange server can reach this address (firewall, proxy, "
            "name resolution).",
            url=url,
            seconds=TEST_WAIT,
        )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    exchange_realtime = fields.Boolean(related="company_id.exchange_realtime", readonly=False)
    exchange_realtime_problem = fields.Text(related="company_id.exchange_realtime_problem")
    exchange_realtime_url = fields.Char(
        string="URL Exchange Calls", compute="_compute_exchange_realtime"
    )
    exchange_realtime_warning = fields.Char(compute="_compute_exchange_realtime")
    exchange_realtime_status = fields.Char(compute="_compute_exchange_realtime")

    @api.depends("company_id", "exchange_version", "exchange_realtime")
    def _compute_exchange_realtime(self):
        base = _base_url(self.env)
        Subscription = self.env["calendar.exchange.subscription"].sudo()
        for settings in self:
            company = settings.company_id
            protocol = "graph" if settings.exchange_version == "office365" else "ews"
            settings.exchange_realtime_url = "%s%s/%s/…" % (base, ROUTE, protocol)
            settings.exchange_realtime_warning = company._exchange_realtime_warning()
            counts = dict.fromkeys(("active", "pending", "failed"), 0)
            for state, count in Subscription._read_group(
                [("company_id", "=", company.id), ("is_test", "=", False)], ["state"], ["__count"]
            ):
                counts[state] = count
            settings.exchange_realtime_status = self.env._(
                "%(active)s mailboxes get real-time updates, %(failed)s failed, %(pending)s "
                "being set up.",
                **counts,
            )

    def action_exchange_realtime_test(self):
        """Save, then make Exchange call Odoo's notification URL: see res.company."""
        self.execute()
        return self.company_id._exchange_realtime_test()
