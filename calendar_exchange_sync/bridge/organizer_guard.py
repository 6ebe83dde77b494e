"""The last check before anything is created in a mailbox: never a meeting in the owner's name
unless the owner organises it.

Exchange makes the mailbox's owner the organizer of every item created in it, and on Office 365
an item created with attendees invites them at once. The Odoo side already gives attendees only
to the owner's own meetings (``ownership``); this wrapper holds the rule for every create the
engine sends, whatever led to it (an entry re-created after a deletion in Outlook, a received
meeting copy that must be written again): an item that names another organizer is created as a
plain entry of the owner's, without attendees, so that no invitation ever leaves in their name.
"""

import dataclasses

from ..sync.items import Occurrence
from .addresses import normalize


class OrganizerGuardSide:
    def __init__(self, side, mailbox):
        self._side = side
        self._mailbox = normalize(mailbox)
        self.name = side.name
        self.batch_size = side.batch_size

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, batch, **options):
        safe = [(identity, self.safe(item)) for identity, item in batch]
        return self._side.create(safe, **options)

    def safe(self, item):
        """``item`` as the owner's own plain entry when it names another organizer."""
        if normalize(item.organizer) == self._mailbox:
            return item
        plain = {"organizer": self._mailbox, "attendees": ()}
        rule = item.recurrence
        if rule is not None and rule.exceptions:
            exceptions = tuple(
                Occurrence(o.original_start, o.item.replace(**plain)) for o in rule.exceptions
            )
            plain["recurrence"] = dataclasses.replace(rule, exceptions=exceptions)
        return item.replace(**plain)

    def __getattr__(self, name):
        return getattr(self._side, name)
