"""A user's own *Sync contacts* switch and contacts tag, shown in Preferences.

Like the calendar's switch (``res_users``) it is personal: only the user turns it on, in
create, write, copy and import (the superuser too, for installation and scripts); an
administrator may turn it off. Contacts travel through the user's mailbox, so the calendar
switch must be on as well, and the company must have contacts enabled. The tag (when the
company sends "contacts with a tag of my choice") is the user's choice as well; choosing another
one lists the user's contacts afresh at the next run.
"""

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError

SELF_FIELDS = ["exchange_contacts_enabled", "exchange_contacts_tag_id"]


class ResUsers(models.Model):
    _inherit = "res.users"

    exchange_contacts_enabled = fields.Boolean(
        string="Sync contacts with Exchange", copy=False, groups="base.group_user"
    )
    exchange_contacts_tag_id = fields.Many2one(
        "res.partner.category",
        string="Contacts tag",
        copy=False,
        groups="base.group_user",
        help="Contacts with this tag go to your Exchange contacts (when your company chose "
        "contacts by tag).",
    )
    exchange_contacts_company_enabled = fields.Boolean(
        related="company_id.exchange_contacts_enabled"
    )
    exchange_contacts_scope = fields.Selection(related="company_id.exchange_contacts_scope")
    exchange_contacts_last_error = fields.Text(
        string="Last Contacts Error",
        compute="_compute_exchange_contacts_status",
        groups="base.group_system",
    )

    def _compute_exchange_contacts_status(self):
        # sudo: the state lives on the mailbox; the field is the user's and administrators'.
        mailboxes = (
            self.env["calendar.exchange.mailbox"].sudo().search([("user_id", "in", self.ids)])
        )
        by_user = {m.user_id.id: m for m in mailboxes}
        for user in self:
            mailbox = by_user.get(user.id)
            user.exchange_contacts_last_error = mailbox.contacts_last_error if mailbox else False

    @property
    def SELF_READABLE_FIELDS(self):
        return (
            super().SELF_READABLE_FIELDS
            + SELF_FIELDS
            + ["exchange_contacts_company_enabled", "exchange_contacts_scope"]
            + ["exchange_contacts_last_error"]
        )

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + SELF_FIELDS

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        chosen = users.sudo().filtered(
            lambda u: u.exchange_contacts_enabled or u.exchange_contacts_tag_id
        )
        if chosen and self.env.uid != SUPERUSER_ID:
            raise AccessError(
                self.env._(
                    "Only %(users)s can switch on contacts synchronisation or choose a contacts "
                    "tag, in their own Preferences, once their account exists.",
                    users=", ".join(chosen.mapped("name")),
                )
            )
        return users

    def write(self, vals):
        if "exchange_contacts_enabled" in vals:
            self._check_exchange_contacts_switch(
                bool(vals["exchange_contacts_enabled"]), vals.get("exchange_sync_enabled")
            )
        if "exchange_contacts_tag_id" in vals and self.env.uid != SUPERUSER_ID:
            if self.filtered(lambda user: user.id != self.env.uid):
                raise AccessError(
                    self.env._("Only the user chooses the tag of their own contacts.")
                )
        retagged = self.browse()
        if "exchange_contacts_tag_id" in vals:
            retagged = self.sudo().filtered(
                lambda u: (
                    u.exchange_contacts_tag_id.id != (vals["exchange_contacts_tag_id"] or False)
                )
            )
        result = super().write(vals)
        if retagged or vals.get("exchange_contacts_enabled"):
            Mailbox = self.env["calendar.exchange.mailbox"].sudo()
            mailboxes = Mailbox.search([("user_id", "in", (retagged | self).ids)])
            mailboxes.filtered(lambda m: m.user_id in retagged)._contacts_reset()
            Mailbox._request_sync_for_users(self.sudo())
        return result

    def _check_exchange_contacts_switch(self, enable, calendar=None):
        if self.env.uid == SUPERUSER_ID:
            if enable:
                self._check_exchange_contacts_can_sync(calendar)
            return
        others = self.filtered(lambda user: user.id != self.env.uid)
        if enable and others:
            raise AccessError(
                self.env._(
                    "Only %(users)s can switch on contacts synchronisation for themselves.",
                    users=", ".join(others.mapped("name")),
                )
            )
        if not enable and others and not self.env.user.has_group("base.group_system"):
            raise AccessError(
                self.env._("You can only switch off your own contacts synchronisation.")
            )
        if enable:
            self._check_exchange_contacts_can_sync(calendar)

    def _check_exchange_contacts_can_sync(self, calendar=None):
        for user in self.sudo():
            if not user.company_id.exchange_contacts_enabled:
                raise UserError(
                    self.env._(
                        "Contacts synchronisation is not enabled for %(company)s: ask your "
                        "administrator to enable it in Settings.",
                        company=user.company_id.name,
                    )
                )
            if not (calendar or user.exchange_sync_enabled):
                raise UserError(
                    self.env._(
                        "Contacts travel with your calendar: switch calendar synchronisation on."
                    )
                )
