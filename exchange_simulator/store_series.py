"""Recurring series in the store: occurrence ids, views, exceptions, deletions, expansion.

A mixin of :class:`~exchange_simulator.store.Store` (it uses the store's lock and
mailboxes); kept in its own file for size. See the store's docstring for the public API.
"""

import base64
import copy
from datetime import datetime, timedelta, timezone

from .recurrence import occurrence_starts
from .store_model import (
    OCCURRENCE_FIELDS,
    ChangeKeyMismatch,
    ItemNotFound,
    OccurrenceDeleted,
    _new_change_key,
)

UTC = timezone.utc


class SeriesMixin:
    @staticmethod
    def occurrence_id(master_id, original_start):
        stamp = original_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return base64.b64encode(b"O\x00" + master_id.encode() + b"\x00" + stamp.encode()).decode()

    @staticmethod
    def parse_occurrence_id(item_id):
        """(master id, original start) for an occurrence id, else (None, None)."""
        try:
            raw = base64.b64decode(item_id.encode(), validate=True)
        except (ValueError, UnicodeEncodeError):
            return None, None
        if not raw.startswith(b"O\x00"):
            return None, None
        try:
            master, stamp = raw[2:].rsplit(b"\x00", 1)
            start = datetime.strptime(stamp.decode(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None, None
        return master.decode(), start

    def _master(self, box, master_id):
        master = box.items.get(master_id)
        if master is None or master.item_type != "RecurringMaster":
            raise ItemNotFound(master_id)
        return master

    def _series_starts(self, master, until=None, limit=None):
        return occurrence_starts(
            master.recurrence, master.start, master.start_tz, until=until, limit=limit
        )

    def _check_occurrence(self, master, original):
        if original in master.deleted_occurrences:
            raise OccurrenceDeleted("deleted occurrence")
        if original not in self._series_starts(master, until=original + timedelta(seconds=1)):
            raise ItemNotFound("no occurrence at %s" % original.isoformat())

    def occurrence_starts(self, smtp, master_id, limit=None):
        """Original starts of a series' occurrences (deleted ones included), in order."""
        with self._lock:
            return self._series_starts(self._master(self._mailbox(smtp), master_id), limit=limit)

    def occurrence_by_index(self, smtp, master_id, index):
        """The id of the ``index``-th (1-based) occurrence of a series, as EWS counts them."""
        with self._lock:
            master = self._master(self._mailbox(smtp), master_id)
            starts = self._series_starts(master, limit=index)
            if index < 1 or len(starts) < index:
                raise ItemNotFound("occurrence index %s" % index)
            if starts[index - 1] in master.deleted_occurrences:
                raise OccurrenceDeleted("deleted occurrence")
            return self.occurrence_id(master_id, starts[index - 1])

    def _occurrence_view(self, master, original, index=None):
        self._check_occurrence(master, original)
        view = copy.deepcopy(master)
        view.recurrence = None
        view.modified_occurrences, view.deleted_occurrences = {}, set()
        view.master_id, view.original_start = master.id, original
        view.id = self.occurrence_id(master.id, original)
        duration = master.end - master.start
        view.start, view.end = original, original + duration
        view.item_type = "Occurrence"
        override = master.modified_occurrences.get(original)
        if override:
            view.item_type = "Exception"
            for name, value in override.items():
                setattr(view, name, copy.deepcopy(value))
        if index is None:
            index = len(self._series_starts(master, until=original + timedelta(seconds=1)))
        view.instance_index = index
        return view

    def _update_occurrence(self, box, master_id, original, changes, change_key):
        master = self._master(box, master_id)
        self._check_occurrence(master, original)
        override = master.modified_occurrences.setdefault(original, {})
        current = override.get("change_key", master.change_key)
        if change_key is not None and change_key not in (current, master.change_key):
            raise ChangeKeyMismatch(master_id)
        for name, value in changes.items():
            if name in OCCURRENCE_FIELDS:
                override[name] = copy.deepcopy(value)
        now = self.clock.now()
        key = _new_change_key()
        override["change_key"], override["last_modified"] = key, now
        self._touch(box, master)
        view = self._occurrence_view(master, original)
        view.change_key = key
        return view

    def expand(self, smtp, start, end, folder="calendar"):
        """Singles overlapping [start, end) and every series' occurrences in that window."""
        with self._lock:
            box = self._mailbox(smtp)
            fid = box.folders[folder]
            out = []
            for item in box.items.values():
                if item.folder_id != fid:
                    continue
                if item.item_type != "RecurringMaster":
                    if item.start < end and item.end > start:
                        out.append(copy.deepcopy(item))
                    continue
                duration = item.end - item.start
                starts = self._series_starts(item, until=end)
                for index, original in enumerate(starts, 1):
                    if original in item.deleted_occurrences:
                        continue
                    override = item.modified_occurrences.get(original, {})
                    o_start = override.get("start", original)
                    o_end = override.get("end", original + duration)
                    if o_start < end and o_end > start:
                        out.append(self._occurrence_view(item, original, index))
            out.sort(key=lambda i: (i.start, i.id))
            return out
