"""exchangelib / requests exceptions -> ``sync.errors`` classes with plain sentences.

Never put the password in a message: exchangelib messages can quote request details, so the
sentences here are our own and only name the endpoint, the account and the mailbox.
"""

import requests
from exchangelib import errors as ews

from .. import errors

TLS_WORDS = ("CERTIFICATE_VERIFY_FAILED", "SSLError", "certificate verify failed", "SSL:")


def _is_tls(exc):
    text = "%s %r" % (exc, exc)
    return isinstance(exc, requests.exceptions.SSLError) or any(w in text for w in TLS_WORDS)


def _connection_error(exc, endpoint, mailbox, timeout):
    """What went wrong with the connection, in the words that fit: exchangelib reports a
    refused connection, a reset and a time-out alike (ErrorTimeoutExpired under FailFast),
    with the requests exception it caught as the context."""
    cause = exc.__context__ if isinstance(exc, ews.ErrorTimeoutExpired) else exc
    text = "%r %s" % (cause, cause)
    if isinstance(cause, requests.exceptions.ConnectTimeout) or "NewConnectionError" in text:
        return errors.ConnectionFailed(
            "The Exchange server at %s could not be reached (connection refused or no route)."
            % endpoint,
            mailbox=mailbox,
        )
    if isinstance(cause, (requests.exceptions.Timeout, TimeoutError)) or "Read timed out" in text:
        return errors.ServerTimeout(
            "The Exchange server at %s did not answer within %s seconds; the mailbox is "
            "synchronised later." % (endpoint, _seconds(timeout)),
            mailbox=mailbox,
        )
    # Sent, and the connection dropped before the answer: a write may have been carried out,
    # which the next run finds by the identity every created item carries.
    return errors.ConnectionFailed(
        "The Exchange server at %s dropped the connection before answering; the next run "
        "checks what was done." % endpoint,
        mailbox=mailbox,
    )


def _seconds(timeout):
    return "%g" % timeout if timeout else "the allowed"


def mailbox_error(exc, endpoint="", mailbox="", timeout=None):
    """The ``SyncError`` for an exception that stops work on the whole mailbox, or None."""
    if isinstance(exc, errors.SyncError):
        return exc
    if _is_tls(exc):
        return errors.TlsError(
            "The certificate of %s could not be verified; install the company CA file in "
            "Settings or fix the server certificate." % endpoint,
            mailbox=mailbox,
        )
    if isinstance(exc, ews.ErrorTimeoutExpired):
        return _connection_error(exc, endpoint, mailbox, timeout)
    if isinstance(exc, ews.ErrorServerBusy):
        seconds = exc.back_off if exc.back_off is not None else 60
        return errors.ThrottledError(
            "The Exchange server is busy and asked us to wait %d seconds; the mailbox will be "
            "synchronised later." % round(seconds),
            retry_after=seconds,
            mailbox=mailbox,
        )
    if isinstance(exc, ews.UnauthorizedError):
        return errors.AuthenticationError(
            "The Exchange server refused the delegate account's user name or password.",
            mailbox=mailbox,
        )
    if isinstance(exc, ews.ErrorImpersonateUserDenied):
        return errors.ImpersonationDenied(
            "The delegate account may not act on behalf of %s: give it the "
            "ApplicationImpersonation role for that mailbox." % mailbox,
            mailbox=mailbox,
        )
    if isinstance(exc, (ews.ErrorNonExistentMailbox, ews.ErrorMailRecipientNotFound)):
        return errors.MailboxNotFound(
            "Exchange has no mailbox for %s; check the user's e-mail address." % mailbox,
            mailbox=mailbox,
        )
    if isinstance(exc, ews.ErrorInvalidServerVersion):
        return errors.ConfigurationError(
            "The Exchange version chosen in Settings is newer than the server; choose the "
            "server's own version.",
            mailbox=mailbox,
        )
    if isinstance(exc, ews.ErrorInvalidSyncStateData):
        return errors.SyncStateInvalid(
            "Exchange no longer accepts the stored synchronisation state; the calendar will be "
            "read again in full and matched.",
            mailbox=mailbox,
        )
    if isinstance(exc, ews.RedirectError):
        return errors.ConfigurationError(
            "The EWS URL %s redirects elsewhere; enter the final URL." % endpoint, mailbox=mailbox
        )
    if isinstance(exc, ews.ResponseMessageError):
        # Exchange understood the request and refused it as a whole (not an outage).
        return ServerRefused(
            "Exchange refused the request (%s): %s" % (type(exc).__name__, _first_line(exc)),
            mailbox=mailbox,
        )
    if isinstance(exc, (ews.TransportError, requests.exceptions.RequestException, OSError)):
        status = _http_status(exc)
        if status:
            return errors.ConnectionFailed(
                "The Exchange server at %s answered with an HTTP %s error; it will be tried "
                "again later." % (endpoint, status),
                mailbox=mailbox,
            )
        return _connection_error(exc, endpoint, mailbox, timeout)
    if isinstance(exc, (ews.ErrorInternalServerError, ews.ErrorInternalServerTransientError)):
        return errors.ConnectionFailed(
            "The Exchange server at %s reported an internal error; it will be tried again later."
            % endpoint,
            mailbox=mailbox,
        )
    return None


class ServerRefused(errors.TransientError):
    """Exchange refused a whole request for a reason of its own; the next run tries again."""

    mailbox_wide = True


def _first_line(exc):
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _http_status(exc):
    text = str(exc)
    for code in ("500", "502", "503", "504"):
        if code in text:
            return code
    return None


def item_error(exc, item_id=None, mailbox=""):
    """The per-item ``SyncError`` for an exception exchangelib returned for one batch item."""
    if isinstance(exc, errors.SyncError):
        return exc
    if isinstance(
        exc, (ews.ErrorItemNotFound, ews.ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange)
    ):
        return errors.ItemNotFound(
            "The entry no longer exists in Exchange.", item=item_id, mailbox=mailbox
        )
    if isinstance(
        exc, (ews.ErrorIrresolvableConflict, ews.ErrorChangeKeyRequiredForWriteOperations)
    ):
        return errors.StaleVersion(
            "The entry was changed in Exchange meanwhile; it will be compared again.",
            item=item_id,
            mailbox=mailbox,
        )
    if isinstance(exc, ValueError):
        return errors.PermanentError(str(exc), item=item_id, mailbox=mailbox)
    return errors.PermanentError(
        "Exchange refused the entry: %s" % (getattr(exc, "args", [exc])[0] or type(exc).__name__),
        item=item_id,
        mailbox=mailbox,
    )


def gone():
    """The exchangelib error meaning "this item does not exist" (to translate uniformly)."""
    return ews.ErrorItemNotFound("The entry no longer exists.")


def stale():
    return ews.ErrorIrresolvableConflict("The entry changed meanwhile.")
