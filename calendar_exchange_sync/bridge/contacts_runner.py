"""The contacts part of one mailbox run: after the calendar, in the same cron pass, under the
same lock and in the same transaction, with the mailbox's contacts tokens and pairings.

It runs when the company synchronises contacts and the mailbox's owner switched *Sync contacts*
on; not after a calendar run that Exchange throttled or that could not connect at all (the
calendar's log already says why, and the mailbox is postponed for both). A run that did
something leaves its own log entry (kind "Contacts"), with its counts, its errors and the
contacts whose Outlook edits Odoo overruled ("Odoo is the master for contacts", or contacts
the user may not edit in Odoo).
"""

import logging
from datetime import timedelta

from odoo import fields

from ..sync.contacts import contact_options
from ..sync.engine import Engine
from ..sync.errors import ConfigurationError, ConnectionFailed, SyncError, ThrottledError
from .backends import ews_settings, graph_settings
from .contacts_side import OdooContactsSide, parse_id
from .contacts_store import ContactBindingStore

_logger = logging.getLogger(__name__)
SKIP_AFTER = (ThrottledError, ConfigurationError, ConnectionFailed)
SIDE_NAMES = {"local": "odoo", "remote": "exchange"}


def contacts_backend(connection, mailbox, folder_name):
    """The contacts ``Side`` of ``mailbox`` (EWS or Graph, as the company connects)."""
    from ..sync.versions import ON_PREMISES_VERSIONS

    if connection["version"] in ON_PREMISES_VERSIONS:
        from ..sync.ews.contacts import EwsContactsSide

        return EwsContactsSide(ews_settings(connection), mailbox, folder_name=folder_name)
    if connection["version"] == "office365":
        from ..sync.graph.contacts import GraphContactsSide

        return GraphContactsSide(graph_settings(connection), mailbox, folder_name=folder_name)
    raise ConfigurationError("Choose the Exchange version in Settings first.")


class ContactsRun:
    """The contacts of one ``MailboxRun`` (``run``); ``calendar_error``: how its calendar
    part ended (None when it went well)."""

    def __init__(self, run, calendar_error=None, backend=None):
        self.run = run
        self.env = run.env
        self.mailbox = run.mailbox  # sudo
        self.calendar_error = calendar_error
        self.backend = backend

    def wanted(self):
        if isinstance(self.calendar_error, SKIP_AFTER):
            return False
        state = self.run.state  # the user as the lock query read them: no query when off
        if not (state.user_contacts and state.user_sync):
            return False
        company = self.env["res.company"].sudo().browse(self.run.company_id)
        return bool(company.exchange_contacts_enabled)

    def execute(self):
        """Run the engine for the mailbox's contacts; returns the log record (or an empty one)."""
        if not self.wanted():
            return self.env["calendar.exchange.log"]
        started = fields.Datetime.now()
        company = self.env["res.company"].sudo().browse(self.run.company_id)
        settings = company._exchange_contacts_settings()
        tokens = {
            "local": self.mailbox.contacts_local_token,
            "remote": self.mailbox.contacts_remote_token,
        }
        store = ContactBindingStore(self.mailbox, tokens)
        user = self.env["res.users"].browse(self.run.state.user_id)
        report, error = None, None
        try:
            if self.backend is None and company.exchange_access_mode == "signin":
                # A user's own sign-in grants Calendars.ReadWrite only; the app's secret must
                # not reach a mailbox its owner did not sign in for.
                raise ConfigurationError(
                    self.env._(
                        "Contacts are not synchronised when each user signs in with Microsoft."
                    )
                )
            remote = self.backend or contacts_backend(
                self.run.company.connection,
                self.run.address or self.run.state.email,
                settings["folder"],
            )
            local = OdooContactsSide(self.env, user, mailbox_id=self.mailbox.id, settings=settings)
            options = contact_options(
                policy={"odoo": "local", "exchange": "remote"}.get(
                    self.run.company.policy, self.run.company.policy
                ),
                clock_skew=timedelta(seconds=self.run.company.clock_skew),
                masters=local.masters,
            )
            report = Engine(local, remote, store, options).run(
                force_deletions=self.run.force_deletions
            )
            error = report.aborted
        except SyncError as failure:
            error = failure
        self._tell_others(report, user)
        return self._record(started, report, error, store)

    def _tell_others(self, report, user):
        """Contacts changed from this Outlook go to the other users who sync them, soon."""
        if report is None:
            return
        ids = [
            parse_id(d["item_id"])
            for d in report.details
            if d["side"] == "local" and d["action"] in ("update", "create")
        ]
        partners = self.env["res.partner"].sudo().browse([i for i in ids if i]).exists()
        if partners:
            bound = (
                self.env["calendar.exchange.contact.binding"]
                .sudo()
                .search([("partner_id", "in", partners.ids), ("mailbox_id", "!=", self.mailbox.id)])
            )
            others = bound.mailbox_id.user_id - user
            self.env["calendar.exchange.mailbox"]._request_sync_for_users(others)

    def _record(self, started, report, error, store):
        now = fields.Datetime.now()
        values = dict(store.token_changes)
        quiet = report is not None and report.ok and not report.writes and not report.matched
        if isinstance(error, ThrottledError):
            values["next_attempt"] = now + timedelta(seconds=max(error.retry_after or 0, 1))
        if error:
            values["contacts_last_error"] = str(error)
            _logger.info("Exchange contacts of mailbox %s: %s", self.mailbox.id, error)
        else:
            values["contacts_last_success"] = now
            failed = report.errors if report else []
            values["contacts_last_error"] = (
                "\n".join("%s: %s" % (e.subject, e.error) for e in failed) or False
            )
        self.mailbox.write(values)
        if quiet and not error:
            return self.env["calendar.exchange.log"]
        return self.env["calendar.exchange.log"].create(self._log_values(started, report, error))

    def _log_values(self, started, report, error):
        counts = report.to_dict()["counts"] if report else {}
        values = {
            "kind": "contacts",
            "mailbox_id": self.mailbox.id,
            "user_id": self.run.state.user_id,
            "company_id": self.run.company_id,
            "started": started,
            "duration": (fields.Datetime.now() - started).total_seconds(),
            "state": self.run._state(report, error),
            "message": str(error) if error else False,
        }
        for side, prefix in SIDE_NAMES.items():
            for action, verb in (
                ("create", "created"),
                ("update", "updated"),
                ("delete", "deleted"),
            ):
                values["%s_%s" % (prefix, verb)] = counts.get(side, {}).get(action, 0)
        if report is None:
            return values
        values["matched"], values["conflicts"] = report.matched, report.conflicts
        _ = self.env._
        lines = [
            {
                "side": SIDE_NAMES.get(e.side, "exchange"),
                "action": e.action,
                "subject": e.subject,
                "message": str(e.error),
                "partner_id": parse_id(e.item_id if e.side == "local" else e.identity) or False,
            }
            for e in report.errors
        ]
        lines += [
            {
                "side": "exchange",
                "action": "update",
                "subject": subject,
                "message": self.env._(
                    "Changed or deleted in Outlook: Odoo keeps this contact as it is (Odoo is "
                    "the master for contacts, or you may not edit it in Odoo), so Outlook "
                    "got Odoo's version back."
                ),
            }
            for subject in report.overruled
        ]
        values["line_ids"] = [(0, 0, line) for line in lines]
        return values
