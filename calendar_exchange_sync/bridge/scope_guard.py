"""A mailbox the sync account may not reach gets its own status; the others go on.

Exchange administrators limit what the sync may open: on premises, the delegate's
ApplicationImpersonation role assigned with a management scope (EWS answers
ErrorImpersonateUserDenied for a mailbox outside it); in Office 365, an application access
policy or RBAC for Applications (Graph answers 403 ErrorAccessDenied). The backends raise
``ImpersonationDenied`` for all of them; this wrapper turns it, whenever the engine meets it,
into the mailbox's status ``scope`` with a sentence that says who can change it, and the cron
leaves that mailbox alone for a while (``calendar.exchange.mailbox._due``).
"""

from ..sync import errors


class AccessProblem(errors.ConfigurationError):
    """The mailbox cannot be used as it is set up; its status says why (``kind``)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def out_of_scope(mailbox, address, error):
    """Record the refusal on ``mailbox`` and answer the ``AccessProblem`` to raise."""
    message = mailbox.env._(
        "The Exchange administrator has not let the sync account reach the mailbox "
        "%(address)s: add it to the sync account's management scope (Exchange Server) or to "
        "the application's access policy or RBAC scope (Office 365). Exchange said: %(reason)s",
        address=address,
        reason=error,
    )
    mailbox._exchange_set_problem("scope", message)
    return AccessProblem("scope", message)


class ScopeGuardSide:
    """Wraps an Exchange side; any call refused for scope becomes the mailbox's status."""

    def __init__(self, side, mailbox):
        self._side = side
        self._mailbox = mailbox
        self.name = side.name
        self.batch_size = side.batch_size

    def __getattr__(self, name):
        attribute = getattr(self._side, name)
        if not callable(attribute):
            return attribute

        def guarded(*args, **kwargs):
            try:
                return attribute(*args, **kwargs)
            except errors.ImpersonationDenied as error:
                if isinstance(error, AccessProblem):
                    raise
                raise out_of_scope(self._mailbox, self._side.mailbox, error) from None

        return guarded
