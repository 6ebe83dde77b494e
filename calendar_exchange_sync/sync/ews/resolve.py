"""Which on-premises mailbox an address names, asked of Exchange (EWS ResolveNames).

EWS impersonation names the mailbox by its primary SMTP address; an administrator may have
typed an alias (another proxy address, perhaps of another mail domain). ResolveNames, sent as
the delegate itself (no impersonation: it is a directory look-up), answers the primary
address of whoever owns an address. The entry is sent as ``smtp:address`` so that Exchange
matches that proxy address exactly instead of running ambiguous name resolution on it.

``resolve(settings, address)`` -> the primary address (lower-case), or ``MailboxNotFound``
when nobody has the address, or when several directory entries answer (a contact or a group
sharing it: the administrator must look).
"""

from exchangelib.errors import ErrorNameResolutionNoResults
from exchangelib.properties import Mailbox

from .. import errors
from .account import make_account
from .errors import mailbox_error


def resolve(settings, address):
    address = address.strip()
    account = make_account(settings, address)
    try:
        answers = account.protocol.resolve_names(["smtp:%s" % address])
    except Exception as exc:  # translated below into one sentence
        error = mailbox_error(exc, settings.endpoint, address)
        if error is None:
            raise
        raise error from None
    found = [a for a in answers if isinstance(a, Mailbox) and a.email_address]
    if not found or any(isinstance(a, ErrorNameResolutionNoResults) for a in answers):
        raise errors.MailboxNotFound(
            "Exchange knows no mailbox with the address %s." % address, mailbox=address
        )
    primaries = {m.email_address.strip().lower() for m in found}
    if len(primaries) > 1:
        raise errors.MailboxNotFound(
            "Several directory entries answer to %s (%s): Exchange cannot tell which mailbox "
            "it is." % (address, ", ".join(sorted(primaries))),
            mailbox=address,
        )
    return primaries.pop()
