"""The sync log: what each run did for one mailbox, and every error with the entry it concerns.

A log belongs to the mailbox's owner and the Settings administrators (record rules). An error
line of a private entry names it to the owner only: an administrator sees that a private entry
failed, not its subject nor the message (which may quote it), as Odoo's calendar shows an
administrator "Busy" for a private event they do not attend.
"""

from itertools import repeat

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
            ("stopped", "Deletions held back"),
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
    attempts = fields.Integer(
        string="Runs",
        default=1,
        readonly=True,
        help="Postponed runs of one throttling episode share one line: how many there were.",
    )
    held_count = fields.Integer(string="Number of Deletions Held Back", readonly=True)
    held_deletion_ids = fields.One2many(related="mailbox_id.held_deletion_ids")
    line_ids = fields.One2many("calendar.exchange.log.line", "log_id", readonly=True)

    def action_confirm_held_deletions(self):
        """The log's control over what its mailbox holds back: see the mailbox."""
        return self.mailbox_id.action_confirm_held_deletions()

    def action_restore_held_deletions(self):
        return self.mailbox_id.action_restore_held_deletions()


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
    private = fields.Boolean(
        readonly=True, help="The entry is private: only its owner sees its subject here."
    )

    def _fetch_query(self, query, fields):
        records = super()._fetch_query(query, fields)
        hidden = {"subject", "message"} & {field.name for field in fields}
        if self.env.su or not hidden:
            return records
        # What the field shows depends on who reads: keep the masked value out of the sudo cache.
        others = records.sudo().filtered(
            lambda line: line.private and line.user_id != self.env.user
        )
        others = records.browse(others.ids)
        for name, text in (
            ("subject", self.env._("Private entry")),
            ("message", self.env._("The entry is private: only its owner sees the details.")),
        ):
            if name in hidden:
                field = self._fields[name]
                self.env.cache.update(others, field, repeat(field.convert_to_cache(text, others)))
        return records
