"""What an event keeps aside of the Exchange item it came from (see bridge/inbound_limits.py):
the categories, attendees and description text beyond what one item may make in Odoo.

Kept so that nothing is lost: the sync adds it back when it reads the event, so Exchange keeps
the whole entry. Never loaded with the event (a pasted mail thread can be megabytes), never
copied, and for the sync only (its readers are the sync, as superuser, and administrators).
"""

from odoo import fields, models


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    exchange_overflow = fields.Json(
        copy=False,
        prefetch=False,
        groups="base.group_system",
        help="What the Exchange item holds beyond what Odoo takes of one item: more categories, "
        "attendees and description text, kept for the synchronisation.",
    )
