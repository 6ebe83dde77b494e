"""Writing a series' modified and deleted occurrences through EWS (part of the EWS backend).

Exchange keeps a series as one master item; an occurrence is addressed by an
OccurrenceItemId (master id + 1-based InstanceIndex in the pattern). Changing the master's
pattern drops every exception on Exchange, so after a rule change all exceptions and
deletions are written again; otherwise only the differences are.
"""

from exchangelib import CalendarItem as EwsItem
from exchangelib.properties import OccurrenceItemId

from .. import errors
from ..engine import OpResult, Remote
from .errors import gone, item_error
from .mapping import OCCURRENCE_WRITE_FIELDS, fill, occurrence_index


class SeriesWriter:
    """Writes the occurrences of the series an ``EwsSide`` created or updated.

    Uses the side's ``account``, ``mailbox``, ``folder()``, ``read()`` and ``fail()``.
    """

    def __init__(self, side):
        self.side = side

    def finish(self, remote, item, before):
        """Write a series' modified and deleted occurrences; the master's final version.

        ``before`` is the series as Exchange held it when its rule was kept (only the
        differences are written), or None when the rule was (re)written, which on Exchange
        drops every earlier exception.
        """
        rec = item.recurrence
        if rec is None:
            return OpResult.success(remote)
        old = before.item.recurrence if before is not None else None
        old_exceptions = {e.original_start: e.item for e in old.exceptions} if old else {}
        old_deleted = old.deleted if old else frozenset()
        try:
            to_delete = [d for d in rec.deleted if d not in old_deleted]
            to_write = [e for e in rec.exceptions if old_exceptions.get(e.original_start) != e.item]
            # Exceptions gone from our side: the occurrence goes back to the series' values.
            wanted = {e.original_start for e in rec.exceptions}
            to_reset = [k for k in old_exceptions if k not in wanted and k not in rec.deleted]
            if not (to_delete or to_write or to_reset):
                return OpResult.success(remote)
            self._write_occurrences(remote, item, to_write, to_reset)
            self._delete_occurrences(remote, item, to_delete)
            master = self.side.read([remote.id], ["subject"]).get(remote.id)
        except errors.SyncError as exc:
            if exc.mailbox_wide:
                raise
            return OpResult.failure(exc)
        except ValueError as exc:
            return OpResult.failure(item_error(exc, remote.id, self.side.mailbox))
        if master is None:
            return OpResult.failure(item_error(gone(), remote.id, self.side.mailbox))
        return OpResult.success(Remote(remote.id, master.changekey))

    def _occurrence(self, remote, item, original_start):
        index = occurrence_index(item, original_start)
        return EwsItem(
            account=self.side.account,
            folder=self.side.folder(),
            _id=OccurrenceItemId(id=remote.id, changekey=remote.version, instance_index=index),
        )

    def _write_occurrences(self, remote, item, to_write, to_reset):
        changes = []
        for exception in to_write:
            occurrence = self._occurrence(remote, item, exception.original_start)
            fill(occurrence, exception.item, activity_type=item.activity_type)
            changes.append((occurrence, OCCURRENCE_WRITE_FIELDS))
        for original_start in to_reset:
            occurrence = self._occurrence(remote, item, original_start)
            fill(occurrence, item.occurrence_at(original_start))
            changes.append((occurrence, OCCURRENCE_WRITE_FIELDS))
        if not changes:
            return
        try:
            answers = self.side.update_items(changes, "AlwaysOverwrite")
        except Exception as exc:
            self.side.fail(exc)
        for answer in answers:
            if isinstance(answer, Exception):
                raise item_error(answer, remote.id, self.side.mailbox)

    def _delete_occurrences(self, remote, item, originals):
        if not originals:
            return
        ids = [self._occurrence(remote, item, start) for start in originals]
        try:
            answers = self.side.delete_items(ids)
        except Exception as exc:
            self.side.fail(exc)
        for answer in answers:
            if isinstance(answer, Exception):
                error = item_error(answer, remote.id, self.side.mailbox)
                if not isinstance(error, errors.ItemNotFound):  # already gone is fine
                    raise error


def rule_changed(old, new):
    """True when the series must be written anew (which on Exchange drops its exceptions).

    That is when the rule or the first occurrence differ, and also when an occurrence deleted
    on Exchange must come back: EWS cannot undelete one, only regenerate the series.
    """
    return (
        old.recurrence is None
        or bool(old.recurrence.deleted - new.recurrence.deleted)
        or old.recurrence.rrule != new.recurrence.rrule
        or old.start != new.start
        or old.end != new.end
        or old.all_day != new.all_day
        or old.timezone != new.timezone
    )
