"""The EWS backend: one Exchange 2007-2019 mailbox as a ``Side``, through exchangelib.

Connection: the company's EWS URL, a delegate account (``DOMAIN\\user`` with NTLM, or Basic)
holding the ApplicationImpersonation role, and impersonation of each user's mailbox. TLS
certificates are verified; a company CA file can be trusted for one endpoint without touching
the others (see :func:`trust_ca_file`). exchangelib's retry policy is FailFast: a busy server
(ErrorServerBusy with BackOffMilliseconds) becomes ``ThrottledError`` so the mailbox is
postponed instead of a worker sleeping on it.

Listing is incremental through SyncFolderItems (the token is Exchange's SyncState); reads,
creates, updates and deletes go in batches of ``batch_size``. A series is one item (its
master); its modified and deleted occurrences are read from the master and written through
OccurrenceItemIds (:mod:`.series`). Connecting lives in :mod:`.account`, field
mapping in :mod:`.mapping`, error translation in :mod:`.errors`, the Settings "Test
connection" checks in :mod:`.check`.
"""

from exchangelib import CalendarItem as EwsItem

from .. import errors
from .. import tz as tzmod
from ..engine import ChangeSet, Fetched, OpResult, Remote, Unreadable
from .account import bulk_delete, bulk_update, calendar_folder, make_account
from .errors import gone, item_error, mailbox_error, stale
from .mapping import WRITE_FIELDS, fill, from_ews, read_fields, to_ews
from .meetings import (
    ATTENDEE_FIELDS,
    MEETING_FIELDS,
    MeetingWriter,
    describe,
    keep_answers,
    send_mode,
)
from .series import SeriesWriter, rule_changed

MAX_CHANGES = 512  # the most SyncFolderItems returns per call


class EwsSide(MeetingWriter):
    """One mailbox of an on-premises Exchange (see the module docstring)."""

    name = "exchange"
    batch_size = 100  # one CreateItem (and one GetItem) per 100 entries

    def __init__(self, settings, mailbox, account=None):
        self.settings = settings
        self.mailbox = mailbox
        self.account = account or make_account(settings, mailbox)
        self.series = SeriesWriter(self)
        self._send = False  # the send mode of the writes under way (see ``meetings``)

    # -- helpers (the series writer's too) ---------------------------------------------------

    def fail(self, exc):
        """Raise the mailbox-wide ``SyncError`` for ``exc`` (or ``exc`` itself if unknown)."""
        error = mailbox_error(exc, self.settings.endpoint, self.mailbox, self.settings.timeout)
        if error is None:
            raise exc
        raise error from exc

    def folder(self):
        return calendar_folder(self.account)

    def update_items(self, items, conflict_resolution):
        """UpdateItem in the send mode of the writes under way (series occurrences too)."""
        return bulk_update(self.account, items, conflict_resolution, send_mode(self._send))

    def delete_items(self, ids):
        return bulk_delete(self.account, ids, send_mode(self._send))

    # -- listing ---------------------------------------------------------------------------

    def list_changes(self, token, window):
        folder = self.folder()
        changes = ChangeSet(complete=token is None)
        try:
            for kind, obj in folder.sync_items(
                sync_state=token,
                only_fields=["start", "end", "type"],
                max_changes_returned=MAX_CHANGES,
            ):
                if kind == "delete":
                    changes.removed.add(obj.id)
                    changes.changed.pop(obj.id, None)
                elif kind in ("create", "update"):
                    if token is None and not _in_window(obj, window):
                        continue
                    changes.changed[obj.id] = obj.changekey
                    changes.removed.discard(obj.id)
        except Exception as exc:
            self.fail(exc)
        changes.token = folder.item_sync_state
        return changes

    # -- reading ---------------------------------------------------------------------------

    # A Side's read, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def read(self, ids, fields):
        """{id: exchangelib item} for the ids that exist (missing ones are left out)."""
        found = {}
        if not ids:
            return found
        try:
            answers = list(
                self.account.fetch(
                    ids=[(i, None) for i in ids], folder=self.folder(), only_fields=fields
                )
            )
        except Exception as exc:
            self.fail(exc)
        for wanted, answer in zip(ids, answers, strict=True):
            if isinstance(answer, Exception):
                error = item_error(answer, wanted, self.mailbox)
                if isinstance(error, errors.ItemNotFound):
                    continue
                raise errors.TransientError(
                    "Exchange could not read an entry: %s" % error,
                    item=wanted,
                    mailbox=self.mailbox,
                )
            found[wanted] = answer
        return found

    def _read(self, ids):
        masters = self.read(list(ids), read_fields(self.account.version.build) + MEETING_FIELDS)
        occurrence_ids = [
            info.id
            for item in masters.values()
            if item.type == "RecurringMaster"
            for info in item.modified_occurrences or ()
        ]
        content = [f for f in read_fields(self.account.version.build) if f not in _SERIES_ONLY]
        occurrences = self.read(occurrence_ids, content)
        return masters, occurrences

    def fetch(self, ids):
        masters, occurrences = self._read(ids)
        out = {}
        for item_id, ews_item in masters.items():
            try:
                item, meeting = describe(ews_item, from_ews(ews_item, occurrences), self.mailbox)
            except (ValueError, TypeError, KeyError) as exc:
                # That entry's error, not the mailbox's: the others are read all the same.
                error = errors.PermanentError(
                    "The Exchange entry cannot be read: %s" % (exc,),
                    item=item_id,
                    mailbox=self.mailbox,
                )
                out[item_id] = Unreadable(error, ews_item.subject or "")
                continue
            out[item_id] = Fetched(
                version=ews_item.changekey,
                item=item,
                identity=ews_item.odoo_identity or None,
                uid=ews_item.uid,
                last_modified=tzmod.plain_utc(ews_item.last_modified_time),
                meeting=meeting,
            )
        return out

    def find_by_identity(self, identities):
        identities = [i for i in identities if i]
        found = {}
        folder = self.folder()
        try:
            for start in range(0, len(identities), 50):
                chunk = identities[start : start + 50]
                query = folder.filter(odoo_identity__in=chunk).only("odoo_identity")
                for ews_item in query:
                    found[ews_item.odoo_identity] = Remote(ews_item.id, ews_item.changekey)
        except Exception as exc:
            self.fail(exc)
        return found

    # -- writing ---------------------------------------------------------------------------

    def _grouped(self, batch, send, write):
        """Run ``write`` on the entries Exchange sends for, then on the others, in order."""
        send = set(send or ())
        results = [None] * len(batch)
        for sending in (True, False):
            indexes = [n for n, entry in enumerate(batch) if (entry[0] in send) == sending]
            if not indexes:
                continue
            self._send = sending
            try:
                answers = write([batch[n] for n in indexes])
            finally:
                self._send = False
            for n, answer in zip(indexes, answers, strict=True):
                results[n] = answer
        return results

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, batch, send=(), uids=None):
        """Create ``(identity, item)`` pairs; Exchange sends the invitations of the identities
        in ``send``, and ``uids`` gives some new items the UID of their meeting."""
        uids = uids or {}
        return self._grouped(batch, send, lambda part: self._create(part, uids))

    def update(self, batch, send=()):
        """Overwrite ``(id, version, item)``; Exchange sends the updates of the ids in ``send``."""
        return self._grouped(batch, send, self._update)

    def delete(self, batch, send=()):
        """Delete ``(id, version)``; Exchange sends the cancellations of the ids in ``send``."""
        return self._grouped(batch, send, self._delete)

    def _create(self, batch, uids):
        results = [None] * len(batch)
        pending = []
        for index, (identity, item) in enumerate(batch):
            try:
                ews_item = to_ews(item, self.account, identity)
                if uids.get(identity):
                    ews_item.uid = uids[identity]
                pending.append((index, item, ews_item))
            except ValueError as exc:
                results[index] = OpResult.failure(item_error(exc, None, self.mailbox))
        if pending:
            try:
                answers = self.account.bulk_create(
                    folder=self.folder(),
                    items=[ews_item for _, _, ews_item in pending],
                    send_meeting_invitations=send_mode(self._send),
                )
            except Exception as exc:
                self.fail(exc)
            for (index, item, _), answer in zip(pending, answers, strict=True):
                if isinstance(answer, Exception):
                    results[index] = OpResult.failure(item_error(answer, None, self.mailbox))
                    continue
                remote = Remote(answer.id, answer.changekey)
                results[index] = self.series.finish(remote, item, None)
        return results

    def _update(self, batch):
        results = [None] * len(batch)
        series = [entry for entry in batch if entry[2].recurrence is not None]
        current = self.fetch([item_id for item_id, _, _ in series]) if series else {}
        people = self.read(
            [item_id for item_id, _, item in batch if item.attendees], list(ATTENDEE_FIELDS)
        )
        plain = []
        for index, (item_id, version, item) in enumerate(batch):
            fields = list(WRITE_FIELDS)
            if item.recurrence is not None:
                now = current.get(item_id)
                if now is None:
                    results[index] = OpResult.failure(item_error(gone(), item_id, self.mailbox))
                    continue
                if isinstance(now, Unreadable):
                    results[index] = OpResult.failure(now.error)
                    continue
                if now.version != version:
                    results[index] = OpResult.failure(item_error(stale(), item_id, self.mailbox))
                    continue
                if rule_changed(now.item, item):
                    fields.append("recurrence")
            else:
                fields.append("recurrence")  # a series made single again loses its rule
            try:
                ews_item = EwsItem(
                    account=self.account, folder=self.folder(), id=item_id, changekey=version
                )
                fill(ews_item, item)
                if item_id in people and keep_answers(ews_item, people[item_id]):
                    fields = [f for f in fields if f not in ATTENDEE_FIELDS]
                if item.recurrence is not None and "recurrence" in fields:
                    ews_item.recurrence = to_ews(item, self.account).recurrence
                else:
                    ews_item.recurrence = None
            except ValueError as exc:
                results[index] = OpResult.failure(item_error(exc, item_id, self.mailbox))
                continue
            plain.append((index, item_id, item, ews_item, fields))
        if plain:
            try:
                answers = self.update_items(
                    [(ews_item, fields) for _, _, _, ews_item, fields in plain], "NeverOverwrite"
                )
            except Exception as exc:
                self.fail(exc)
            for (index, item_id, item, _, fields), answer in zip(plain, answers, strict=True):
                if isinstance(answer, Exception):
                    results[index] = OpResult.failure(item_error(answer, item_id, self.mailbox))
                    continue
                remote = Remote(answer[0], answer[1])
                before = None if "recurrence" in fields else current.get(item_id)
                results[index] = self.series.finish(remote, item, before)
        return results

    def _delete(self, batch):
        results = [None] * len(batch)
        present = self.read([item_id for item_id, _ in batch], ["subject"])
        doomed = []
        for index, (item_id, version) in enumerate(batch):
            now = present.get(item_id)
            if now is None:
                results[index] = OpResult.failure(item_error(gone(), item_id, self.mailbox))
            elif version and now.changekey != version:
                results[index] = OpResult.failure(item_error(stale(), item_id, self.mailbox))
            else:
                doomed.append((index, item_id, now.changekey))
        if doomed:
            try:
                answers = self.delete_items([(item_id, key) for _, item_id, key in doomed])
            except Exception as exc:
                self.fail(exc)
            for (index, item_id, _), answer in zip(doomed, answers, strict=True):
                if answer is True:
                    results[index] = OpResult.success()
                else:
                    results[index] = OpResult.failure(item_error(answer, item_id, self.mailbox))
        return results


_SERIES_ONLY = {"recurrence", "modified_occurrences", "deleted_occurrences", "odoo_identity", "uid"}


def _in_window(obj, window):
    """False for a single entry entirely outside the window (series are always kept)."""
    from datetime import datetime

    if window is None or obj.type == "RecurringMaster" or obj.end is None:
        return True
    end, start = obj.end, obj.start
    low = window.start if isinstance(end, datetime) else window.start.date()
    if end < low:
        return False
    if window.end is not None and start is not None:
        high = window.end if isinstance(start, datetime) else window.end.date()
        return start < high
    return True
