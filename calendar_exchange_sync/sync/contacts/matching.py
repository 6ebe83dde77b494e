"""What the engine needs to know of contacts that differs from calendar entries.

* Initial matching pairs a contact that exists on both sides instead of copying it: first by
  the e-mail address (the first one, which is Odoo's e-mail), then, for those still unpaired,
  by name and phone (the name ignoring case and spaces, a phone number ignoring everything but
  its digits). The engine pairs each entry once at most, so two Odoo contacts are never paired
  with one Exchange contact: the second is copied to Exchange as a contact of its own.
* Contacts have no sync window: none is ever "too old" to synchronise.
"""

import re

from ..engine import SyncOptions

_NOT_DIGIT = re.compile(r"\D")


def phone_key(number):
    """The digits of a phone number ("+46 (0)8-123 45" and "+46 0 8 12345" are one)."""
    return _NOT_DIGIT.sub("", number or "")


def match_keys(item):
    """The keys initial matching tries in turn (see the module docstring); None skips one."""
    email = ("email", item.email) if item.email else None
    name = item.name.casefold() if item.name else ""
    phones = [phone_key(item.business_phone), phone_key(item.mobile_phone)]
    phone = next((p for p in phones if p), "")
    by_name = ("name+phone", name, phone) if name and phone else None
    return [email, by_name]


def never_ends(item, moment):
    """The window test for contacts: a contact never ended."""
    return False


def contact_options(**settings):
    """``SyncOptions`` for a contacts run (the caller's settings on top)."""
    settings.setdefault("match_key", match_keys)
    settings.setdefault("ended_before", never_ends)
    return SyncOptions(**settings)
