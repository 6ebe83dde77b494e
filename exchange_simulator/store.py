"""Thread-safe mailbox store shared by the simulator's EWS and Graph front ends.

The store keeps calendar items in a protocol-neutral shape (:class:`Item`) so that an item
created through EWS reads back through Graph and the other way round. Each front end maps
between its wire format and this shape; the store knows nothing of SOAP or JSON.

API (everything returns deep copies, so callers never hold store-internal objects):

``Store(clock=None)``
    ``store.clock`` is a :class:`Clock`; ``store.clock.shift(timedelta)`` simulates a server
    whose clock is ahead of (or behind) the real one. Every timestamp the store writes comes
    from it.
``store.add_mailbox(smtp, display_name="")`` / ``store.has_mailbox(smtp)`` /
``store.mailboxes()``
    Mailboxes are keyed by SMTP address, case-insensitively. Each has a ``calendar`` folder
    (``store.folder_id(smtp, "calendar")`` gives its opaque id) and the mail folders
    ``inbox``, ``sentitems``, ``deleteditems`` and ``drafts`` that meetings use (see
    :mod:`.store_folders`: ``store.move_item(smtp, item_id, folder)``).
``store.create_item(smtp, fields, folder="calendar") -> Item``
    ``fields`` is a dict of :class:`Item` attribute names. ``id``, ``change_key``,
    ``created`` and ``last_modified`` are assigned; ``uid`` is generated when absent, as
    Exchange generates it: the hex of a Global Object Id (see :mod:`.goid`).
``store.get_item(smtp, item_id) -> Item``
    Accepts master/single ids and occurrence ids (see below); raises :class:`ItemNotFound`
    (:class:`OccurrenceDeleted`, a subclass, for an occurrence deleted from its series).
``store.update_item(smtp, item_id, changes, change_key=None, reset_series=False) -> Item``
    Applies a dict of attribute changes. When ``change_key`` is given and stale, raises
    :class:`ChangeKeyMismatch` (EWS ErrorIrresolvableConflict / Graph 412). For an
    occurrence id, the changes become (or extend) a modified occurrence of the master.
    A changed ``recurrence`` drops the modified and deleted occurrences, as on Exchange;
    ``reset_series=True`` drops them whenever ``recurrence`` is written at all (what EWS
    does when a client sets the Recurrence property, even to the same pattern).
``store.delete_item(smtp, item_id)``
    Deletes a single or a whole series; for an occurrence id, records a deleted occurrence.
``store.items(smtp, folder="calendar") -> list[Item]``
    Singles and recurring masters, as a folder holds them (no occurrences).
``store.expand(smtp, start, end, folder="calendar") -> list[Item]``
    A calendar view: singles overlapping ``[start, end)`` plus the occurrences and exceptions
    of every series in that window (``item_type`` "Occurrence" / "Exception",
    ``master_id`` and ``original_start`` set, ``id`` an occurrence id).
``store.occurrence_id(master_id, original_start)`` / ``store.occurrence_by_index(smtp,
master_id, index)`` / ``store.occurrence_starts(smtp, master_id, limit=None)``
    Occurrence ids are opaque and stable: they encode the master id and the original start.
``store.changes_since(smtp, token=None, folder="calendar", limit=None) -> ChangeBatch``
    The per-mailbox change log, on which EWS SyncFolderItems states and Graph delta tokens
    are built. ``batch.changes`` is a list of (kind, item_id), kind create/update/delete;
    ``batch.token`` is a (seq, offset) tuple of ints/None to pass back for the next batch
    (encode it however the protocol likes); ``batch.more`` says another batch is waiting.
    Token None means a first sync: every live item is reported as created, in pages.
    Changes are coalesced per item (create+update → create, create+delete → nothing,
    update+delete → delete). A token older than the log floor raises :class:`SyncStateExpired`;
    ``store.expire_change_log(smtp)`` raises the floor, as a server that forgot old states.
``store.current_seq(smtp)``
    The newest sequence number of the mailbox.

Enumerations use Exchange's spelling: sensitivity Normal/Personal/Private/Confidential;
show_as Free/Tentative/Busy/OOF/WorkingElsewhere/NoData; attendee response Unknown/Organizer/
Tentative/Accept/Decline/NoResponseReceived; item_type Single/RecurringMaster/Occurrence/
Exception. Time zones are Windows zone ids ("W. Europe Standard Time"), as both EWS and Graph
report them. ``recurrence`` is a dict shaped exactly like Graph's ``patternedRecurrence``
(see :mod:`exchange_simulator.recurrence`). Modified occurrences are keyed by their original
start (UTC datetime) and hold only the overridden fields; deleted occurrences are a set of
original starts.

The data classes live in :mod:`.store_model`, the series methods in :mod:`.store_series` and
the folder moves in :mod:`.store_folders` (mixins); every public name is importable from here.
Contacts folders and contact items are in :mod:`.contacts` (a mixin too).
What Exchange's Calendar Attendant does with meetings across mailboxes lives above the store,
in :mod:`exchange_simulator.meetings`.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from dataclasses import dataclass, field

from .contacts import ContactsMixin
from .goid import new_uid
from .store_folders import MAIL_FOLDERS, FoldersMixin
from .store_model import (  # noqa: F401 - re-exported: the store's public names
    _ASSIGNED,
    FIELD_NAMES,
    OCCURRENCE_FIELDS,
    Attendee,
    ChangeBatch,
    ChangeKeyMismatch,
    Clock,
    Item,
    ItemNotFound,
    MailboxNotFound,
    OccurrenceDeleted,
    StoreError,
    SyncStateExpired,
    _new_change_key,
    _new_id,
)
from .store_series import SeriesMixin


@dataclass
class _Mailbox:
    smtp: str
    display_name: str
    folders: dict  # name -> folder id
    items: dict = field(default_factory=dict)  # id -> Item
    log: list = field(default_factory=list)  # (seq, folder_id, item_id, kind)
    seq: int = 0
    log_floor: int = 0


class Store(SeriesMixin, FoldersMixin, ContactsMixin):
    """All mailboxes of one simulated server, guarded by one lock."""

    def __init__(self, clock=None):
        self.clock = clock or Clock()
        self._lock = threading.RLock()
        self._mailboxes = {}

    # -- mailboxes -------------------------------------------------------------------------

    def add_mailbox(self, smtp, display_name=""):
        with self._lock:
            key = smtp.lower()
            if key not in self._mailboxes:
                digest = hashlib.sha1(key.encode()).hexdigest()[:12]
                folders = {"calendar": _new_id("F" + digest)}
                folders.update({name: _new_id("F" + digest) for name in MAIL_FOLDERS})
                self._mailboxes[key] = _Mailbox(smtp, display_name or smtp, folders)
            return self._mailboxes[key].smtp

    def has_mailbox(self, smtp):
        return smtp.lower() in self._mailboxes

    def mailboxes(self):
        with self._lock:
            return [m.smtp for m in self._mailboxes.values()]

    def display_name(self, smtp):
        return self._mailbox(smtp).display_name

    def folder_id(self, smtp, name="calendar"):
        return self._mailbox(smtp).folders[name]

    def folder_name(self, smtp, folder_id):
        for name, fid in self._mailbox(smtp).folders.items():
            if fid == folder_id:
                return name
        return None

    def _mailbox(self, smtp):
        try:
            return self._mailboxes[smtp.lower()]
        except KeyError:
            raise MailboxNotFound(smtp) from None

    def _log(self, box, folder_id, item_id, kind):
        box.seq += 1
        box.log.append((box.seq, folder_id, item_id, kind))

    # -- items -----------------------------------------------------------------------------

    def create_item(self, smtp, values, folder="calendar"):
        unknown = set(values) - FIELD_NAMES
        if unknown:
            raise ValueError("unknown item fields: %s" % ", ".join(sorted(unknown)))
        with self._lock:
            box = self._mailbox(smtp)
            item = Item(**{k: copy.deepcopy(v) for k, v in values.items() if k not in _ASSIGNED})
            item.id = _new_id("I")
            item.change_key = _new_change_key()
            item.folder_id = box.folders[folder]
            item.created = item.last_modified = self.clock.now()
            item.uid = item.uid or new_uid(item.created)
            if item.recurrence:
                item.item_type = "RecurringMaster"
            elif item.item_type not in ("Single", "RecurringMaster"):
                item.item_type = "Single"
            box.items[item.id] = item
            self._log(box, item.folder_id, item.id, "create")
            return copy.deepcopy(item)

    def items(self, smtp, folder="calendar"):
        with self._lock:
            box = self._mailbox(smtp)
            fid = box.folders[folder]
            return [copy.deepcopy(i) for i in box.items.values() if i.folder_id == fid]

    def count(self, smtp, folder="calendar"):
        with self._lock:
            box = self._mailbox(smtp)
            fid = box.folders[folder]
            return sum(1 for i in box.items.values() if i.folder_id == fid)

    def get_item(self, smtp, item_id):
        with self._lock:
            box = self._mailbox(smtp)
            master_id, original = self.parse_occurrence_id(item_id)
            if master_id is None:
                if item_id not in box.items:
                    raise ItemNotFound(item_id)
                return copy.deepcopy(box.items[item_id])
            master = self._master(box, master_id)
            return self._occurrence_view(master, original)

    def find_by_uid(self, smtp, uid):
        with self._lock:
            box = self._mailbox(smtp)
            return [copy.deepcopy(i) for i in box.items.values() if i.uid == uid]

    def update_item(self, smtp, item_id, changes, change_key=None, reset_series=False):
        unknown = set(changes) - FIELD_NAMES
        if unknown:
            raise ValueError("unknown item fields: %s" % ", ".join(sorted(unknown)))
        with self._lock:
            box = self._mailbox(smtp)
            master_id, original = self.parse_occurrence_id(item_id)
            if master_id is not None:
                return self._update_occurrence(box, master_id, original, changes, change_key)
            item = box.items.get(item_id)
            if item is None:
                raise ItemNotFound(item_id)
            if change_key is not None and change_key != item.change_key:
                raise ChangeKeyMismatch(item_id)
            rule_changed = "recurrence" in changes and (
                reset_series or changes["recurrence"] != item.recurrence
            )
            for name, value in changes.items():
                if name not in _ASSIGNED:
                    setattr(item, name, copy.deepcopy(value))
            if rule_changed:
                # As on Exchange: a new pattern drops every modified and deleted occurrence.
                item.item_type = "RecurringMaster" if item.recurrence else "Single"
                item.modified_occurrences, item.deleted_occurrences = {}, set()
            self._touch(box, item)
            return copy.deepcopy(item)

    def delete_item(self, smtp, item_id, change_key=None):
        with self._lock:
            box = self._mailbox(smtp)
            master_id, original = self.parse_occurrence_id(item_id)
            if master_id is not None:
                master = self._master(box, master_id)
                self._check_occurrence(master, original)
                master.modified_occurrences.pop(original, None)
                master.deleted_occurrences.add(original)
                self._touch(box, master)
                return
            item = box.items.get(item_id)
            if item is None:
                raise ItemNotFound(item_id)
            if change_key is not None and change_key != item.change_key:
                raise ChangeKeyMismatch(item_id)
            del box.items[item_id]
            self._log(box, item.folder_id, item_id, "delete")

    def _touch(self, box, item):
        item.change_key = _new_change_key()
        item.last_modified = self.clock.now()
        self._log(box, item.folder_id, item.id, "update")

    # -- change log ------------------------------------------------------------------------

    def current_seq(self, smtp):
        return self._mailbox(smtp).seq

    def expire_change_log(self, smtp):
        """Forget every sync state issued so far (the next sync must start over)."""
        with self._lock:
            box = self._mailbox(smtp)
            # Step past every sequence handed out so far: all of them are now too old.
            box.seq += 1
            box.log_floor = box.seq
            box.log = []

    def changes_since(self, smtp, token=None, folder="calendar", limit=None):
        """Changes after ``token`` (None: a first sync), at most ``limit`` items per batch."""
        with self._lock:
            box = self._mailbox(smtp)
            fid = box.folders[folder]
            seq, offset = token if token else (box.seq, 0)
            if seq < box.log_floor or seq > box.seq:
                raise SyncStateExpired(seq)
            if offset is not None:
                return self._initial_page(box, fid, seq, offset, limit)
            first, last, order = {}, {}, []
            consumed = seq
            for entry_seq, entry_fid, item_id, kind in box.log:
                if entry_seq <= seq:
                    continue
                if entry_fid == fid and item_id not in first:
                    if limit is not None and len(order) >= limit:
                        changes = self._coalesce(order, first, last)
                        return ChangeBatch(changes, (consumed, None), True)
                    first[item_id] = kind
                    order.append(item_id)
                if entry_fid == fid:
                    last[item_id] = kind
                consumed = entry_seq
            return ChangeBatch(self._coalesce(order, first, last), (box.seq, None), False)

    @staticmethod
    def _coalesce(order, first, last):
        out = []
        for item_id in order:
            if first[item_id] == "create":
                if last[item_id] != "delete":
                    out.append(("create", item_id))
            elif last[item_id] == "delete":
                out.append(("delete", item_id))
            else:
                out.append(("update", item_id))
        return out

    def _initial_page(self, box, fid, seq, offset, limit):
        # A first sync reports every live item as created, oldest first. Items written while
        # the pages are being fetched come again afterwards from the log (after ``seq``), as
        # an update of something the client already has, so nothing is lost.
        live = sorted(
            (i for i in box.items.values() if i.folder_id == fid),
            key=lambda i: (i.created, i.id),
        )
        end = len(live) if limit is None else min(len(live), offset + limit)
        changes = [("create", i.id) for i in live[offset:end]]
        more = end < len(live)
        return ChangeBatch(changes, (seq, end if more else None), more)
