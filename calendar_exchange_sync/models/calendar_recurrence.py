"""Recurring series remember their first start for Exchange, which keeps a series' start even
when its first occurrence is deleted."""

from odoo import fields, models

from ..bridge.invitations import STATES


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
    # Odoo copies no copy=False field onto a series' occurrences: the series keeps them.
    exchange_source = fields.Char(
        copy=False,
        readonly=True,
        groups="base.group_system",
        help="The mailbox address this series came from, when the sync created it.",
    )
    exchange_organizer = fields.Char(
        string="Organizer in Exchange",
        copy=False,
        readonly=True,
        help="The organizer a series received in Exchange names (see the event's field).",
    )
    exchange_invitations = fields.Selection(
        STATES,
        string="Invitations",
        copy=False,
        readonly=True,
        help="Set when Exchange, not Odoo, sends this series' invitations (see the event's).",
    )
