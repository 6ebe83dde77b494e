"""The "Microsoft Exchange" block of Settings: the current company's connection settings."""

from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    exchange_enabled = fields.Boolean(related="company_id.exchange_enabled", readonly=False)
    exchange_version = fields.Selection(related="company_id.exchange_version", readonly=False)
    exchange_domain = fields.Char(related="company_id.exchange_domain", readonly=False)
    exchange_ews_url = fields.Char(related="company_id.exchange_ews_url", readonly=False)
    exchange_username = fields.Char(related="company_id.exchange_username", readonly=False)
    exchange_password = fields.Char(related="company_id.exchange_password", readonly=False)
    exchange_auth_type = fields.Selection(related="company_id.exchange_auth_type", readonly=False)
    exchange_basic_over_http = fields.Boolean(
        related="company_id.exchange_basic_over_http", readonly=False
    )
    exchange_tenant = fields.Char(related="company_id.exchange_tenant", readonly=False)
    exchange_client_id = fields.Char(related="company_id.exchange_client_id", readonly=False)
    exchange_client_secret = fields.Char(
        related="company_id.exchange_client_secret", readonly=False
    )
    exchange_login_url = fields.Char(related="company_id.exchange_login_url", readonly=False)
    exchange_graph_url = fields.Char(related="company_id.exchange_graph_url", readonly=False)
    exchange_window_days = fields.Integer(related="company_id.exchange_window_days", readonly=False)
    exchange_conflict_policy = fields.Selection(
        related="company_id.exchange_conflict_policy", readonly=False
    )
    exchange_default_activity_type_id = fields.Many2one(
        related="company_id.exchange_default_activity_type_id", readonly=False
    )
    exchange_personal_activity_type_id = fields.Many2one(
        related="company_id.exchange_personal_activity_type_id", readonly=False
    )

    exchange_ca_file = fields.Char(related="company_id.exchange_ca_file", readonly=False)
    exchange_send_invitations = fields.Boolean(
        related="company_id.exchange_send_invitations", readonly=False
    )
    exchange_consent_granted = fields.Boolean(related="company_id.exchange_consent_granted")
    exchange_clock_skew = fields.Float(related="company_id.exchange_clock_skew")
    exchange_clock_checked = fields.Datetime(related="company_id.exchange_clock_checked")
    exchange_users_without_mailbox = fields.Integer(
        compute="_compute_exchange_users_without_mailbox"
    )

    @api.depends("company_id")
    def _compute_exchange_users_without_mailbox(self):
        Users = self.env["res.users"].sudo()
        for settings in self:
            settings.exchange_users_without_mailbox = Users.search_count(
                [
                    ("company_id", "=", settings.company_id.id),
                    ("share", "=", False),
                    ("exchange_mailbox", "=", False),
                ]
            )

    @api.model_create_multi
    def create(self, vals_list):
        # Related fields are written back one at a time, and each write is checked on its own:
        # "enabled" would be refused before the URL beside it is written. The company gets the
        # whole block in one write, so it is checked as the administrator filled it in.
        exchange_vals_list = [
            {name: vals.pop(name) for name in list(vals) if name in self._exchange_writable()}
            for vals in vals_list
        ]
        records = super().create(vals_list)
        for record, exchange_vals in zip(records, exchange_vals_list, strict=True):
            if exchange_vals:
                record.company_id.write(exchange_vals)
        return records

    @api.model
    def _exchange_writable(self):
        return {
            name
            for name, field in self._fields.items()
            if name.startswith("exchange_") and field.related and not field.readonly
        }

    def action_exchange_test_connection(self):
        """Save, then check the connection from Odoo's server: see res.company."""
        self.execute()
        return self.company_id._exchange_test_connection()

    def action_exchange_fill_mailboxes(self):
        """Give users without a mailbox their e-mail address, then show the list to check."""
        self.execute()
        filled = self.env["res.users"]._exchange_fill_mailboxes(self.company_id)
        action = self.env["res.users"]._exchange_mailbox_action()
        if filled:
            action["domain"] = [("id", "in", filled.ids)]
            action["name"] = self.env._("Mailboxes just filled in: check each address")
        return action

    def action_exchange_grant_permissions(self):
        self.execute()
        return self.company_id._exchange_grant_permissions_action()
