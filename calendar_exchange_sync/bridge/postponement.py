"""A mailbox the server asked us to leave alone for a while: postponed at once, never slept on.

Throttling (EWS ErrorServerBusy with BackOffMilliseconds, Graph 429/503 with Retry-After) and a
server that did not answer in time postpone the mailbox: the worker moves on to the next one,
and the mailbox is not taken again before the server's wait (or ours, for a time-out) is over.
A throttling storm is one line in the sync log per mailbox, counting its postponed runs, not
one line per attempt.
"""

from datetime import timedelta

from ..sync.errors import ServerTimeout, ThrottledError

# A server that took the request and did not answer within the time-out is not helped by
# asking again at once; five minutes is one regular cron interval.
TIMEOUT_WAIT = 300
# Retry-After may be missing or 0: never come back sooner than this.
MIN_WAIT = 1


class Postponement:
    """The postponement ``error`` asks for ``mailbox`` (a sudo record), if any."""

    def __init__(self, mailbox, error):
        self.mailbox = mailbox
        self.error = error

    @staticmethod
    def applies(error):
        return isinstance(error, (ThrottledError, ServerTimeout))

    @staticmethod
    def wait(error):
        """Seconds to leave the mailbox alone."""
        if isinstance(error, ThrottledError):
            return max(error.retry_after or 0, MIN_WAIT)
        return TIMEOUT_WAIT

    def until(self, now):
        return now + timedelta(seconds=self.wait(self.error))

    def _last_log(self):
        return (
            self.mailbox.env["calendar.exchange.log"]
            .sudo()
            .search([("mailbox_id", "=", self.mailbox.id)], order="id desc", limit=1)
        )

    def repeats(self):
        """True when this postponement continues the last one (same storm: the mailbox's last
        log line is a postponement and no run succeeded since)."""
        if not self.applies(self.error):
            return False
        log = self._last_log()
        if log.state != "postponed":
            return False
        success = self.mailbox.last_success
        return not success or success <= log.started

    def note_again(self, duration):
        """Count one more postponed run on the storm's log line, with the latest message."""
        log = self._last_log()
        log.write(
            {
                "attempts": log.attempts + 1,
                "message": str(self.error),
                "duration": log.duration + duration,
            }
        )
        return log
