"""Meetings as one meeting: who sends the invitations (see ``bridge.invitations``), what an
attendee deleting a received meeting means, and a series keeping its Exchange identity when
Odoo rewrites it ("All events")."""

from odoo import api, fields, models

from ..bridge import invitations


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    exchange_invitations = fields.Selection(
        invitations.STATES,
        string="Invitations",
        copy=False,
        readonly=True,
        help="Set when Exchange, not Odoo, sends this meeting's invitations and updates: "
        "Odoo's own invitation e-mails are then not sent for it.",
    )

    def _skip_send_mail_status_update(self):
        """Odoo sends no invitation, update or cancellation of its own for a meeting whose
        invitations Exchange sends, so that nobody receives two."""
        if invitations.state_of(self):
            return True
        if self.env.context.get("is_calendar_event_new") and invitations.exchange_invites(self):
            return True
        return super()._skip_send_mail_status_update()

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        if not self.env.context.get("exchange_sync_inbound"):
            left = events.filtered(invitations.exchange_invites)
            for event in left:
                target = event.recurrence_id or event
                target.sudo().exchange_invitations = invitations.PENDING
        return events

    def unlink(self):
        self._exchange_note_received_deletions()
        return super().unlink()

    def _exchange_note_received_deletions(self):
        """Deleting in Odoo a meeting received in Exchange from an outside organizer answers it
        from its owner's mailbox with a decline: remembered on the binding, since the event is
        gone when the sync runs. Nothing of the kind for anybody else's copies."""
        if self.env.context.get("exchange_sync_inbound"):
            return
        events = self.sudo().filtered(lambda e: e.exchange_organizer or e.recurrence_id)
        received = events.filtered(
            lambda e: (e.recurrence_id.exchange_organizer or e.exchange_organizer) and e.user_id
        )
        if not received:
            return
        local_ids = ["calendar.event,%d" % e.id for e in received]
        local_ids += ["calendar.recurrence,%d" % r.id for r in received.recurrence_id]
        bindings = (
            self.env["calendar.exchange.binding"]
            .sudo()
            .search([("local_id", "in", local_ids), ("user_id", "in", received.user_id.ids)])
        )
        bindings.write({"declines": True})

    def _rewrite_recurrence(self, values, time_values, recurrence_values):
        """Odoo rewrites a series edited for "All events" as a new recurrence: it keeps the
        old one's Exchange identity, so that the sync updates the Exchange series in place
        (same item, UID, answers) instead of cancelling it and inviting everyone again."""
        old = self.recurrence_id.sudo()
        base = old.base_event_id or old._get_first_event(include_outliers=False)
        keep = {
            "exchange_identity": old.exchange_identity or "calendar.recurrence,%d" % old.id,
            "exchange_source": old.exchange_source,
            "exchange_organizer": old.exchange_organizer,
            "exchange_invitations": old.exchange_invitations,
        }
        # Odoo would add the organizer's card once more to the description of every new
        # occurrence (it does not on a series' first creation): they would all differ from
        # the series, each an exception to write (and on a sent meeting, an update to send).
        rewriting = self.with_context(skip_contact_description=True)
        result = super(CalendarEvent, rewriting)._rewrite_recurrence(
            values, time_values, recurrence_values
        )
        new = base.recurrence_id
        if new and new != old:
            new.sudo().write({name: value for name, value in keep.items() if value})
            # The series moved as a whole: no occurrence of it was moved on its own.
            new.calendar_event_ids.filtered("exchange_original_start").write(
                {"exchange_original_start": False}
            )
        return result
