"""Which item kind a sync log entry is about: a mailbox run logs its calendar and its contacts
apart, each with its own counts and errors."""

from odoo import fields, models


class CalendarExchangeLog(models.Model):
    _inherit = "calendar.exchange.log"

    kind = fields.Selection(
        [("calendar", "Calendar"), ("contacts", "Contacts")],
        default="calendar",
        readonly=True,
        index=True,
    )


class CalendarExchangeLogLine(models.Model):
    _inherit = "calendar.exchange.log.line"

    partner_id = fields.Many2one("res.partner", ondelete="set null", readonly=True)
