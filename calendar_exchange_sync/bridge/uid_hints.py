"""Passes the iCalendar UIDs of the Exchange items being imported on to the Odoo side.

When two synchronised users share a meeting, Exchange delivers its own copy of it to each
attendee's mailbox, with the meeting's UID. The Odoo side pairs such a copy with the event Odoo
already has instead of creating a second one; this wrapper around the Exchange side remembers
the UID of every item the engine reads, under the identities the engine gives new items.
"""


class UidRecordingSide:
    def __init__(self, side, hints):
        self._side = side
        self._hints = hints
        self.name = side.name
        self.batch_size = side.batch_size

    def fetch(self, ids):
        answer = self._side.fetch(ids)
        for id_, fetched in answer.items():
            if fetched.uid:
                self._hints["%s:%s" % (self.name, id_)] = fetched.uid
        return answer

    def __getattr__(self, name):
        return getattr(self._side, name)
