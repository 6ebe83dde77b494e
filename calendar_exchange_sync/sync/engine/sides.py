"""The small interface the engine talks to: two ``Side``s (Odoo, and one Exchange mailbox through
EWS or Graph) and a ``StatusStore`` that remembers what both sides last agreed on.

A side only knows its own items. It answers in ids and versions, never raises for one bad item
of a batch (it returns an ``OpResult`` carrying a ``sync.errors`` instance instead, and answers
an item it cannot read with ``Unreadable``), and raises a ``mailbox_wide`` error
(authentication, TLS, throttling, ``SyncStateInvalid`` …) when nothing can go on. The engine
never knows which kind of Exchange it talks to.

Vocabulary:

* id — the item's id on that side (Odoo: the event or recurrence id; EWS: ItemId; Graph: id).
  Opaque strings; a series is one item (its master).
* version — changes whenever the item changes on that side (Odoo: write_date; EWS: ChangeKey;
  Graph: @odata.etag). Opaque strings compared for equality only.
* identity — a stable key given to ``create()``, stored with the created item (for Exchange: a
  named extended property) and returned by ``fetch()`` and ``find_by_identity()``, so that a
  create whose answer was lost is found again instead of being repeated. For items born in Odoo
  it is the Odoo identity (e.g. ``"calendar.event,42"``); the engine picks it, sides store it.
"""

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from ..errors import SyncError
from ..items import CalendarItem

# The engine's two roles: Odoo is "local", the Exchange mailbox "remote".
ROLES = ("local", "remote")
_KEEP = object()  # StatusRow.set_on: leave this value as it is


def other(role):
    return "remote" if role == "local" else "local"


@dataclasses.dataclass(frozen=True, slots=True)
class Remote:
    """Where an item lives on one side and which version of it we know."""

    id: str
    version: str
    uid: str | None = None  # optional: the iCalendar UID the side gave an item it created


@dataclasses.dataclass(frozen=True, slots=True)
class MeetingState:
    """Optional, beside a fetched meeting: what Exchange says about it as a meeting.

    * ``sent``: the organizer's item was sent to its attendees (Exchange delivered their
      copies and keeps them up to date with what the organizer sends);
    * ``cancelled``: a copy whose organizer cancelled the meeting.
    """

    sent: bool = False
    cancelled: bool = False


@dataclasses.dataclass(frozen=True)
class Window:
    """The time range a side lists: entries ending before ``start`` are left out.

    ``end`` None means no upper bound. A side MAY list more than the window (the engine filters
    again), but must not leave out a recurring series that has occurrences inside it.
    """

    start: datetime
    end: datetime | None = None


@dataclasses.dataclass
class ChangeSet:
    """What ``Side.list_changes`` answers.

    * ``changed``: id -> current version, for items created or modified since the token (for a
      complete listing: every item in the window).
    * ``removed``: ids deleted since the token (empty for a complete listing).
    * ``token``: the token to pass next time (EWS SyncState, Graph deltaLink, Odoo cursor);
      the engine stores it only after it has dealt with the changes.
    * ``complete``: True when this is a full baseline (no token was given, or the side had to
      start over). The engine then treats every known id missing from ``changed`` as deleted and
      runs initial matching for the items it has never seen.
    """

    changed: dict[str, str] = dataclasses.field(default_factory=dict)
    removed: set[str] = dataclasses.field(default_factory=set)
    token: str | None = None
    complete: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Fetched:
    """One item as read from a side by ``Side.fetch``."""

    version: str
    item: CalendarItem
    identity: str | None = None  # the identity it was created with through create(), if any
    uid: str | None = None  # iCalendar UID, when the side has one
    last_modified: datetime | None = None  # aware, UTC, by that side's own clock
    meeting: MeetingState | None = None  # optional (Exchange sides, for meetings)


@dataclasses.dataclass(frozen=True, slots=True)
class Unreadable:
    """What ``Side.fetch`` answers for an item that exists but that the product cannot take
    (an end before its start, a value it cannot parse …): an error of that item alone. The
    engine logs it and leaves the item and its pair as they are; it is read again when it
    changes."""

    error: SyncError
    subject: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class OpResult:
    """The outcome of one create/update/delete of a batch, in the batch's order."""

    ok: bool
    remote: Remote | None = None  # id and new version after create/update (None for delete)
    error: SyncError | None = None

    @classmethod
    def success(cls, remote=None):
        return cls(True, remote, None)

    @classmethod
    def failure(cls, error):
        return cls(False, None, error)


@runtime_checkable
class Side(Protocol):
    """One side of a synchronisation (Odoo, or one Exchange mailbox)."""

    name: str  # "odoo" or "exchange": how messages name it, the prefix of fallback identities
    batch_size: int  # how many items one fetch/create/update/delete call takes at most
    # Optional, False when absent: an incremental listing names every item of the side that
    # was deleted since its token, also one created after the token (the Odoo side, which
    # lists what its bindings name and the calendar no longer holds). Exchange's deltas do
    # not; see ``Applier.release`` for what it spares.
    lists_every_removal: bool
    # Optional, False when absent: the side writes in the status store's transaction (the Odoo
    # side, in the Odoo store's), so a crash undoes its writes and the rows saved with them
    # alike; a create on it is then not announced (see ``apply``).
    writes_with_status: bool

    def list_changes(self, token: str | None, window: Window) -> ChangeSet:
        """Changes since ``token`` (None: everything in the window, ``complete=True``).

        Raises ``SyncStateInvalid`` when the token is no longer accepted; the engine then asks
        again with ``token=None``.
        """

    def fetch(self, ids: Sequence[str]) -> dict[str, Fetched | Unreadable]:
        """The current content of these items; an id missing from the answer no longer exists.
        An item that exists but cannot be read is answered as ``Unreadable``."""

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, batch: Sequence[tuple[str, CalendarItem]]) -> list[OpResult]:
        """Create ``(identity, item)`` pairs; each result carries the new ``Remote``."""

    def update(self, batch: Sequence[tuple[str, str, CalendarItem]]) -> list[OpResult]:
        """Overwrite ``(id, version, item)``; a version that is no longer current must fail
        with ``StaleVersion`` (never overwrite a change we have not seen), a vanished item
        with ``ItemNotFound``."""

    def delete(self, batch: Sequence[tuple[str, str]]) -> list[OpResult]:
        """Delete ``(id, version)``; an item already gone fails with ``ItemNotFound``."""

    def find_by_identity(self, identities: Iterable[str]) -> dict[str, Remote]:
        """Items created earlier with these identities (to recognise a create whose answer was
        lost); identities with no item are absent from the answer."""


@dataclasses.dataclass(slots=True)
class StatusRow:
    """What both sides last agreed on for one pair of items (one row per identity).

    A row with only one of ``local_id`` / ``remote_id`` is pending: a create towards the other
    side was decided and may or may not have happened; the engine finishes it through
    ``find_by_identity`` before creating anything.
    """

    identity: str
    local_id: str | None = None
    remote_id: str | None = None
    local_version: str | None = None
    remote_version: str | None = None
    item_hash: str | None = None  # CalendarItem.content_hash() of the agreed content
    field_hashes: dict[str, str] = dataclasses.field(default_factory=dict)  # .field_hashes()
    # The agreed activity type itself: Exchange entries made in Outlook carry none, and then
    # keep this one (a hash could not say which it was).
    activity_type: str | None = None
    local_modified: datetime | None = None  # last-modified on each side when last agreed (UTC)
    remote_modified: datetime | None = None
    uid: str | None = None  # iCalendar UID, when known
    # Read both sides again next run: an operation on this pair failed, or the pair was just
    # created (a delta token taken before a create may never report the entry's deletion).
    recheck: bool = False
    # When ``recheck`` only verifies a create, the side that was created ("local"/"remote"):
    # the other side need not be read. Optional for stores: None means "read both".
    verify_side: str | None = None

    @property
    def pending(self):
        return self.local_id is None or self.remote_id is None

    def agree(self, item):
        """Record ``item`` as the content both sides now hold."""
        self.item_hash = item.content_hash()
        self.field_hashes = item.field_hashes()
        self.activity_type = item.activity_type

    # Role accessors: the engine handles both sides alike, by role ("local" or "remote").

    def id_on(self, role):
        return self.local_id if role == "local" else self.remote_id

    def version_on(self, role):
        return self.local_version if role == "local" else self.remote_version

    def set_on(self, role, *, item_id=_KEEP, version=_KEEP, modified=_KEEP):
        """Set the id, version and/or last-modified recorded for one side."""
        # Spelled out per role: an initial pairing calls this four times per pair.
        if role == "local":
            if item_id is not _KEEP:
                self.local_id = item_id
            if version is not _KEEP:
                self.local_version = version
            if modified is not _KEEP:
                self.local_modified = modified
        else:
            if item_id is not _KEEP:
                self.remote_id = item_id
            if version is not _KEEP:
                self.remote_version = version
            if modified is not _KEEP:
                self.remote_modified = modified


class StatusStore(Protocol):
    """Durable memory of one mailbox's synchronisation (the Odoo layer: binding records).

    A store whose saves only last if the whole run commits (one database transaction per run)
    says so with a class attribute ``durable = False``: the engine then looks up the identity
    of every new entry on the other side before creating it, so the creates of a run whose
    transaction was rolled back (a killed worker) are found again, not repeated.
    """

    durable: bool  # optional; True when missing

    def load(self) -> Iterable[StatusRow]:
        """Every row of this mailbox."""

    def save(self, rows: Iterable[StatusRow]) -> None:
        """Insert or replace rows by identity; durable when it returns."""

    def remove(self, identities: Iterable[str]) -> None:
        """Forget these rows (the pair was deleted on both sides)."""

    def get_token(self, side: str) -> str | None:
        """The incremental token of that side ("local" or "remote"), None before a baseline."""

    def set_token(self, side: str, token: str | None) -> None:
        """Remember the token of that side; None forces a complete listing next run."""

    # Optional: ``checkpoint() -> bool``, called between two batches of writes: make what was
    # saved so far durable (the Odoo store commits, in a cron worker only). False stops the
    # run there, as if its time were up (another worker took the mailbox over meanwhile).


class IndexedStatusStore(StatusStore, Protocol):
    """Optional extension of ``StatusStore`` for large mailboxes.

    When a store has these three methods and both listings are incremental, the engine reads
    only the rows a run touches instead of calling ``load()``, so a quiet run costs little
    however many entries the mailbox holds. Complete listings still ``load()`` everything.
    """

    def lookup(
        self, local_ids: Iterable[str], remote_ids: Iterable[str], identities: Iterable[str]
    ) -> Iterable[StatusRow]:
        """Rows whose local id, remote id or identity is among these."""

    def unsettled(self) -> Iterable[StatusRow]:
        """Rows that are pending (one id missing) or flagged ``recheck``."""

    def totals(self) -> tuple[int, int]:
        """How many rows have a local id, and how many a remote id (for the deletion guard)."""


class SidePair:
    """The two sides of one run by role, and how many items one call to each takes."""

    def __init__(self, local, remote, batch_size=None):
        self._sides = {"local": local, "remote": remote}
        self._batch_size = batch_size  # None: each side's own

    def __getitem__(self, role):
        return self._sides[role]

    def name(self, role):
        """How the side calls itself ("odoo" / "exchange"): for messages and fallback ids."""
        return self._sides[role].name

    def batches(self, role, values):
        """``values`` cut into the batches one call to that side takes."""
        size = self._batch_size or self._sides[role].batch_size or 100
        values = list(values)
        return [values[i : i + size] for i in range(0, len(values), size)]
