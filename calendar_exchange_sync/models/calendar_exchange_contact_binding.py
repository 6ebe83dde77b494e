"""The contacts' status table: one row per (synchronised contact, mailbox), as the engine last
agreed it (see ``sync.engine.StatusRow``), kept apart from the calendar's bindings so that each
item kind has its own tokens, deletion guard and targeted look-ups.
"""

from odoo import fields, models


class CalendarExchangeContactBinding(models.Model):
    _name = "calendar.exchange.contact.binding"
    _description = "Exchange Contact Sync Binding"
    _rec_name = "identity"

    mailbox_id = fields.Many2one(
        "calendar.exchange.mailbox", required=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one(related="mailbox_id.user_id", store=True, index=True)
    identity = fields.Char(required=True)
    local_id = fields.Char(help="res.partner,ID")
    remote_id = fields.Char(index="btree_not_null")
    local_version = fields.Char()
    remote_version = fields.Char()
    item_hash = fields.Char()
    field_hashes = fields.Json()
    local_modified = fields.Datetime()
    remote_modified = fields.Datetime()
    recheck = fields.Boolean()
    verify_side = fields.Char()
    partner_id = fields.Many2one("res.partner", ondelete="set null", index="btree_not_null")
    sync_error = fields.Text(help="Why the last attempt to synchronise this contact failed.")

    _identity_uniq = models.Constraint(
        "unique(mailbox_id, identity)", "A contact is bound once per mailbox."
    )
    _mailbox_local_idx = models.Index("(mailbox_id, local_id)")
    _unsettled_idx = models.Index(
        "(mailbox_id) WHERE recheck OR local_id IS NULL OR remote_id IS NULL"
    )
