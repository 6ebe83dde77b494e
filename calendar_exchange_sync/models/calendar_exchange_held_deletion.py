"""Deletions the sync held back (the deletion guard, see sync/engine/guard.py), waiting for the
mailbox's owner or an administrator to decide.

When a run would delete more than the company's limit of a calendar, it deletes nothing of it
and lists here what it held back; everything else goes on. The owner (Preferences) or an
administrator (the sync log, the mailbox) then confirms the deletions or restores the entries
on the side they were deleted from; the next run carries the decision out. Nobody else may
decide, nor see the subject of a private entry that is not theirs.
"""

from itertools import repeat

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class CalendarExchangeHeldDeletion(models.Model):
    _name = "calendar.exchange.held.deletion"
    _description = "Exchange Sync Deletion Held Back"
    _order = "mailbox_id, start, id"
    _rec_name = "subject"

    mailbox_id = fields.Many2one(
        "calendar.exchange.mailbox", required=True, ondelete="cascade", index=True, readonly=True
    )
    user_id = fields.Many2one(related="mailbox_id.user_id", store=True, index=True)
    identity = fields.Char(required=True, readonly=True, groups="base.group_system")
    side = fields.Selection(
        [("odoo", "Odoo"), ("exchange", "Exchange")],
        string="Would Be Deleted In",
        required=True,
        readonly=True,
    )
    deleted_in = fields.Selection(
        [("odoo", "Odoo"), ("exchange", "Exchange")],
        compute="_compute_deleted_in",
    )
    subject = fields.Char(readonly=True)
    start = fields.Datetime(readonly=True)
    event_id = fields.Many2one("calendar.event", ondelete="set null", readonly=True)
    private = fields.Boolean(readonly=True)
    decision = fields.Selection(
        [
            ("wait", "Waiting for a decision"),
            ("delete", "Delete"),
            ("restore", "Restore"),
        ],
        default="wait",
        required=True,
        readonly=True,
    )

    _identity_uniq = models.Constraint(
        "unique(mailbox_id, identity)", "A deletion is held back once per mailbox."
    )

    @api.depends("side")
    def _compute_deleted_in(self):
        for held in self:
            held.deleted_in = {"odoo": "exchange", "exchange": "odoo"}.get(held.side)

    def _fetch_query(self, query, fields):
        records = super()._fetch_query(query, fields)
        if self.env.su or "subject" not in {field.name for field in fields}:
            return records
        # A private entry is named to its owner only (as in the sync log).
        others = records.sudo().filtered(lambda h: h.private and h.user_id != self.env.user)
        others = records.browse(others.ids)
        field = self._fields["subject"]
        text = self.env._("Private entry")
        self.env.cache.update(others, field, repeat(field.convert_to_cache(text, others)))
        return records

    # -- deciding ---------------------------------------------------------------------------

    def _check_may_decide(self):
        """The mailbox's owner and Settings administrators decide, nobody else: the model's
        access rights first (portal users have none), then the record rules, then the owner
        rule itself, so that a changed record rule cannot open other people's decisions."""
        self.browse().check_access("read")
        if not self or len(self.exists()) != len(self):
            raise UserError(self.env._("These entries are no longer held back: reload the page."))
        self.check_access("read")
        if not self.env.user.has_group("base.group_system"):
            if self.sudo().user_id != self.env.user:
                raise AccessError(
                    self.env._("Only the owner of a calendar decides on its deletions.")
                )

    def _decide(self, decision):
        self._check_may_decide()
        held = self.sudo()
        held.write({"decision": decision})
        # The next pass carries it out (a user's request never talks to Exchange).
        held.mailbox_id.filtered(lambda m: not m.needs_sync).write({"needs_sync": True})
        held.mailbox_id._trigger_cron()
        return True

    def action_confirm(self):
        """Delete these entries where they still are (the next run does it)."""
        return self._decide("delete")

    def action_restore(self):
        """Create these entries again where they were deleted (the next run does it)."""
        return self._decide("restore")
