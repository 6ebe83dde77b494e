"""What a genuine notification does to Odoo: mark the mailbox and wake a cron, nothing more.

Called by the public endpoints (controllers/notifications.py) once the URL's secret and the
notification itself were checked. It never waits on a lock: a mailbox is locked by its sync
run for as long as the run lasts, and Exchange wants its answer in seconds (Graph: 3 s), so
the mailbox row is taken ``SKIP LOCKED``. A burst of notifications becomes one run: only the
notification that marks the mailbox triggers the sync cron; later ones find it marked (the
run will list their changes too) or, while a run holds the mailbox, trigger one more run,
since the run under way may have listed the calendar before the change. That mark cannot go
on the locked mailbox row, so it goes on the subscription's (``run_asked``): a triggered pass
of the sync cron runs only the mailboxes marked one way or the other (see
calendar_exchange_realtime_hooks.py), not every mailbox of the database.
"""

import logging

from odoo import fields, models

_logger = logging.getLogger(__name__)
_REFUSED_LOGGED = set()  # (database, subscription) whose refused notifications were logged


class CalendarExchangeSubscription(models.Model):
    _inherit = "calendar.exchange.subscription"

    run_asked = fields.Boolean(
        string="Another Run Asked",
        readonly=True,
        copy=False,
        help="A change was notified while the mailbox was being synchronised: the sync cron "
        "runs it once more.",
    )

    def _request_run(self):
        """Mark the mailbox for a sync run and trigger the sync cron, without waiting."""
        self.ensure_one()
        cr = self.env.cr
        cr.execute(
            """SELECT needs_sync FROM calendar_exchange_mailbox
                WHERE id = %s AND active FOR NO KEY UPDATE SKIP LOCKED""",
            [self.mailbox_id.id],
        )
        row = cr.fetchone()
        if row is None:
            # Locked by a run (which may have read Exchange already): trigger one more. Switched
            # off or moved to another mailbox (issue 9): nothing is asked on the owner's behalf.
            cr.execute(
                "SELECT 1 FROM calendar_exchange_mailbox WHERE id = %s AND active",
                [self.mailbox_id.id],
            )
            if not cr.fetchone():
                return False
            # The mark the locked row cannot take (a plain UPDATE: the run never locks this row).
            self.flush_recordset(["run_asked"])
            cr.execute(
                "UPDATE calendar_exchange_subscription SET run_asked = TRUE WHERE id = %s",
                [self.id],
            )
            self.invalidate_recordset(["run_asked"])
        if row is not None and row[0]:
            return False  # already marked: the run asked for will see this change too
        if row is not None:
            cr.execute(
                "UPDATE calendar_exchange_mailbox SET needs_sync = TRUE WHERE id = %s",
                [self.mailbox_id.id],
            )
            self.mailbox_id.invalidate_recordset(["needs_sync"])
        cron = self.env.ref(
            "calendar_exchange_sync.ir_cron_exchange_sync", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()
        return True

    def _note_call(self, changed, watermark=None):
        """A genuine call from Exchange: when, and (for a change) a run of the mailbox."""
        self.ensure_one()
        now = fields.Datetime.now()
        values = {"last_call": now}
        if changed:
            values["last_change"] = now
        if watermark:
            values["watermark"] = watermark
        self.sudo().write(values)
        if changed and self.mailbox_id and not self.is_test:
            self._request_run()

    def _note_lifecycle(self, verdict):
        """Graph lifecycle events: renew or subscribe again, in the subscriptions cron."""
        self.ensure_one()
        action = "recreate" if verdict.recreate else "renew" if verdict.renew else False
        if action and not self.is_test:
            self.sudo().write({"action": action})
            self._trigger_realtime()

    def _log_refused(self, what):
        """Log refused notifications once per subscription and process: a flood of forged
        requests must not flood the log."""
        key = (self.env.cr.dbname, self.id)
        if key in _REFUSED_LOGGED:
            return
        if len(_REFUSED_LOGGED) > 10000:
            _REFUSED_LOGGED.clear()
        _REFUSED_LOGGED.add(key)
        _logger.warning(
            "Refused a notification for the real-time subscription %s (%s): %s. Later ones "
            "are refused without a log line.",
            self.id,
            self.email,
            what,
        )
