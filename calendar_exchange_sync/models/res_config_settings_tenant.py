"""Settings' tenant options: Office 365 access (application or each user signs in), the hybrid
migration's EWS route, "Move to Office 365" (the confirmation before the switch) and the user
whose mailbox Test connection checks."""

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    exchange_access_mode = fields.Selection(
        related="company_id.exchange_access_mode", readonly=False
    )
    exchange_hybrid = fields.Boolean(related="company_id.exchange_hybrid", readonly=False)
    exchange_onprem_version = fields.Selection(
        related="company_id.exchange_onprem_version", readonly=False
    )
    exchange_test_user_id = fields.Many2one(
        "res.users",
        string="Test the Mailbox of",
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
        help="Test connection checks this user's Exchange mailbox (as Exchange resolves it), "
        "or their Microsoft sign-in when each user signs in.",
    )

    def action_exchange_test_connection(self):
        """Save, then check the connection with the chosen user's mailbox."""
        self.execute()
        user = self.exchange_test_user_id or self.env.user
        return self.company_id._exchange_test_connection_for(user)

    def action_exchange_move_to_office365(self):
        """Save, then open the confirmation that says what the move will do."""
        self.execute()
        return self.env["calendar.exchange.switch"]._open_for(self.company_id)
