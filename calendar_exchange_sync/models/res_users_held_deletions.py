"""Deletions the sync held back for a user, in their Preferences, with the two answers: delete
them, or restore the entries where they were deleted (see calendar.exchange.held.deletion)."""

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

HELD_FIELDS = ["exchange_held_deletion_ids", "exchange_held_count"]


class ResUsers(models.Model):
    _inherit = "res.users"

    exchange_held_deletion_ids = fields.Many2many(
        "calendar.exchange.held.deletion",
        compute="_compute_exchange_held_deletions",
        string="Deletions Held Back",
        groups="base.group_user",
    )
    exchange_held_count = fields.Integer(
        string="Number of Deletions Held Back",
        compute="_compute_exchange_held_deletions",
        groups="base.group_user",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + HELD_FIELDS

    def _compute_exchange_held_deletions(self):
        # sudo: the list lives on the mailbox; only the user's own list, or any for an
        # administrator, is shown (the records' own rules apply to what is read of them).
        reader = self.env.user
        admin = self.env.su or reader.has_group("base.group_system")
        Held = self.env["calendar.exchange.held.deletion"].sudo()
        for user in self:
            held = Held.search([("user_id", "=", user.id)]) if admin or user == reader else Held
            user.exchange_held_deletion_ids = held.ids
            user.exchange_held_count = len(held)

    def _exchange_mailbox_for_decision(self):
        self.ensure_one()
        if self.id != self.env.uid and not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only the owner of a calendar decides on its deletions."))
        mailbox = self.env["calendar.exchange.mailbox"].sudo().search([("user_id", "=", self.id)])
        if not mailbox:
            raise UserError(self.env._("Nothing is held back for this calendar (any more)."))
        return mailbox.with_env(self.env)

    def action_exchange_confirm_deletions(self):
        """Preferences: delete what the sync held back (at the next run)."""
        return self._exchange_mailbox_for_decision().action_confirm_held_deletions()

    def action_exchange_restore_deletions(self):
        """Preferences: create the held entries again where they were deleted (next run)."""
        return self._exchange_mailbox_for_decision().action_restore_held_deletions()
