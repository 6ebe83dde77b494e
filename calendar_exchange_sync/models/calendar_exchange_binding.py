"""The status table: one row per (synchronised entry, mailbox), as the engine last agreed it.

A row pairs an Odoo entry (an event, or a recurring series) with an item in one Exchange
mailbox; see ``sync.engine.StatusRow``, of which it is the durable form.
"""

from odoo import fields, models


class CalendarExchangeBinding(models.Model):
    _name = "calendar.exchange.binding"
    _description = "Exchange Sync Binding"
    _rec_name = "identity"

    mailbox_id = fields.Many2one(
        "calendar.exchange.mailbox", required=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one(related="mailbox_id.user_id", store=True, index=True)
    identity = fields.Char(required=True)
    local_id = fields.Char(help="calendar.event,ID or calendar.recurrence,ID")
    remote_id = fields.Char(index="btree_not_null")
    local_version = fields.Char()
    remote_version = fields.Char()
    item_hash = fields.Char()
    field_hashes = fields.Json()
    activity_type = fields.Char(help="The activity type both sides last agreed on.")
    local_modified = fields.Datetime()
    remote_modified = fields.Datetime()
    uid = fields.Char(string="iCalendar UID", index="btree_not_null")
    recheck = fields.Boolean()
    verify_side = fields.Char(help="After a create: the side to read again next run.")
    event_id = fields.Many2one("calendar.event", ondelete="set null", index="btree_not_null")
    recurrence_id = fields.Many2one(
        "calendar.recurrence", ondelete="set null", index="btree_not_null"
    )
    sync_error = fields.Text(help="Why the last attempt to synchronise this entry failed.")
    written = fields.Json(
        help="What the sync last wrote into this attendee's entry of somebody else's meeting: "
        "the attendee's own later edits of it stay theirs."
    )
    declines = fields.Boolean(
        help="The owner deleted, in Odoo, this meeting received in Exchange: the sync declines "
        "it from their mailbox."
    )

    _identity_uniq = models.Constraint(
        "unique(mailbox_id, identity)", "An entry is bound once per mailbox."
    )
    # For the sync's targeted look-ups (bridge/binding_store.py): by Odoo entry, and the few
    # bindings a run must finish or read again.
    _mailbox_local_idx = models.Index("(mailbox_id, local_id)")
    _unsettled_idx = models.Index(
        "(mailbox_id) WHERE recheck OR local_id IS NULL OR remote_id IS NULL"
    )
    # The quick Odoo listing's bindings without an event: series, and events deleted since.
    _eventless_idx = models.Index("(mailbox_id) WHERE event_id IS NULL AND local_id IS NOT NULL")
