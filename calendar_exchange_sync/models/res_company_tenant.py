"""A company's tenant settings beyond one set of credentials.

* ``exchange_access_mode`` (Office 365): *application access* (the app reaches every mailbox
  the tenant's administrator lets it: consent, access policy or RBAC) or *each user signs in*
  (delegated: a user's own Microsoft sign-in reaches their own mailbox only).
* The hybrid migration: ``exchange_hybrid`` keeps the EWS settings for mailboxes Graph reports
  as still on premises, with the version of that server (``exchange_onprem_version``).
* A company whose calendars are synchronised through EWS switches to Office 365 only through
  the confirmation that says what will happen (``calendar.exchange.switch``): a plain save of
  the version is refused with a sentence that points to it.
* Test connection checks a given user's mailbox (the address Exchange resolved, their sign-in
  in "each user signs in"), and clears that mailbox's access problem when it now works.
"""

from odoo import fields, models
from odoo.exceptions import UserError

from ..bridge import signin
from ..bridge.backends import check_connection
from ..sync.errors import SyncError
from .res_company import ON_PREMISES_VERSIONS

# The checks that say whether the sync account reaches the tested mailbox.
MAILBOX_CHECKS = ("impersonation", "mailbox", "access policy", "sign-in")
ACCESS_MODES = [
    ("application", "Application access (the app reaches the mailboxes the tenant allows)"),
    ("signin", "Each user signs in with Microsoft (their own mailbox only)"),
]
ON_PREMISES_SELECTION = [
    ("exchange2007", "Exchange 2007"),
    ("exchange2010", "Exchange 2010"),
    ("exchange2013", "Exchange 2013"),
    ("exchange2016", "Exchange 2016 (2016, 2019 and Subscription Edition)"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    exchange_access_mode = fields.Selection(
        ACCESS_MODES,
        string="Office 365 Access",
        default="application",
        help="Application access: the app registration has the application permission "
        "Calendars.ReadWrite with admin consent, and reaches every mailbox the tenant's "
        "access policy allows. Each user signs in: every user signs in with Microsoft in "
        "their Preferences and the app reaches their own mailbox only (delegated "
        "Calendars.ReadWrite).",
    )
    exchange_hybrid = fields.Boolean(
        string="Mailboxes Still on Premises Use EWS",
        groups="base.group_system",
        help="During a hybrid migration: a mailbox Office 365 does not hold yet keeps "
        "synchronising with the on-premises Exchange (the EWS settings are kept for it) "
        "until it has moved.",
    )
    exchange_onprem_version = fields.Selection(
        ON_PREMISES_SELECTION,
        string="On-premises Exchange Version",
        groups="base.group_system",
        help="The Exchange Server version of the mailboxes still on premises.",
    )

    def write(self, vals):
        if vals.get("exchange_version") == "office365" and not self.env.context.get(
            "exchange_switch_confirmed"
        ):
            moving = self.filtered(
                lambda c: c.exchange_version in ON_PREMISES_VERSIONS and c._exchange_synced()
            )
            if moving:
                raise UserError(
                    self.env._(
                        "The calendars of %s are synchronised with Exchange Server: use "
                        "'Move to Office 365' in Settings, which says what will happen, to "
                        "switch.",
                        moving[0].name,
                    )
                )
        return super().write(vals)

    def _exchange_synced(self):
        """Whether any mailbox of the company holds sync state (pairs or tokens)."""
        self.ensure_one()
        Mailbox = self.env["calendar.exchange.mailbox"].sudo().with_context(active_test=False)
        return bool(
            Mailbox.search_count(
                [
                    ("company_id", "=", self.id),
                    "|",
                    ("remote_token", "!=", False),
                    ("binding_ids", "!=", False),
                ],
                limit=1,
            )
        )

    # -- Test connection for one user's mailbox --------------------------------------------

    def _exchange_test_connection(self):
        return self._exchange_test_connection_for(self.env.user)

    def _exchange_test_connection_for(self, user):
        self.ensure_one()
        company, user = self.sudo(), user.sudo()
        mailbox = self.env["calendar.exchange.mailbox"].sudo().search([("user_id", "=", user.id)])
        if company.exchange_version == "office365" and company.exchange_access_mode == "signin":
            grant = self.env["calendar.exchange.grant"].sudo().search([("user_id", "=", user.id)])
            checks = signin.check(grant, company)
        else:
            address = mailbox.resolved_email or user.exchange_mailbox
            if not address:
                raise UserError(
                    self.env._(
                        "%s has no Exchange mailbox yet: the test uses their mailbox.", user.name
                    )
                )
            try:
                checks = check_connection(company, address)
            except SyncError as error:
                checks = [("connection", False, str(error))]
        skew = next((c for c in checks if c[0] == "clock" and len(c) > 3), None)
        if skew is not None:
            company.write(
                {"exchange_clock_skew": skew[3], "exchange_clock_checked": fields.Datetime.now()}
            )
        failed = [message for _check, ok, message, *_rest in checks if not ok]
        reached = not [
            name for name, ok, *_rest in checks if not ok and name in MAILBOX_CHECKS
        ] and any(name in MAILBOX_CHECKS for name, *_rest in checks)
        if mailbox and reached and mailbox.access_problem in ("scope", "signin", "unknown"):
            mailbox._exchange_clear_problem()
        lines = failed or [message for _check, _ok, message, *_rest in checks]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "danger" if failed else "success",
                "title": (
                    self.env._("Connection failed for %s")
                    if failed
                    else self.env._("Connection works for %s")
                )
                % user.name,
                "message": "\n".join(lines),
                "sticky": bool(failed),
            },
        }
