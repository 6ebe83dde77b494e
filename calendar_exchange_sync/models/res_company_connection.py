"""The administrator's buttons in Settings: Test connection and Grant permissions.

Both run in the administrator's request because the administrator asked for them and waits
for the answer; no user's data is written around them. The consent round trip carries a
signed, single-use ``state`` so that a forged or replayed callback is refused.
"""

import secrets

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import consteq, hmac

from ..bridge.backends import admin_consent_url, check_connection
from ..sync.errors import SyncError

CONSENT_SCOPE = "calendar_exchange_sync.consent"
CONSENT_ROUTE = "/calendar_exchange_sync/consent"


class ResCompany(models.Model):
    _inherit = "res.company"

    exchange_consent_nonce = fields.Char(copy=False, groups="base.group_system")

    def write(self, vals):
        newly_enabled = (
            self.filtered(lambda c: not c.exchange_enabled) if vals.get("exchange_enabled") else []
        )
        result = super().write(vals)
        for company in newly_enabled:
            company._exchange_tell_users()
        return result

    def _exchange_tell_users(self):
        """Tell the company's users, in their Odoo inbox, that they can switch sync on."""
        users = self.env["res.users"].search(
            [
                ("company_id", "=", self.id),
                ("share", "=", False),
                ("exchange_sync_enabled", "=", False),
            ]
        )
        partners = users.partner_id
        if not partners:
            return
        body = self.env._(
            "Your calendar can now be synchronised with Microsoft Exchange. Switch it on for "
            "yourself in your Preferences, on the Calendar tab: check that the mailbox shown is "
            "yours (your administrator sets it)."
        )
        self.env["mail.thread"].sudo().message_notify(
            partner_ids=partners.ids,
            subject=self.env._("Calendar synchronisation with Exchange"),
            body=body,
        )

    # -- Test connection ----------------------------------------------------------------

    def _exchange_test_connection(self):
        self.ensure_one()
        mailbox = self.env.user.exchange_mailbox
        if not mailbox:
            raise UserError(
                self.env._("Set your own email address first: the test uses your mailbox.")
            )
        try:
            checks = check_connection(self, mailbox)
        except SyncError as error:
            checks = [("connection", False, str(error))]
        skew = next((c for c in checks if c[0] == "clock" and len(c) > 3), None)
        if skew is not None:
            self.sudo().write(
                {"exchange_clock_skew": skew[3], "exchange_clock_checked": fields.Datetime.now()}
            )
        failed = [message for _check, ok, message, *_rest in checks if not ok]
        lines = failed or [message for _check, _ok, message, *_rest in checks]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "danger" if failed else "success",
                "title": self.env._("Connection failed")
                if failed
                else self.env._("Connection works"),
                "message": "\n".join(lines),
                "sticky": bool(failed),
            },
        }

    # -- Grant permissions (Office 365 admin consent) ------------------------------------

    def _exchange_consent_state(self, nonce):
        payload = "%d.%s" % (self.id, nonce)
        return "%s.%s" % (payload, hmac(self.env(su=True), CONSENT_SCOPE, payload))

    def _exchange_grant_permissions_action(self):
        self.ensure_one()
        company = self.sudo()
        if company.exchange_version != "office365":
            raise UserError(self.env._("Permissions are granted for Office 365 only."))
        if not (company.exchange_tenant and company.exchange_client_id):
            raise UserError(self.env._("Fill in the tenant and the client ID first."))
        nonce = secrets.token_urlsafe(24)
        company.exchange_consent_nonce = nonce
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        redirect = base.rstrip("/") + CONSENT_ROUTE
        url = admin_consent_url(company, redirect, self._exchange_consent_state(nonce))
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def _exchange_check_consent_state(self, state):
        """The company a consent callback's ``state`` belongs to; the state is used up."""
        try:
            company_id, nonce, signature = state.split(".", 2)
            company = self.sudo().browse(int(company_id)).exists()
        except (AttributeError, ValueError):
            company = None
        if not company or not company.exchange_consent_nonce:
            return None
        expected = company._exchange_consent_state(company.exchange_consent_nonce)
        if not consteq(expected, "%s.%s.%s" % (company_id, nonce, signature)):
            return None
        company.exchange_consent_nonce = False  # single use
        return company
