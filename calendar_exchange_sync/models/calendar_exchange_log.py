"""The sync log: what each run did for one mailbox, and every error with the entry it concerns."""

from odoo import fields, models


class CalendarExchangeLog(models.Model):
    _name = "calendar.exchange.log"
    _description = "Exchange Sync Log"
    _order = "id desc"

    mailbox_id = fields.Many2one("calendar.exchange.mailbox", ondelete="cascade", index=True)
    user_id = fields.Many2one("res.users", index=True, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    started = fields.Datetime(readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    state = fields.Selection(
        [
            ("done", "Done"),
            ("partial", "Done with errors"),
            ("failed", "Failed"),
            ("postponed", "Postponed"),
            ("stopped", "Stopped before deleting"),
        ],
        readonly=True,
    )
    message = fields.Text(readonly=True)
    odoo_created = fields.Integer(readonly=True)
    odoo_updated = fields.Integer(readonly=True)
    odoo_deleted = fields.Integer(readonly=True)
    exchange_created = fields.Integer(readonly=True)
    exchange_updated = fields.Integer(readonly=True)
    exchange_deleted = fields.Integer(readonly=True)
    matched = fields.Integer(string="Paired on first sync", readonly=True)
    conflicts = fields.Integer(readonly=True)
    line_ids = fields.One2many("calendar.exchange.log.line", "log_id", readonly=True)


class CalendarExchangeLogLine(models.Model):
    _name = "calendar.exchange.log.line"
    _description = "Exchange Sync Log Error"
    _order = "id"

    log_id = fields.Many2one("calendar.exchange.log", required=True, ondelete="cascade")
    user_id = fields.Many2one(related="log_id.user_id", store=True)
    event_id = fields.Many2one("calendar.event", ondelete="set null", readonly=True)
    side = fields.Selection([("odoo", "Odoo"), ("exchange", "Exchange")], readonly=True)
    action = fields.Char(readonly=True)
    subject = fields.Char(readonly=True)
    message = fields.Text(readonly=True)
