"""Contacts, the engine's second item kind: the value object and what the engine needs of it.

``items`` holds ``ContactItem`` (normalised, comparable, hashable, like ``CalendarItem``) and the
name rules of Outlook; ``matching`` the item-kind hooks of the engine (initial matching by
e-mail then name and phone, no window). The Exchange backends for contacts are
``sync.ews.contacts`` and ``sync.graph.contacts``.
"""

from .items import Address, ContactItem, file_as, join_name, split_name
from .matching import contact_options, match_keys

__all__ = [
    "Address",
    "ContactItem",
    "contact_options",
    "file_as",
    "join_name",
    "match_keys",
    "split_name",
]
