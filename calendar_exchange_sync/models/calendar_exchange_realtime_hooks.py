"""When a user's sync starts or stops, the subscriptions cron is woken to follow it.

The sync switch lives on the user and the mailbox record follows it; either changing means a
subscription to make or to remove, which the subscriptions cron does (never this request).
"""

from odoo import api, models


class CalendarExchangeMailbox(models.Model):
    _inherit = "calendar.exchange.mailbox"

    @api.model_create_multi
    def create(self, vals_list):
        mailboxes = super().create(vals_list)
        self.env["calendar.exchange.subscription"]._trigger_realtime()
        return mailboxes

    def write(self, vals):
        result = super().write(vals)
        # Not for no mailbox at all: the sync cron's pass writes the (mostly empty) set of
        # mailboxes switched off, and would wake the subscriptions cron each time.
        if self and {"active", "email", "user_id"} & set(vals):
            self.env["calendar.exchange.subscription"]._trigger_realtime()
        return result


class ResUsers(models.Model):
    _inherit = "res.users"

    def write(self, vals):
        result = super().write(vals)
        if "exchange_sync_enabled" in vals:
            self.env["calendar.exchange.subscription"]._trigger_realtime()
        return result
