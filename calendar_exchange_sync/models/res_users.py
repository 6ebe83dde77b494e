"""A user's own calendar synchronisation switch and status, shown in Preferences.

The switch is personal: only the user can turn it on, in the model and not just in the view,
because turning it on copies their calendar to the mailbox an administrator gave them (see
``res_users_mailbox``). It holds in create, write, copy and import: nobody but the user
themselves (and the superuser, for installation and scripts) switches it on; an administrator
may switch it off. The switch and the status are the user's and the administrators' to read.
"""

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError

SELF_FIELDS = ["exchange_sync_enabled", "exchange_mailbox"]
STATUS_FIELDS = ["exchange_last_sync", "exchange_last_error"]


class ResUsers(models.Model):
    _inherit = "res.users"

    exchange_sync_enabled = fields.Boolean(
        string="Sync with Exchange", copy=False, groups="base.group_user"
    )
    exchange_last_sync = fields.Datetime(
        string="Last Synchronisation",
        compute="_compute_exchange_status",
        groups="base.group_system",
    )
    exchange_last_error = fields.Text(
        string="Last Synchronisation Error",
        compute="_compute_exchange_status",
        groups="base.group_system",
    )
    exchange_company_enabled = fields.Boolean(related="company_id.exchange_enabled")
    # Read where an attendee's address is worked out (``bridge.addresses.partner_address``):
    # the ORM caches it for the transaction, where a search would run once per attendee.
    exchange_mailbox_ids = fields.One2many(
        "calendar.exchange.mailbox",
        "user_id",
        string="Exchange Sync States",
        groups="base.group_system",
    )

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

    def _compute_exchange_status(self):
        # sudo: the state lives on the mailbox record; the fields are the user's and the
        # administrators' only (field groups, plus the user's own record).
        mailboxes = (
            self.env["calendar.exchange.mailbox"].sudo().search([("user_id", "in", self.ids)])
        )
        by_user = {m.user_id.id: m for m in mailboxes}
        for user in self:
            mailbox = by_user.get(user.id)
            user.exchange_last_sync = mailbox.last_success if mailbox else False
            user.exchange_last_error = mailbox.last_error if mailbox else False

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        # Checked on what was saved, not on what was asked: a default (a crafted link's
        # context, an ir.default) switches on just as well as a value does.
        switched_on = users.sudo().filtered("exchange_sync_enabled")
        if switched_on and self.env.uid != SUPERUSER_ID:
            raise AccessError(
                self.env._(
                    "Only %(users)s can switch on calendar synchronisation, in their own "
                    "Preferences, once their account exists.",
                    users=", ".join(switched_on.mapped("name")),
                )
            )
        if switched_on:
            switched_on._check_exchange_can_sync()
            self.env["calendar.exchange.mailbox"]._trigger_cron()
        return users

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
        # Logging in starts the user's sync, in a cron worker shortly after. (Odoo calls this
        # on the user who logs in; as a model method, the user is the environment's.)
        result = super()._update_last_login()
        users = (self or self.env.user).sudo()
        for user in users.filtered(lambda u: u.exchange_sync_enabled and u.exchange_mailbox):
            if user.company_id.exchange_enabled:
                self.env["calendar.exchange.mailbox"]._for_user(user)._request_run(notify=False)
        return result

    def exchange_sync_state(self):
        """What the calendar view needs to show its Sync now button."""
        self.ensure_one()
        if self.id != self.env.uid:
            raise AccessError(self.env._("You can only see your own synchronisation."))
        user = self.sudo()
        return {"enabled": bool(user.exchange_sync_enabled and user.company_id.exchange_enabled)}

    def action_exchange_sync_now(self):
        """The Sync now button of Preferences and of the calendar view."""
        self.ensure_one()
        if self.id != self.env.uid and not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("You can only synchronise your own calendar."))
        user = self.sudo()
        if not (user.exchange_sync_enabled and user.company_id.exchange_enabled):
            raise UserError(self.env._("Switch calendar synchronisation on first."))
        return self.env["calendar.exchange.mailbox"]._for_user(user).action_sync_now()

    def _check_exchange_switch(self, enable):
        """Refuse to switch another user's sync on; refuse to switch on a sync that can't run.

        ``self.env.uid`` is the real user even under sudo(), so an administrator cannot get
        around the rule through a sudo-ed call; only the superuser (installation, scripts) can.
        """
        if self.env.uid == SUPERUSER_ID:
            if enable:
                self._check_exchange_can_sync()
            return
        others = self.filtered(lambda user: user.id != self.env.uid)
        if enable and others:
            raise AccessError(
                self.env._(
                    "Only %(users)s can switch on calendar synchronisation for themselves.",
                    users=", ".join(others.mapped("name")),
                )
            )
        if not enable and others and not self.env.user.has_group("base.group_system"):
            raise AccessError(
                self.env._("You can only switch off your own calendar synchronisation.")
            )
        if enable:
            self._check_exchange_can_sync()

    def _check_exchange_can_sync(self):
        for user in self.sudo():
            if user.share:
                raise UserError(
                    self.env._("Portal users cannot synchronise their calendar with Exchange.")
                )
            if not user.company_id.exchange_enabled:
                raise UserError(
                    self.env._(
                        "Microsoft Exchange is not enabled for %(company)s yet: ask your "
                        "administrator to set it up in Settings.",
                        company=user.company_id.name,
                    )
                )
            if not user.exchange_mailbox:
                raise UserError(
                    self.env._(
                        "No Exchange mailbox is set for %(user)s yet: ask your administrator "
                        "to set it in the user's settings.",
                        user=user.name,
                    )
                )
