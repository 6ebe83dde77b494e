"""A user's own calendar synchronisation switch, shown in Preferences.

The switch is personal: only the user can turn it on, in the model and not just in the view,
because turning it on copies their calendar to the mailbox named by their email address.
"""

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError

SELF_FIELDS = ["exchange_sync_enabled", "exchange_mailbox"]
STATUS_FIELDS = ["exchange_last_sync", "exchange_last_error"]


class ResUsers(models.Model):
    _inherit = "res.users"

    exchange_sync_enabled = fields.Boolean(string="Sync with Exchange", copy=False)
    exchange_mailbox = fields.Char(
        string="Exchange Mailbox",
        compute="_compute_exchange_mailbox",
        help="The mailbox that is synchronised: your email address, which must be your "
        "Exchange address.",
    )
    exchange_last_sync = fields.Datetime(
        string="Last Synchronisation", compute="_compute_exchange_status"
    )
    exchange_last_error = fields.Text(
        string="Last Synchronisation Error", compute="_compute_exchange_status"
    )
    exchange_company_enabled = fields.Boolean(related="company_id.exchange_enabled")

    @property
    def SELF_READABLE_FIELDS(self):
        return (
            super().SELF_READABLE_FIELDS
            + SELF_FIELDS
            + STATUS_FIELDS
            + ["exchange_company_enabled"]
        )

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + ["exchange_sync_enabled"]

    @api.depends("email")
    def _compute_exchange_mailbox(self):
        for user in self:
            user.exchange_mailbox = (user.email or "").strip().lower()

    def _compute_exchange_status(self):
        # sudo: the state lives on the mailbox record, shown here to its own user.
        mailboxes = (
            self.env["calendar.exchange.mailbox"].sudo().search([("user_id", "in", self.ids)])
        )
        by_user = {m.user_id.id: m for m in mailboxes}
        for user in self:
            mailbox = by_user.get(user.id)
            user.exchange_last_sync = mailbox.last_success if mailbox else False
            user.exchange_last_error = mailbox.last_error if mailbox else False

    def write(self, vals):
        if "exchange_sync_enabled" in vals:
            self._check_exchange_switch(bool(vals["exchange_sync_enabled"]))
        result = super().write(vals)
        if vals.get("exchange_sync_enabled"):
            for user in self:
                self.env["calendar.exchange.mailbox"]._for_user(user)
            self.env["calendar.exchange.mailbox"]._trigger_cron()
        return result

    def _update_last_login(self):
        # Logging in starts the user's sync, in a cron worker shortly after.
        result = super()._update_last_login()
        for user in self.filtered("exchange_sync_enabled"):
            if user.company_id.exchange_enabled:
                self.env["calendar.exchange.mailbox"]._for_user(user).action_sync_now()
        return result

    def exchange_sync_state(self):
        """What the calendar view needs to show its Sync now button."""
        self.ensure_one()
        if self.id != self.env.uid:
            raise AccessError(_("You can only see your own synchronisation."))
        return {"enabled": bool(self.exchange_sync_enabled and self.company_id.exchange_enabled)}

    def action_exchange_sync_now(self):
        """The Sync now button of Preferences."""
        self.ensure_one()
        if self.id != self.env.uid:
            raise AccessError(_("You can only synchronise your own calendar."))
        if not (self.exchange_sync_enabled and self.company_id.exchange_enabled):
            raise UserError(_("Switch calendar synchronisation on first."))
        return self.env["calendar.exchange.mailbox"]._for_user(self).action_sync_now()

    def _check_exchange_switch(self, enable):
        """Refuse to switch another user's sync on; refuse to switch on a sync that can't run.

        ``self.env.uid`` is the real user even under sudo(), so an administrator cannot get
        around the rule through a sudo-ed call; only the superuser (installation, scripts) can.
        """
        if self.env.uid == SUPERUSER_ID:
            return
        others = self.filtered(lambda user: user.id != self.env.uid)
        if enable and others:
            raise AccessError(
                _(
                    "Only %(users)s can switch on calendar synchronisation for themselves.",
                    users=", ".join(others.mapped("name")),
                )
            )
        if not enable and others and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("You can only switch off your own calendar synchronisation."))
        if enable:
            for user in self:
                if not user.company_id.exchange_enabled:
                    raise UserError(
                        _(
                            "Microsoft Exchange is not enabled for %(company)s yet: ask your "
                            "administrator to set it up in Settings.",
                            company=user.company_id.name,
                        )
                    )
                if not user.exchange_mailbox:
                    raise UserError(
                        _("Set your email address first: it must be your Exchange mailbox address.")
                    )
