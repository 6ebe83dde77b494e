"""The simulator's request journal: one entry per HTTP request, for tests to assert on.

The dispatcher opens an entry for each request; the protocol front end fills in what only it
knows (the operation, the mailbox, Exchange's response code) through ``environ["simulator.entry"]``.

Besides requests, the journal keeps the mail the server sent: one :class:`Mail` per recipient
per meeting message (request, update, response, cancellation), whether the recipient has a
mailbox here (``external=False``: the message is also in that Inbox) or not (an outside
address: the journal is the only trace). ``journal.mail(recipient=..., item_class=...)``
lets a test count the invitations each attendee received.
"""

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone


@dataclass
class Entry:
    time: datetime
    method: str
    path: str
    protocol: str = ""  # "ews", "graph", "login" ... (the mount's name)
    operation: str = ""  # EWS: "SyncFolderItems"; Graph: e.g. "GET /users/{id}/events"
    mailbox: str = ""
    user: str = ""  # the authenticated account (never its password)
    status: int = 0
    seconds: float = 0.0
    # Exchange response codes (EWS ResponseCode / Graph error code) other than success.
    errors: list = field(default_factory=list)
    fault: str = ""  # the kind of injected fault, when one was applied
    # How many items the request carried (CreateItem with 50 items → 50), when it matters.
    items: int = 0


@dataclass
class Mail:
    """One message delivered (or sent outside) to one recipient."""

    time: datetime
    sender: str
    recipient: str
    item_class: str  # IPM.Schedule.Meeting.Request, .Canceled, .Resp.Pos ...
    subject: str
    uid: str
    external: bool  # no mailbox on this server: sent out, not delivered here
    request_type: str = ""  # NewMeetingRequest / FullUpdate / InformationalUpdate (requests)


class Journal:
    """Thread-safe list of :class:`Entry`, newest last, and of the :class:`Mail` sent."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []
        self._mail = []

    def record_mail(self, mail):
        with self._lock:
            self._mail.append(mail)

    def mail(self, recipient=None, item_class=None, uid=None, sender=None):
        """The mail sent, oldest first, filtered (addresses case-insensitively)."""
        with self._lock:
            found = list(self._mail)
        return [
            m
            for m in found
            if (recipient is None or m.recipient.lower() == recipient.lower())
            and (sender is None or m.sender.lower() == sender.lower())
            and (item_class is None or m.item_class == item_class)
            and (uid is None or m.uid == uid)
        ]

    def open(self, method, path):
        entry = Entry(time=datetime.now(timezone.utc), method=method, path=path)
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self, protocol=None, operation=None, mailbox=None):
        with self._lock:
            found = list(self._entries)
        return [
            e
            for e in found
            if (protocol is None or e.protocol == protocol)
            and (operation is None or e.operation == operation)
            and (mailbox is None or e.mailbox.lower() == mailbox.lower())
        ]

    def count(self, protocol=None, operation=None, mailbox=None):
        return len(self.entries(protocol, operation, mailbox))

    def operations(self, protocol=None):
        """Operation names in order: handy for ``assert journal.operations() == [...]``."""
        return [e.operation for e in self.entries(protocol)]

    def errors(self, protocol=None):
        """Every (operation, code) that was not a success."""
        return [(e.operation, code) for e in self.entries(protocol) for code in e.errors]

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._mail.clear()

    def __len__(self):
        with self._lock:
            return len(self._entries)
