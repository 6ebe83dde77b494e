"""Which Exchange Online mailbox an address names, asked of Microsoft Graph before the first run.

An administrator may type any address of a user: the primary SMTP address, an alias (another
of the user's proxy addresses, perhaps in another mail domain) or a sign-in name (the UPN)
that is no mail address at all. Exchange names a mailbox by its primary address everywhere
(an item's organizer, an attendee), so the sync must know that one.

Graph's ``/users/{id | userPrincipalName}`` takes the object id or the UPN only; an alias is
found with ``$filter=proxyAddresses/any(x:x eq 'smtp:{address}')``. Both are directory calls
and need the application permission User.Read.All (or User.ReadBasic.All). Without it (403
Authorization_RequestDenied) the mailbox itself is asked: ``/users/{address}/calendar``
answers its owner's primary address for a primary address or UPN, though not for an alias.

* :func:`resolve` -> :class:`Resolved` (primary address, object id) or ``MailboxNotFound``;
* :func:`signed_in_user` -> the same for a delegated token (``/me``);
* :func:`in_cloud` -> whether Exchange Online holds the mailbox (False for one still on
  premises during a hybrid migration: MailboxNotEnabledForRESTAPI).
"""

import dataclasses
from urllib.parse import quote

from .. import errors

SELECT = "$select=id,mail,userPrincipalName"


@dataclasses.dataclass(frozen=True)
class Resolved:
    address: str  # the primary SMTP address, lower-case
    user_id: str = ""  # the Entra object id, when the directory answered


def _literal(text):
    return text.replace("'", "''")


def _unknown(address):
    return errors.MailboxNotFound(
        "Exchange Online knows no user with the address %s (neither as primary address, "
        "alias nor sign-in name)." % address,
        mailbox=address,
    )


def _from_user(body, address):
    mail = (body or {}).get("mail")
    if not mail:
        raise errors.MailboxNotFound(
            "The user %s has no mailbox in Exchange Online." % address, mailbox=address
        )
    return Resolved(mail.strip().lower(), (body or {}).get("id") or "")


def resolve(client, address):
    """The mailbox ``address`` names, in one ``$batch`` of two directory look-ups."""
    address = address.strip()
    query = "proxyAddresses/any(x:x eq 'smtp:%s')" % _literal(address)
    members = [
        {"method": "GET", "url": "/users?$filter=%s&%s" % (quote(query), SELECT)},
        {"method": "GET", "url": "/users/%s?%s" % (quote(address, safe="@"), SELECT)},
    ]
    (alias_status, _h, alias_body), (upn_status, _h2, upn_body) = client.batch(
        members, mailbox=address
    )
    if alias_status == 200 and (alias_body or {}).get("value"):
        return _from_user(alias_body["value"][0], address)
    if upn_status == 200:
        return _from_user(upn_body, address)
    if 403 in (alias_status, upn_status):
        return _from_calendar(client, address)
    if upn_status == 404 and alias_status in (200, 404):
        raise _unknown(address)
    failed = upn_body if upn_status >= 400 else alias_body
    raise client.error(upn_status if upn_status >= 400 else alias_status, failed, address)


def _from_calendar(client, address):
    """Without directory permissions: the owner of the calendar the address opens."""
    try:
        body = client.request(
            "GET", "/users/%s/calendar" % quote(address, safe="@"), mailbox=address
        )
    except errors.MailboxNotInCloud:
        raise
    except (errors.MailboxNotFound, errors.PermanentError):
        raise _unknown(address) from None
    owner = ((body or {}).get("owner") or {}).get("address") or address
    return Resolved(owner.strip().lower())


def signed_in_user(client):
    """The signed-in user of a delegated token and their primary address."""
    body = client.request("GET", "/me?%s" % SELECT)
    return _from_user(body, (body or {}).get("userPrincipalName") or "")


def in_cloud(client, address):
    """True when Exchange Online holds the mailbox, False while it is still on premises."""
    try:
        client.request(
            "GET", "/users/%s/calendar?$select=id" % quote(address, safe="@"), mailbox=address
        )
    except errors.MailboxNotInCloud:
        return False
    return True
