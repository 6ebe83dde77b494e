"""What one run needs to know of its mailbox, read in the query that locks it.

The cron passes every few minutes over every mailbox, and most passes find nothing to do: such
a pass must cost a handful of queries. So the lock query also returns the mailbox's tokens,
its user's ids and whether there is anything to look at (deletions held back, unsettled
bindings, meetings to pair), and the company's settings are read once per cron pass
(``CompanySettings``), not once per mailbox.
"""

import dataclasses
from datetime import datetime

from .meeting_pairing import CONVERGE_QUERY

# Whether there is anything to look at, asked here rather than by a query each later: deletions
# held back, bindings left unsettled (the partial index of unsettled bindings answers), and
# entries to move onto the meetings they are copies of (``meeting_pairing.converge``). Bindings
# whose entry is gone (orphans) are found by the Odoo listing, among the entries that left the
# calendar: asked here, it cost a look-up per binding of the mailbox on every pass.
LOCK_QUERY = """
    SELECT m.id, m.email, m.local_token, m.remote_token, m.needs_sync, m.next_attempt,
           m.last_error, m.notify_user, u.id, u.partner_id, u.company_id,
           u.exchange_mailbox, u.exchange_sync_enabled, u.share, u.active,
           m.resolved_email, m.resolved_from, m.remote_kind, u.exchange_contacts_enabled,
           EXISTS (SELECT 1 FROM calendar_exchange_held_deletion h WHERE h.mailbox_id = m.id),
           EXISTS (SELECT 1 FROM calendar_exchange_binding b
                    WHERE b.mailbox_id = m.id
                      AND (b.recheck OR b.local_id IS NULL OR b.remote_id IS NULL)),
           EXISTS (%s)
      FROM calendar_exchange_mailbox m
      JOIN res_users u ON u.id = m.user_id
     WHERE m.id = %%s AND m.active
       FOR NO KEY UPDATE OF m SKIP LOCKED
""" % CONVERGE_QUERY.replace("%(user)s", "u.id").replace("%(partner)s", "u.partner_id")


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
    # The address Exchange gave for the user's mailbox, and the one it was asked for (tenancy).
    resolved_email: str | None = None
    resolved_from: str | None = None
    remote_kind: str | None = None  # the protocol of the ids the mailbox holds (migration)
    user_contacts: bool = False  # the user synchronises their contacts too
    # Deletions held back by an earlier run wait for a decision: without any, a run needs not
    # read that list (see ``held_deletions``).
    has_held: bool = True
    # Bindings left unsettled (a create not finished, a pair to read again): without any, and
    # until the run saves some, the binding store needs not ask for them.
    has_unsettled: bool = True
    # Entries to move onto meetings (``meeting_pairing.converge``).
    needs_converge: bool = True

    @classmethod
    def lock(cls, env, mailbox_id):
        """The mailbox's state with its row locked, or None when another worker holds it."""
        env.flush_all()  # events and bindings too: the flags are read from them
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
    # How Office 365 mailboxes are reached (see ``tenancy``): app or sign-in, the on-premises
    # version of a hybrid company, and whether it is one.
    access_mode: str | None = None
    onprem_version: str | None = None
    hybrid: bool = False

    @classmethod
    # A Side's read, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def read(cls, company):
        from .backends import connection_settings
        from .tenancy import _hybrid

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
            access_mode=company.exchange_access_mode,
            onprem_version=company.exchange_onprem_version,
            hybrid=_hybrid(company),
        )
