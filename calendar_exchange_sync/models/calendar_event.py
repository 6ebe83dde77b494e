"""Calendar events carry an activity type (default: the company's default type)."""

from odoo import fields, models


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    activity_type_id = fields.Many2one(
        "calendar.activity.type",
        string="Activity Type",
        default=lambda self: self.env.company.exchange_default_activity_type_id,
        index="btree_not_null",
        ondelete="restrict",
    )
