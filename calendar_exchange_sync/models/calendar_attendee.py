"""Attendees remember whether Exchange lists them as optional, which Odoo has no notion of."""

from odoo import fields, models


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    exchange_optional = fields.Boolean(string="Optional (Exchange)", copy=False)

    # The quick Odoo listing finds the user's answers given since its cursor (odoo_listing).
    _exchange_answered_idx = models.Index("(partner_id, write_date)")

    def write(self, vals):
        result = super().write(vals)
        if vals.keys() & {"state", "exchange_optional"}:
            # An answer is part of the meeting Exchange shows: the event changed.
            events = self.event_id
            events._exchange_bump_revision()
            events._exchange_request_sync()
        return result
