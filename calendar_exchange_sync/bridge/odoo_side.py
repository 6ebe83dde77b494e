"""Odoo as the engine's "local" side for one mailbox: the events its user owns or attends.

Ids are ``"calendar.event,ID"`` for single events and ``"calendar.recurrence,ID"`` for a
whole series (see ``series``). Versions are write dates; for a series, the latest write date
of its events and their count, so that a deleted occurrence changes it too.

What a mailbox holds of each event, and which events an incoming item may pair with, follow the
rules of ``ownership``; the listing is in ``odoo_listing``. Inbound writes carry the context flag
``exchange_sync_inbound`` so they never trigger a sync back.
"""

import logging

from odoo.exceptions import AccessError, UserError, ValidationError

from ..sync.engine import Fetched, OpResult, Remote, Unreadable
from ..sync.errors import ItemNotFound, PermanentError, StaleVersion
from . import meeting_pairing, odoo_listing, ownership
from .addresses import normalize
from .inbound import InboundValues, changed_values
from .inbound_limits import with_kept_attendees
from .mapper import as_utc, event_attendees, event_to_item
from .series import SeriesMapper

_logger = logging.getLogger(__name__)

EVENT = "calendar.event"
SERIES = "calendar.recurrence"


def local_id(record):
    return "%s,%d" % (record._name, record.id)


def parse_id(value, model=EVENT):
    name, _sep, number = (value or "").partition(",")
    if name != model or not number.isdigit():
        return None
    return int(number)


def event_version(event):
    return str(event.exchange_revision)


def series_version(recurrence):
    """Changes with any occurrence (revisions only grow) and with their number."""
    events = recurrence.calendar_event_ids.filtered("active")
    return "%d|%d" % (sum(events.mapped("exchange_revision")), len(events))


class OdooSide:
    """The local ``Side`` of one mailbox (see ``sync.engine.sides.Side``)."""

    name = "odoo"
    batch_size = 200
    # The listing names every entry this mailbox's bindings hold that the user's calendar no
    # longer does (odoo_listing), whenever it was created: the entries a run creates here
    # need no reading again at the next run.
    lists_every_removal = True
    # Its writes and the bindings are one transaction (committed at the run's checkpoints): a
    # create here needs no binding saved ahead of it.
    writes_with_status = True

    def __init__(
        self,
        env,
        user,
        *,
        mailbox_id,
        mailbox,
        uid_hints=None,
        partner_id=None,
        meeting_hints=None,
        on_repointed=None,
        written_floor=None,
    ):
        self.env = env(
            context=dict(
                env.context,
                exchange_sync_inbound=True,
                tracking_disable=True,
                mail_notrack=True,
                mail_create_nolog=True,
                no_mail_to_attendees=True,
                skip_attendee_notification=True,
                # Odoo would add the organizer's contact card to an empty description: what
                # Exchange sent must read back unchanged, or it would travel back as an edit.
                skip_contact_description=True,
                dont_notify=True,
            )
        )
        self.user = user.with_env(self.env)
        # Known ids spare the listing a read of the user (a quiet run stays a few queries).
        self.user_id = user.id
        self.partner_id = partner_id or user.partner_id.id
        self._inbound = None
        self._cards = {}
        # remote iCalendar UIDs by identity of the item being created (filled by the runner)
        self.uid_hints = uid_hints if uid_hints is not None else {}
        # what Exchange said of them as meetings (``MeetingState``), by the same identities
        self.meeting_hints = meeting_hints if meeting_hints is not None else {}
        self.series = SeriesMapper(self)
        self.written = set()  # (model, id) of the entries this run created or changed in Odoo
        self.mailbox_id = mailbox_id  # its bindings tell deletions from never-synced entries
        self.mailbox = normalize(mailbox)  # the address: whose entries are whose (ownership)
        # Called when the listing re-pointed bindings (their pairs are to be read again).
        self.on_repointed = on_repointed
        self._revised = []  # single entries updated, whose revision is bumped with the batch
        # The next listing's cursor, read by the cron before this run began (``written_floor``).
        self.written_floor = written_floor

    @property
    def inbound(self):
        if self._inbound is None:
            self._inbound = InboundValues(self.env, self.user, self.mailbox)
        return self._inbound

    @property
    def Event(self):
        return self.env[EVENT].with_context(active_test=False)

    # -- listing ------------------------------------------------------------------------

    def list_changes(self, token, window):
        changes, orphans = self._listing(token, window)
        # An entry gone from the calendar whose UID another event carries was merged into that
        # meeting by another mailbox's run: its binding moves there before the engine could
        # take it for a deletion, and the calendar is listed again.
        if orphans and meeting_pairing.repoint_orphans(self, orphans):
            if self.on_repointed is not None:
                self.on_repointed()
            changes, _orphans = self._listing(token, window)
        return changes

    def _listing(self, token, window):
        return odoo_listing.list_changes(
            self.env,
            token,
            window,
            floor=self.written_floor,
            user=self.user_id,
            partner=self.partner_id,
            mailbox=self.mailbox_id,
            address=self.mailbox,
        )

    # -- reading ------------------------------------------------------------------------

    def _events(self, ids):
        numbers = [n for n in (parse_id(i) for i in ids) if n]
        return self.Event.browse(numbers).exists().filtered(self._single_entry)

    def _single_entry(self, event):
        """A single event of the user's calendar, as this mailbox reads it."""
        return event.active and not event.recurrence_id and self._belongs(event)

    def _series(self, ids):
        numbers = [n for n in (parse_id(i, SERIES) for i in ids) if n]
        series = self.env[SERIES].browse(numbers).exists()
        return series.filtered(
            lambda r: any(self._belongs(e) for e in r.calendar_event_ids if e.active)
        )

    def _belongs(self, event):
        user = self.user
        return ownership.takes_part(event, user, self.mailbox) and not ownership.declined(
            event, user
        )

    def kind(self, event):
        """What this mailbox holds of the event: see ``ownership.copy_kind``."""
        return ownership.copy_kind(event, self.user, self.mailbox)

    def item(self, event):
        return event_to_item(
            event,
            self.user,
            mailbox=self.mailbox,
            kind=self.kind(event),
            default_type=self.inbound.default_type,
            cards=self._cards,
        )

    def attendees(self, event):
        """The attendees the item of the owner's own single event lists (``item``, of kind
        ``OWN``), read without the rest of the event; None when the mailbox reads no item of
        it (``fetch``)."""
        if not self._single_entry(event):
            return None
        listed = event_attendees(event, skip={self.mailbox})
        return with_kept_attendees(listed, event.sudo().exchange_overflow)

    def _fetched(self, record):
        if record._name == SERIES:
            base = record.base_event_id or record.calendar_event_ids[:1]
            return Fetched(
                version=series_version(record),
                item=self.series.item(record),
                identity=record.exchange_identity or None,
                uid=base.exchange_uid or None,
                last_modified=as_utc(max(record.calendar_event_ids.mapped("write_date"))),
            )
        return Fetched(
            version=event_version(record),
            item=self.item(record),
            identity=record.exchange_identity or None,
            uid=record.exchange_uid or None,
            last_modified=as_utc(record.write_date),
        )

    def _version(self, record):
        return series_version(record) if record._name == SERIES else event_version(record)

    def _record(self, id_):
        return self._events([id_]) or self._series([id_])

    def fetch(self, ids):
        answer = {}
        self._cards = {}  # Odoo's contact cards of this batch (see odoo_card)
        for record in list(self._events(ids)) + list(self._series(ids)):
            try:
                answer[local_id(record)] = self._fetched(record)
            except (ValueError, TypeError) as error:
                # That entry's error (an Odoo value Exchange cannot hold), not the mailbox's.
                problem = PermanentError(self.env._("This entry cannot be read: %s", error))
                answer[local_id(record)] = Unreadable(problem, record.display_name or "")
        return answer

    def find_by_identity(self, identities):
        identities = list(identities)
        found = {}
        own = [i for i in identities if parse_id(i) or parse_id(i, SERIES)]
        for record in list(self._events(own)) + list(self._series(own)):
            found[local_id(record)] = Remote(local_id(record), self._version(record))
        others = [i for i in identities if i not in own]
        if others:
            for model in (EVENT, SERIES):
                records = (
                    self.env[model]
                    .with_context(active_test=False)
                    .search([("exchange_identity", "in", others)])
                )
                for record in records:
                    if self._record(local_id(record)):
                        found[record.exchange_identity] = Remote(
                            local_id(record), self._version(record)
                        )
        return found

    # -- writing ------------------------------------------------------------------------

    def _result(self, record, defer=False):
        """The success of a write of ``record``; with ``defer`` (a batch of updates), the
        record itself: its version is read once the whole batch is flushed (``_settled``)."""
        self.written.add((record._name, record.id))
        if defer:
            return record
        self.env.flush_all()
        return OpResult.success(Remote(local_id(record), self._version(record)))

    def _settled(self, result):
        if isinstance(result, OpResult):
            return result
        return OpResult.success(Remote(local_id(result), self._version(result)))

    def _guarded(self, operation):
        """Run one record's write; a refusal by Odoo is that item's error, not the run's."""
        try:
            with self.env.cr.savepoint():
                return operation()
        except (UserError, ValidationError, AccessError, ValueError) as error:
            return OpResult.failure(PermanentError(str(error)))

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, batch):
        results = dict.fromkeys(range(len(batch)))
        in_use = meeting_pairing.uids_in_use(
            self, [self.uid_hints.get(identity) for identity, _item in batch]
        )
        plain = [
            n
            for n, (identity, item) in enumerate(batch)
            if not item.recurrence
            and not (
                self.uid_hints.get(identity) in in_use
                and self._twin(self.uid_hints.get(identity), item)
            )
        ]
        # One create() for the plain entries of the batch: Odoo creates events much faster in
        # bulk. Should Odoo refuse one of them, each is created on its own below instead.
        try:
            with self.env.cr.savepoint():
                created = self._create_plain([batch[n] for n in plain])
                for n, result in zip(plain, created, strict=True):
                    results[n] = result
        except (UserError, ValidationError, AccessError, ValueError) as refused:
            _logger.debug("Bulk create refused (%s): entries are created one by one", refused)
        for n, (identity, item) in enumerate(batch):
            if results[n] is None:
                results[n] = self._guarded(lambda i=identity, it=item: self._create(i, it))
        return [results[n] for n in range(len(batch))]

    def _create_plain(self, pairs):
        values = []
        for identity, item in pairs:
            values.append(self._new_event(item, self._origin(identity)))
        events = self.Event.create(values)
        for event, (_identity, item) in zip(events, pairs, strict=True):
            self.inbound.set_responses(event, item)
        self.env.flush_all()
        return [OpResult.success(Remote(local_id(event), self._version(event))) for event in events]

    def _create(self, identity, item):
        uid = self.uid_hints.get(identity)
        if uid:
            # The copy Exchange delivered of a meeting Odoo already has: pair, never duplicate.
            twin = self._twin(uid, item)
            if twin:
                if item.response is not None:
                    events = twin.calendar_event_ids if twin._name == SERIES else twin
                    self.inbound.set_own_response(events, item.response)
                return self._result(twin)
        extra = self._origin(identity)
        if item.recurrence:
            recurrence = self.series.create(item, {"exchange_uid": extra["exchange_uid"]})
            recurrence.write(
                {
                    "exchange_identity": identity,
                    "exchange_source": extra["exchange_source"],
                    "exchange_invitations": extra.get("exchange_invitations", False),
                }
            )
            if item.response is not None:
                self.inbound.set_own_response(recurrence.calendar_event_ids, item.response)
            return self._result(recurrence)
        event = self.Event.create(self._new_event(item, extra))
        self.inbound.set_responses(event, item)
        return self._result(event)

    def _new_event(self, item, extra):
        """The values of a new event for ``item``. Odoo would compute its duration once the
        rows are inserted, in one more UPDATE of all of them: it is given, as Odoo computes it
        (an all-day entry's is left to Odoo: its times stand for dates there)."""
        values = dict(self.inbound.values(item), **extra)
        if not values["allday"]:
            values["duration"] = self.Event._get_duration(values["start"], values["stop"])
        return values

    def _origin(self, identity):
        """Where a new Odoo entry came from: its Exchange identity and UID, and this mailbox."""
        uid = self.uid_hints.get(identity)
        origin = {
            "exchange_identity": identity,
            "exchange_uid": uid or False,
            "exchange_source": self.mailbox,
        }
        meeting = self.meeting_hints.get(identity)
        if meeting is not None and meeting.sent:
            # The owner's meeting as Outlook sent it: Exchange keeps its attendees' copies.
            origin["exchange_invitations"] = "sent"
        return origin

    def _twin(self, uid, item=None):
        """The event an item with this UID is a copy of (see ``meeting_pairing``): one this
        mailbox's owner already takes part in, of the owner's company, or (for a meeting of an
        outside organizer) one that the other invitations of that meeting prove the owner was
        invited to. A UID alone is no key to anybody else's event."""
        return meeting_pairing.twin(self, uid, item)

    def _check(self, id_, version, found=None):
        record = self._record(id_) if found is None else found.get(id_)
        if not record:
            raise _Refused(ItemNotFound("%s no longer exists in Odoo" % id_))
        if self._version(record) != version:
            raise _Refused(StaleVersion("%s changed in Odoo meanwhile" % id_))
        return record

    def update(self, batch):
        # The whole batch first: its records read at once, written in one savepoint, flushed
        # once (Odoo then writes alike rows in one UPDATE). Should Odoo refuse one of them,
        # each is written on its own below instead, as creates are.
        ids = [id_ for id_, _version, _item in batch]
        found = {local_id(r): r for r in list(self._events(ids)) + list(self._series(ids))}
        try:
            with self.env.cr.savepoint():
                done = [self._update(*entry, found=found) for entry in batch]
                self.env.flush_all()
                self._bump_revised()
            return [self._settled(result) for result in done]
        except (UserError, ValidationError, AccessError, ValueError) as refused:
            _logger.debug("Bulk update refused (%s): entries are written one by one", refused)
            self._revised = []  # rolled back with the batch
        return [
            self._guarded(lambda i=id_, v=version, it=item: self._update(i, v, it))
            for id_, version, item in batch
        ]

    def _update(self, id_, version, item, found=None):
        """One entry's update; ``found`` (a batch's records by id) defers its result."""
        try:
            record = self._check(id_, version, found)
        except _Refused as refused:
            return OpResult.failure(refused.error)
        defer = found is not None
        events = record.calendar_event_ids if record._name == SERIES else record
        # A single event as it is (a slice of it would be read alone, not with its batch).
        first = (events.filtered("active")[:1] or events[:1]) if record._name == SERIES else record
        if self.kind(first) == ownership.COPY:
            # The owner's copy of somebody else's meeting: only their answer comes from it,
            # whatever they did to its times or texts (those stay theirs, in Exchange).
            self.inbound.set_own_response(events, item.response)
            return self._result(record, defer)
        if record._name == SERIES or item.recurrence:
            if record._name == EVENT:  # a single entry became a series
                record.write({"recurrency": False})
                series = self.series.create(item, {"exchange_uid": record.exchange_uid})
                series.write(
                    {
                        "exchange_identity": record.exchange_identity,
                        "exchange_source": record.exchange_source,
                    }
                )
                record.unlink()
                return self._result(series, defer)
            if not item.recurrence:  # a series became a single entry
                source = {"exchange_source": record.exchange_source}
                event = self.Event.create(self._new_event(item, source))
                self.series.delete(record)
                return self._result(event, defer)
            updated = self.series.update(record, item)
            if item.response is not None:
                self.inbound.set_own_response(updated.calendar_event_ids, item.response)
            return self._result(updated, defer)
        with_attendees = self.kind(record) != ownership.PLAIN
        # Its revision goes up once, with the batch's (``_bump_revised``).
        later = record.with_context(exchange_revision_later=True)
        values = self.inbound.values(item, with_attendees=with_attendees)
        later.write(changed_values(record, values))  # an empty write still dates the change
        self.inbound.set_responses(later, item, with_attendees=with_attendees)
        self._revised.append(record.id)
        if not defer:
            self._bump_revised()
        return self._result(record, defer)

    def _bump_revised(self):
        """The revisions of the single entries updated since the last call, in one UPDATE."""
        revised, self._revised = self._revised, []
        self.Event.browse(revised)._exchange_bump_revision()

    def delete(self, batch):
        return [
            self._guarded(lambda i=id_, v=version: self._delete(i, v)) for id_, version in batch
        ]

    def _delete(self, id_, version):
        try:
            record = self._check(id_, version)
        except _Refused as refused:
            return OpResult.failure(refused.error)
        events = record.calendar_event_ids if record._name == SERIES else record
        organizer = events[:1].user_id
        if not organizer or organizer == self.user:  # the organizer deleted it
            if record._name == SERIES:
                self.series.delete(record)
            else:
                record.unlink()
        else:
            # An attendee declined or removed their copy (or it was cancelled): they decline,
            # the meeting goes on for the others.
            self.inbound.set_own_response(events, "declined")
        return OpResult.success()


class _Refused(Exception):
    def __init__(self, error):
        super().__init__(str(error))
        self.error = error
