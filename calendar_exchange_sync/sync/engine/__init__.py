"""The reconciliation engine: one run of one mailbox, Odoo ("local") against Exchange ("remote").

``sides`` is the small interface both sides and the status store implement; ``run`` holds
``Engine`` and the run itself, which uses ``decisions`` and ``merge`` (what to do with a pair),
``matching`` (pairing entries found on both sides), ``copies`` (an extra copy of an entry is
removed, never imported), ``guard`` (never delete too much: deletions held back) and
``apply`` (carrying the plans out in batches, keeping the status truthful); ``collector``
pauses Python's garbage collector while a run works. Callers outside the engine import the
names below from here.
"""

from .options import SyncOptions
from .run import Engine
from .sides import (
    ChangeSet,
    Fetched,
    IndexedStatusStore,
    MeetingState,
    OpResult,
    Remote,
    Side,
    StatusRow,
    StatusStore,
    Unreadable,
    Window,
)

__all__ = [
    "ChangeSet",
    "Engine",
    "Fetched",
    "IndexedStatusStore",
    "MeetingState",
    "OpResult",
    "Remote",
    "Side",
    "StatusRow",
    "StatusStore",
    "SyncOptions",
    "Unreadable",
    "Window",
]
