"""The simulator's request journal: one entry per HTTP request, for tests to assert on.

The dispatcher opens an entry for each request; the protocol front end fills in what only it
knows (the operation, the mailbox, Exchange's response code) through ``environ["simulator.entry"]``.
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


class Journal:
    """Thread-safe list of :class:`Entry`, newest last."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []

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

    def __len__(self):
        with self._lock:
            return len(self._entries)
