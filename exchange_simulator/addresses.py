"""The directory's view of addresses: primary SMTP address, aliases (proxy addresses), ANR.

A user has one primary SMTP address (``User.smtp``) and may have aliases (``User.aliases``):
mail sent to any of them reaches the same mailbox, but Exchange names the mailbox by its
primary address everywhere (ResolveNames answers it, Graph's ``mail`` is it, an item's
organizer is it). Entra lists all of them in ``proxyAddresses``, the primary one with the
upper-case prefix ``SMTP:``, the others with ``smtp:``.

Ambiguous name resolution (ANR, what EWS ResolveNames does with a bare string) matches the
start of the display name, of each of its words (given name, surname), of the mail nickname
and of every proxy address; ``smtp:address`` asks for that proxy address exactly.
"""

import uuid


def object_id(smtp):
    """The user's Entra object id (stable; the same formula as Graph's handlers use)."""
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, smtp.lower()))


def proxy_addresses(user):
    """Entra's ``proxyAddresses`` of a seed user: the primary first, as ``SMTP:``."""
    return ["SMTP:%s" % user.smtp] + ["smtp:%s" % alias for alias in user.aliases]


def addresses_of(user):
    """Every SMTP address of a user, lower-case, the primary first."""
    return [user.smtp.lower()] + [alias.lower() for alias in user.aliases]


def find_by_address(seed, address):
    """The seed user one of whose SMTP addresses is ``address`` (any case), or None."""
    wanted = (address or "").strip().lower()
    if wanted.startswith("smtp:"):
        wanted = wanted[len("smtp:") :]
    for user in seed.users:
        if wanted and wanted in addresses_of(user):
            return user
    return None


def anr(seed, text):
    """The seed users ResolveNames finds for ``text``, in seed order."""
    needle = (text or "").strip().lower()
    if not needle:
        return []
    if needle.startswith("smtp:"):
        user = find_by_address(seed, needle)
        return [user] if user is not None else []
    found = []
    for user in seed.users:
        names = [user.display_name.lower(), user.username.lower()]
        names += user.display_name.lower().split()
        names += addresses_of(user)
        if any(name.startswith(needle) for name in names):
            found.append(user)
    return found
