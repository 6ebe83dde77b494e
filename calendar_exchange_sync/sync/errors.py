"""The errors a synchronisation can meet, classified so the engine knows what to do with each.

Backends raise these (or return them inside an ``OpResult`` for one item of a batch); the engine
and the Odoo layer decide from the class alone whether to retry the item, postpone the whole
mailbox, rebaseline, or show the administrator a configuration problem. Messages are plain
sentences meant for an administrator reading the sync log; never put a secret in one.

Two families:

* ``mailbox_wide = True``: the whole mailbox (or connection) is affected; the engine stops the
  run for this mailbox and reports the error once (authentication, TLS, throttling, …).
* ``mailbox_wide = False``: one item is affected; the engine records it against that item and
  carries on with the others.

``retryable`` says whether the same request may succeed later without anybody changing
anything (a busy server) or needs a human (a wrong password).
"""


class SyncError(Exception):
    """Base class: something stopped part of a synchronisation."""

    mailbox_wide = False  # True: stop the run for this mailbox
    retryable = False  # True: trying again later may succeed on its own

    def __init__(self, message="", *, item=None, mailbox=None):
        super().__init__(message or self.__doc__.strip())
        self.message = message or self.__doc__.strip()
        self.item = item  # the id (either side) of the item concerned, when there is one
        self.mailbox = mailbox  # the mailbox address concerned, when known

    def __str__(self):
        return self.message


class TransientError(SyncError):
    """The server or the network failed for a moment; the next run will retry."""

    retryable = True


class ThrottledError(TransientError):
    """The server asked us to slow down; the mailbox is postponed, not failed."""

    mailbox_wide = True

    def __init__(self, message="", *, retry_after=None, item=None, mailbox=None):
        super().__init__(message, item=item, mailbox=mailbox)
        # Seconds the server asked us to wait (EWS BackOffMilliseconds / HTTP Retry-After).
        self.retry_after = float(retry_after) if retry_after is not None else None


class ConnectionFailed(TransientError):
    """The Exchange server could not be reached (refused, reset, timed out, unknown host)."""

    mailbox_wide = True


class PermanentError(SyncError):
    """The server refused this item for good (invalid value, too large, …); it is skipped."""


class ConfigurationError(SyncError):
    """The connection settings are wrong; an administrator has to fix them."""

    mailbox_wide = True


class TlsError(ConfigurationError):
    """The server's TLS certificate could not be verified (wrong CA, expired, wrong host name)."""


class AuthenticationError(ConfigurationError):
    """The server refused the credentials (wrong user name or password, or secret expired)."""


class ConsentRequired(AuthenticationError):
    """The Office 365 application has not been granted the permissions it needs (admin consent)."""


class ImpersonationDenied(ConfigurationError):
    """The service account may not act on behalf of this mailbox (impersonation refused)."""


class MailboxNotFound(ConfigurationError):
    """No mailbox exists for this address on the Exchange server."""


class StaleVersion(SyncError):
    """The item changed on the server since we read it (change key / etag mismatch).

    The engine reads it again and reconciles on the next pass; nothing is overwritten blindly.
    """

    retryable = True


class ItemNotFound(SyncError):
    """The item no longer exists on that side (deleted meanwhile)."""


class SyncStateInvalid(SyncError):
    """The incremental sync token is no longer accepted; a full listing with matching follows."""

    mailbox_wide = True
    retryable = True


class DeletionGuardTripped(SyncError):
    """A run would have deleted too much of one side, so it stopped without deleting anything."""

    mailbox_wide = True

    def __init__(self, side, would_delete, total, limit, *, mailbox=None):
        message = (
            "Synchronisation stopped: it would delete %d of the %d entries on the %s side "
            "(the limit is %d%%). Nothing was deleted. If this is intended, raise the limit "
            "or delete the entries by hand." % (would_delete, total, side, round(limit * 100))
        )
        super().__init__(message, mailbox=mailbox)
        self.side = side
        self.would_delete = would_delete
        self.total = total
        self.limit = limit


class MailboxNotInCloud(MailboxNotFound):
    """Exchange Online has the user but not (yet) the mailbox: it is still on premises
    (Graph's MailboxNotEnabledForRESTAPI during a hybrid migration)."""


class SignInRequired(AuthenticationError):
    """The user's own Microsoft sign-in (delegated access) is missing, revoked or expired: only
    the user can sign in again."""
