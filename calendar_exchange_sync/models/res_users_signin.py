"""Preferences for a company whose users each sign in to Microsoft (Office 365, delegated
access): "Sign in with Microsoft", its state, and "Sign out"; and, for every user, the mailbox
address Exchange knows (an alias typed by the administrator resolves to the primary address).

Signing in is the user proving a mailbox is theirs: the signed-in Microsoft user's primary
address becomes their Exchange mailbox and their synchronisation starts (in a cron worker,
``bridge/signin.py``). Only the user can do it, for themselves.
"""

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request

SIGNIN_FIELDS = [
    "exchange_access_mode",
    "exchange_signin_state",
    "exchange_signin_message",
    "exchange_resolved_mailbox",
]


class ResUsers(models.Model):
    _inherit = "res.users"

    exchange_access_mode = fields.Selection(related="company_id.exchange_access_mode")
    exchange_signin_state = fields.Selection(
        [("none", "Not signed in"), ("pending", "Signing in"), ("active", "Signed in"),
         ("revoked", "Sign in again")],
        string="Microsoft Sign-in",
        compute="_compute_exchange_signin",
        groups="base.group_user",
    )  # fmt: skip
    exchange_signin_message = fields.Char(
        string="Microsoft Sign-in Status",
        compute="_compute_exchange_signin",
        groups="base.group_system",
    )
    exchange_resolved_mailbox = fields.Char(
        string="Mailbox in Exchange",
        compute="_compute_exchange_resolved_mailbox",
        groups="base.group_user",
        help="The primary address Exchange answered for this mailbox address, when it differs "
        "(the address typed is an alias or a sign-in name).",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + SIGNIN_FIELDS

    def _compute_exchange_signin(self):
        # sudo: the grant holds secrets and is the system's; these fields say only its state.
        grants = self.env["calendar.exchange.grant"].sudo().search([("user_id", "in", self.ids)])
        by_user = {g.user_id.id: g for g in grants}
        for user in self:
            grant = by_user.get(user.id)
            user.exchange_signin_state = grant.state if grant else "none"
            if grant and grant.state == "active":
                user.exchange_signin_message = self.env._("Signed in as %s", grant.ms_mailbox)
            else:
                user.exchange_signin_message = grant.problem if grant else False

    def _compute_exchange_resolved_mailbox(self):
        mailboxes = (
            self.env["calendar.exchange.mailbox"].sudo().search([("user_id", "in", self.ids)])
        )
        by_user = {m.user_id.id: m for m in mailboxes}
        for user in self:
            mailbox = by_user.get(user.id)
            resolved = mailbox.resolved_email if mailbox else False
            user.exchange_resolved_mailbox = (
                resolved if resolved and resolved != user.sudo().exchange_mailbox else False
            )

    def _check_exchange_signin_allowed(self):
        self.ensure_one()
        if self.id != self.env.uid:
            raise AccessError(
                self.env._("Only %s can sign in with their Microsoft account.", self.name)
            )
        company = self.sudo().company_id
        if self.share:
            raise UserError(
                self.env._("Portal users cannot synchronise their calendar with Exchange.")
            )
        if not (
            company.exchange_enabled
            and company.exchange_version == "office365"
            and company.exchange_access_mode == "signin"
        ):
            raise UserError(
                self.env._(
                    "Your company does not synchronise calendars through each user's own "
                    "Microsoft sign-in: ask your administrator."
                )
            )
        if not company.exchange_client_id or not company.exchange_tenant:
            raise UserError(
                self.env._("Your administrator has not finished the Office 365 settings.")
            )

    def action_exchange_sign_in(self):
        """Preferences' "Sign in with Microsoft": off to Microsoft's sign-in page."""
        self._check_exchange_signin_allowed()
        session_id = request.session.sid if request else ""
        url = self.env["calendar.exchange.grant"]._start(self.sudo(), session_id)
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def action_exchange_sign_out(self):
        """Forget the user's tokens and switch their synchronisation off."""
        self.ensure_one()
        if self.id != self.env.uid and not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("You can only sign yourself out."))
        grant = self.env["calendar.exchange.grant"].sudo().search([("user_id", "=", self.id)])
        grant._sign_out()
        self.sudo()._exchange_force_off()
        return True
