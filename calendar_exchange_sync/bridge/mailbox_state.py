"""What one run needs to know of its mailbox, read in the query that locks it.

The cron passes every few minutes over every mailbox, and most passes find nothing to do: such
a pass must cost a handful of queries. So the lock query also returns the mailbox's tokens and
its user's ids, and the company's settings are read once per cron pass (``CompanySettings``),
not once per mailbox.
"""

import dataclasses
from datetime import datetime

LOCK_QUERY = """
    SELECT m.id, m.email, m.local_token, m.remote_token, m.needs_sync, m.next_attempt,
           m.last_error, m.notify_user, u.id, u.partner_id, u.company_id,
           u.exchange_mailbox, u.exchange_sync_enabled, u.share, u.active
      FROM calendar_exchange_mailbox m
      JOIN res_users u ON u.id = m.user_id
     WHERE m.id = %s AND m.active
       FOR NO KEY UPDATE OF m SKIP LOCKED
"""


@dataclasses.dataclass
class MailboxState:
    id: int
    email: str
    local_token: str | None
    remote_token: str | None
    needs_sync: bool
    next_attempt: datetime | None
    last_error: str | None
    notify_user: bool
    user_id: int
    partner_id: int
    company_id: int
    # The user as the run starts: the run checks it may act for them on that mailbox.
    user_mailbox: str | None
    user_sync: bool
    user_share: bool
    user_active: bool

    @classmethod
    def lock(cls, env, mailbox_id):
        """The mailbox's state with its row locked, or None when another worker holds it."""
        env["calendar.exchange.mailbox"].flush_model()
        env["res.users"].flush_model(
            ["partner_id", "company_id", "exchange_mailbox", "exchange_sync_enabled", "share"]
        )
        env.cr.execute(LOCK_QUERY, [mailbox_id])
        row = env.cr.fetchone()
        return cls(*row) if row else None


@dataclasses.dataclass(frozen=True)
class CompanySettings:
    """A company's Exchange settings, read once for all the mailboxes of a cron pass."""

    id: int
    connection: dict = dataclasses.field(repr=False)  # see backends.connection_settings
    policy: str = "newest"
    clock_skew: float = 0.0
    window_days: int = 30
    deletion_limit: float = 0.5  # the deletion guard's share (Settings give a percentage)
    deletion_min: int = 5
    send_invitations: bool = False  # Exchange sends meeting mail (and answers reach organizers)

    @classmethod
    # A Side's read, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def read(cls, company):
        from .backends import connection_settings

        company = company.sudo()
        return cls(
            id=company.id,
            connection=connection_settings(company),
            policy=company.exchange_conflict_policy or "newest",
            clock_skew=company.exchange_clock_skew or 0.0,
            window_days=company.exchange_window_days,
            deletion_limit=(company.exchange_deletion_limit or 0) / 100.0,
            deletion_min=company.exchange_deletion_min,
            send_invitations=bool(company.exchange_send_invitations),
        )
