"""Real time and the mailboxes: which ones a triggered sync pass takes, and the subscriptions
cron woken when a user's sync starts or stops.

A notification marks its mailbox and triggers the sync cron. Its scheduled pass (every few
minutes, the safety net) runs every mailbox; a pass that only a trigger started leaves out the
mailboxes Exchange tells Odoo about (an active subscription) unless something asked for them:
marked (``needs_sync``: a notification, an edit in Odoo, Sync now, a run with work left), never
run yet, or asked for while a run held them (the subscription's ``run_asked``: the locked
mailbox row cannot take the mark). Walking every mailbox of the database for each
notification would make one change wait for everybody's runs, and ask Exchange for every
calendar's changes each time somebody's changes. Mailboxes without real time are walked by
every pass, as before: nothing else would tell Odoo of their Exchange changes.

The sync switch lives on the user and the mailbox record follows it; either changing means a
subscription to make or to remove, which the subscriptions cron does (never this request).
"""

from odoo import api, models
from odoo.tools import SQL


class CalendarExchangeMailbox(models.Model):
    _inherit = "calendar.exchange.mailbox"

    def _due(self, now):
        mailboxes = super()._due(now)
        asked = self._take_run_asked(mailboxes)
        if not self._triggered_pass(now):
            return mailboxes
        told = self._told_by_exchange(mailboxes)
        return mailboxes.filtered(
            lambda m: m.id not in told or m.needs_sync or not m.last_run or m.id in asked
        )

    def _mark_needs_sync(self, mailboxes):
        """Mailboxes a run holds cannot be marked without waiting: their subscriptions are
        (without one, every pass takes the mailbox anyway)."""
        result = super()._mark_needs_sync(mailboxes)
        left = mailboxes.filtered(lambda m: not m.needs_sync)
        if left:
            self.env["calendar.exchange.subscription"].flush_model(["run_asked"])
            self.env.cr.execute(
                SQL(
                    "UPDATE calendar_exchange_subscription SET run_asked = TRUE"
                    " WHERE mailbox_id IN %s AND state = 'active' AND is_test IS NOT TRUE",
                    tuple(left.ids),
                )
            )
            self.env["calendar.exchange.subscription"].invalidate_model(["run_asked"])
        return result

    def _told_by_exchange(self, mailboxes):
        """The ids of ``mailboxes`` whose changes Exchange notifies (an active subscription)."""
        if not mailboxes:
            return set()
        self.env["calendar.exchange.subscription"].flush_model(["state", "is_test", "mailbox_id"])
        self.env.cr.execute(
            SQL(
                "SELECT mailbox_id FROM calendar_exchange_subscription"
                " WHERE mailbox_id IN %s AND state = 'active' AND is_test IS NOT TRUE",
                tuple(mailboxes.ids),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _triggered_pass(self, now):
        """Whether this is a pass of the sync cron that a trigger started, not its schedule
        (Odoo runs a cron early for a trigger and leaves its next call where it was)."""
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "calendar_exchange_sync.ir_cron_exchange_sync", raise_if_not_found=False
        )
        if not cron_id or self.env.context.get("cron_id") != cron_id:
            return False  # not the cron (tests, a shell): every due mailbox
        # One column, not the cron record (its server action and all) on every pass.
        self.env["ir.cron"].flush_model(["nextcall"])
        self.env.cr.execute(SQL("SELECT nextcall FROM ir_cron WHERE id = %s", cron_id))
        row = self.env.cr.fetchone()
        return bool(row and row[0] > now)

    def _take_run_asked(self, mailboxes):
        """The ids of ``mailboxes`` notified while a run held them, their marks taken off.
        Taken off only where the mailbox is free: one that another worker runs keeps its mark
        for the pass after."""
        if not mailboxes:
            return set()
        # Only the marked mailboxes' rows are locked (until the cron's next commit, at once).
        self.env["calendar.exchange.subscription"].flush_model(["run_asked"])
        self.env.cr.execute(
            SQL(
                """UPDATE calendar_exchange_subscription SET run_asked = FALSE
                    WHERE id IN (
                        SELECT s.id FROM calendar_exchange_subscription s
                          JOIN calendar_exchange_mailbox m ON m.id = s.mailbox_id
                         WHERE s.run_asked AND m.id IN %s
                           FOR NO KEY UPDATE OF m SKIP LOCKED)
                RETURNING mailbox_id""",
                tuple(mailboxes.ids),
            )
        )
        asked = {row[0] for row in self.env.cr.fetchall()}
        if asked:
            self.env["calendar.exchange.subscription"].invalidate_model(["run_asked"])
        return asked

    @api.model_create_multi
    def create(self, vals_list):
        mailboxes = super().create(vals_list)
        self.env["calendar.exchange.subscription"]._trigger_realtime()
        return mailboxes

    def write(self, vals):
        result = super().write(vals)
        # Not for an empty recordset: each sync pass writes its (mostly no) switched-off ones.
        if self and {"active", "email", "user_id"} & set(vals):
            self.env["calendar.exchange.subscription"]._trigger_realtime()
        return result


class ResUsers(models.Model):
    _inherit = "res.users"

    def write(self, vals):
        result = super().write(vals)
        if self and "exchange_sync_enabled" in vals:
            self.env["calendar.exchange.subscription"]._trigger_realtime()
        return result
