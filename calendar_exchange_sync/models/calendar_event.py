"""Calendar events: their activity type, their Exchange identity, and the triggers that send
their changes to Exchange (after commit, from the sync cron; never in the user's request)."""

from odoo import api, fields, models


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    activity_type_id = fields.Many2one(
        "calendar.activity.type",
        default=lambda self: self.env.company.exchange_default_activity_type_id,
        index="btree_not_null",
        ondelete="restrict",
    )
    exchange_identity = fields.Char(
        copy=False,
        index="btree_not_null",
        groups="base.group_system",
        help="The identity under which the sync created this event from an Exchange item.",
    )
    exchange_uid = fields.Char(
        string="iCalendar UID", copy=False, index="btree_not_null", groups="base.group_system"
    )
    exchange_revision = fields.Integer(
        default=1,
        copy=False,
        readonly=True,
        help="Goes up with every change of a synchronised field: the version the sync compares "
        "(write dates are equal within one transaction, so they cannot tell two edits apart).",
    )
    exchange_original_start = fields.Datetime(
        copy=False,
        help="Where this occurrence of a series was before it was moved on its own: the key "
        "Exchange knows it by.",
    )
    exchange_organizer = fields.Char(
        string="Organizer in Exchange",
        copy=False,
        readonly=True,
        help="The organizer an entry received in Exchange names, when it is not the owner of "
        "the mailbox it came from: kept as information, it never makes the entry theirs.",
    )
    exchange_source = fields.Char(
        copy=False,
        readonly=True,
        groups="base.group_system",
        help="The mailbox address this entry came from, when the sync created it.",
    )
    # The quick Odoo listing finds what was written since its cursor (bridge/odoo_listing.py).
    _exchange_written_idx = models.Index("(write_date)")

    exchange_sync_error = fields.Text(
        compute="_compute_exchange_sync_error",
        help="Why this event could not be synchronised with Exchange the last time.",
    )

    @api.depends_context("uid")
    def _compute_exchange_sync_error(self):
        """Each error is its mailbox owner's and the administrators'; none of a private event
        for an administrator who does not take part (Odoo shows them "Busy" for it)."""
        user = self.env.user
        admin = self.env.su or user.has_group("base.group_system")
        # sudo: bindings are bookkeeping; only the error texts this reader may see are shown.
        bindings = (
            self.env["calendar.exchange.binding"]
            .sudo()
            .search([("event_id", "in", self.ids), ("sync_error", "!=", False)])
        )
        hidden = set()
        if admin and not self.env.su:
            hidden = {e.id for e in self if e._origin and e._check_private_event_conditions()}
        errors = {}
        for binding in bindings:
            mine = binding.user_id == user
            if not mine and (not admin or binding.event_id.id in hidden):
                continue
            errors.setdefault(binding.event_id.id, []).append(
                "%s: %s" % (binding.mailbox_id.email, binding.sync_error)
            )
        for event in self:
            event.exchange_sync_error = "\n".join(errors.get(event._origin.id, [])) or False

    @api.model
    def _exchange_synced_fields(self):
        """The fields whose change must reach Exchange (the rest is Odoo-only).

        A method, not a constant, so that another addon that maps a field of its own to
        Exchange adds it here (``super()`` | {...}) and its changes are sent too.
        """
        return {
            "name",
            "start",
            "stop",
            "allday",
            "start_date",
            "stop_date",
            "description",
            "location",
            "privacy",
            "show_as",
            "alarm_ids",
            "user_id",
            "partner_ids",
            "attendee_ids",
            "categ_ids",
            "activity_type_id",
            "active",
            "recurrence_id",
            "rrule",
            "recurrency",
            "event_tz",
        }

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        events._exchange_request_sync()
        return events

    def write(self, vals):
        whole_series = vals.get("recurrence_update") in ("all_events", "future_events")
        if vals.keys() & {"start", "stop", "start_date", "stop_date"} and not whole_series:
            self._exchange_remember_original_start()
        result = super().write(vals)
        if self._exchange_synced_fields().intersection(vals):
            self._exchange_bump_revision()
            self._exchange_request_sync()
        return result

    def _exchange_bump_revision(self):
        # The sync's own updates bump once per batch instead (OdooSide.update): an update of
        # an entry and of its attendees would each cost an UPDATE here.
        if not self.ids or self.env.context.get("exchange_revision_later"):
            return
        # SQL: a write() here would run this override again.
        self.env.cr.execute(
            "UPDATE calendar_event SET exchange_revision = exchange_revision + 1 WHERE id IN %s",
            [tuple(self.ids)],
        )
        self.invalidate_recordset(["exchange_revision"])

    def _exchange_remember_original_start(self):
        """An occurrence moved on its own keeps the start Exchange knows it by."""
        for event in self:
            if event.recurrence_id and not event.exchange_original_start:
                event.exchange_original_start = event.start

    def unlink(self):
        self._exchange_request_sync()
        return super().unlink()

    def _exchange_request_sync(self):
        """Mark the mailboxes that see these events and wake the sync cron up after commit.

        Writes made by the sync itself carry ``exchange_sync_inbound`` and are not echoed back.
        """
        if self.env.context.get("exchange_sync_inbound") or not self:
            return
        self.env["calendar.exchange.mailbox"]._request_sync_for_events(self)
