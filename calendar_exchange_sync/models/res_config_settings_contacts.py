"""Settings ▸ Microsoft Exchange ▸ Contacts: the company's contacts settings, in Settings."""

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    exchange_contacts_enabled = fields.Boolean(
        related="company_id.exchange_contacts_enabled", readonly=False
    )
    exchange_contacts_scope = fields.Selection(
        related="company_id.exchange_contacts_scope", readonly=False
    )
    exchange_contacts_folder = fields.Selection(
        related="company_id.exchange_contacts_folder", readonly=False
    )
    exchange_contacts_folder_name = fields.Char(
        related="company_id.exchange_contacts_folder_name", readonly=False
    )
    exchange_contacts_deletion = fields.Selection(
        related="company_id.exchange_contacts_deletion", readonly=False
    )
    exchange_contacts_master = fields.Boolean(
        related="company_id.exchange_contacts_master", readonly=False
    )
