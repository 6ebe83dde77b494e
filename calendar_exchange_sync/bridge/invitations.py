"""Who sends a meeting's invitations, updates and cancellations: Exchange or Odoo, never both.

The company's *Send invitations* setting lets Exchange send them for the meetings organised in
Odoo by a user who synchronises their calendar. Such a meeting is marked ``pending`` when it is
created in Odoo (Odoo's own invitation e-mails are then not sent for it), and becomes ``sent``
when the organizer's next synchronisation writes it into their mailbox and Exchange sends the
invitations: from then on Exchange delivers the attendees' copies, sends the updates of what
the organizer changes and the cancellation when they delete it, and Odoo sends nothing for it.
A meeting Outlook sent (the organizer's own item says so) is ``sent`` as it comes in.

Never sent by Exchange: meetings that existed before their organizer synchronised (their first
synchronisation writes them quietly: Odoo already invited), meetings in the past, meetings of a
type that does not go to Exchange, and meetings an entry of which is written again after a
crash (the engine finds the entry it wrote instead of writing it again). For all of these,
Odoo sends its own e-mails as it always does, and the sync writes each synchronised attendee's
entry into their mailbox itself.
"""

from datetime import datetime, timezone

PENDING, SENT = "pending", "sent"
STATES = [(PENDING, "Left to Exchange"), (SENT, "Sent by Exchange")]


def state_of(event):
    """``PENDING``, ``SENT`` or False for an event (a series keeps it on its recurrence)."""
    event = event.sudo()
    return event.recurrence_id.exchange_invitations or event.exchange_invitations or False


def ended(event, now=None):
    """The event (or, for a series, its last occurrence) is over."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    events = event.recurrence_id.calendar_event_ids if event.recurrence_id else event
    return max(events.mapped("stop") or [now]) <= now


def exchange_invites(event):
    """Exchange is to send this new Odoo meeting's invitations (see the module docstring)."""
    event = event.sudo()
    organizer = event.user_id
    company = organizer.company_id
    if not organizer or organizer.share or not company.exchange_enabled:
        return False
    if not company.exchange_send_invitations:
        return False
    if not (organizer.exchange_sync_enabled and organizer.exchange_mailbox):
        return False
    if event.create_uid != organizer or not (event.partner_ids - organizer.partner_id):
        return False  # only a meeting its organizer made: the others are plain entries
    if event.exchange_organizer or ended(event):
        return False
    activity_type = event.activity_type_id or company.exchange_default_activity_type_id
    return not activity_type or activity_type.sync_to_exchange
