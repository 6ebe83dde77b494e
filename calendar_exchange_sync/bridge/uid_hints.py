"""Passes what the Exchange items being imported say about themselves on to the Odoo side.

When two synchronised users share a meeting, Exchange delivers its own copy of it to each
attendee's mailbox, with the meeting's UID. The Odoo side pairs such a copy with the event Odoo
already has instead of creating a second one; this wrapper around the Exchange side remembers
the UID of every item the engine reads, under the identities the engine gives new items.

It also remembers what Exchange said of each item as a meeting (``MeetingState``: an
organizer's meeting Outlook sent), and which items are private, so that the log can name an
entry that failed to come in only to those who may see it (the item never became an Odoo
event to ask).
"""

from ..sync.engine import Unreadable


class UidRecordingSide:
    def __init__(self, side, hints, private=None, meetings=None):
        self._side = side
        self._hints = hints
        self._meetings = meetings if meetings is not None else {}
        self._private = private if private is not None else set()
        self.name = side.name
        self.batch_size = side.batch_size

    def fetch(self, ids):
        answer = self._side.fetch(ids)
        for id_, fetched in answer.items():
            if isinstance(fetched, Unreadable):
                continue
            key = "%s:%s" % (self.name, id_)
            if fetched.uid:
                self._hints[key] = fetched.uid
            if fetched.meeting is not None:
                self._meetings[key] = fetched.meeting
            if fetched.item.privacy == "private":
                self._private.update((key, id_))
        return answer

    def __getattr__(self, name):
        return getattr(self._side, name)
