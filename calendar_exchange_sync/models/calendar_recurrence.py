"""Recurring series remember their first start for Exchange, which keeps a series' start even
when its first occurrence is deleted."""

from odoo import fields, models


class CalendarRecurrence(models.Model):
    _inherit = "calendar.recurrence"

    exchange_dtstart = fields.Datetime(
        copy=False, help="The series' first start as Exchange knows it (UTC)."
    )
    exchange_identity = fields.Char(
        copy=False,
        index="btree_not_null",
        groups="base.group_system",
        help="The identity under which the sync created this series from an Exchange item.",
    )
