"""A mailbox's contacts: its two tokens, its contact pairings and how its last contacts run went.

Contacts are the mailbox's second item kind: the same run of the cron (lock, log, throttling)
synchronises them after the calendar (``bridge/contacts_runner.py``), with tokens and pairings
of their own, kept here beside the calendar's.
"""

from odoo import api, fields, models


class CalendarExchangeMailbox(models.Model):
    _inherit = "calendar.exchange.mailbox"

    contacts_local_token = fields.Char(groups="base.group_system", copy=False)
    contacts_remote_token = fields.Char(groups="base.group_system", copy=False)
    contacts_last_success = fields.Datetime(readonly=True, copy=False)
    contacts_last_error = fields.Text(readonly=True, copy=False)
    contact_binding_ids = fields.One2many(
        "calendar.exchange.contact.binding", "mailbox_id", groups="base.group_system"
    )

    def _reset(self, email=None, active=True):
        # Another mailbox is another contacts folder: nothing of the old one is kept.
        self._contacts_reset(forget_pairs=True)
        return super()._reset(email=email, active=active)

    def _contacts_reset(self, forget_pairs=False):
        """List the contacts afresh at the next run (``forget_pairs``: of a new folder too)."""
        mailboxes = self.sudo()
        if forget_pairs:
            mailboxes.contact_binding_ids.unlink()
            mailboxes.write({"contacts_local_token": False, "contacts_remote_token": False})
        else:
            mailboxes.write({"contacts_local_token": False})

    @api.model
    def _request_sync_for_users(self, users):
        """Contacts changed in Odoo: these users' mailboxes need a run, soon."""
        users = users.sudo().filtered(
            lambda u: u.exchange_contacts_enabled and u.exchange_sync_enabled
        )
        if not users:
            return
        mailboxes = self.sudo().search([("user_id", "in", users.ids)])
        mailboxes.filtered(lambda m: not m.needs_sync).write({"needs_sync": True})
        self._trigger_cron(delay_seconds=5)
