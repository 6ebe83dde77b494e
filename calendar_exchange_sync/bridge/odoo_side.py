"""Odoo as the engine's "local" side for one mailbox: the events its user owns or attends.

Ids are ``"calendar.event,ID"``; versions are write dates. The token is a write-date cursor
taken a margin before the run's transaction began, so that an edit committed by a transaction
that started earlier is never skipped (items listed again with an unchanged version cost
nothing: the engine compares versions before reading). Inbound writes carry the context flag
``exchange_sync_inbound`` so they never trigger a sync back.
"""

from datetime import timedelta

from odoo.exceptions import AccessError, UserError, ValidationError

from ..sync.errors import ItemNotFound, PermanentError, StaleVersion
from ..sync.sides import ChangeSet, Fetched, OpResult, Remote
from .inbound import InboundValues
from .mapper import as_utc, event_to_item

EVENT = "calendar.event"
TOKEN_MARGIN = timedelta(minutes=10)

# One query lists the whole calendar of a user: ids, versions and end times.
LIST_QUERY = """
    SELECT e.id, e.write_date, e.stop, e.allday, e.stop_date
      FROM calendar_event e
     WHERE e.active
       AND e.recurrence_id IS NULL
       AND (e.user_id = %(user)s OR EXISTS (
             SELECT 1 FROM calendar_event_res_partner_rel r
              WHERE r.calendar_event_id = e.id AND r.res_partner_id = %(partner)s))
"""


def local_id(event):
    return "%s,%d" % (EVENT, event.id)


def parse_id(value):
    model, _sep, number = (value or "").partition(",")
    if model != EVENT or not number.isdigit():
        return None
    return int(number)


def version_of(write_date):
    return write_date.isoformat(timespec="microseconds")


class OdooSide:
    """The local ``Side`` of one mailbox (see ``sync.sides.Side``)."""

    name = "odoo"
    batch_size = 200

    def __init__(self, env, user, *, organizer_syncs=None, uid_hints=None):
        self.env = env.with_context(
            exchange_sync_inbound=True,
            tracking_disable=True,
            no_mail_to_attendees=True,
            dont_notify=True,
        )
        self.user = user.with_env(self.env)
        self.inbound = InboundValues(self.env, self.user)
        # user id -> True when that user syncs too (their mailbox holds their own meetings)
        self.organizer_syncs = organizer_syncs or (lambda user: False)
        # remote iCalendar UIDs by identity of the item being created (filled by the runner)
        self.uid_hints = uid_hints if uid_hints is not None else {}

    @property
    def Event(self):
        return self.env[EVENT].with_context(active_test=False)

    # -- listing ------------------------------------------------------------------------

    def list_changes(self, token, window):
        self.env[EVENT].flush_model()
        self.env.cr.execute(LIST_QUERY, {"user": self.user.id, "partner": self.user.partner_id.id})
        rows = self.env.cr.fetchall()
        cursor = token and token.replace("T", " ")
        changed = {}
        for event_id, write_date, stop, allday, stop_date in rows:
            if cursor is None:
                end = stop_date if allday else stop.date()
                if end < window.start.date():
                    continue
            elif version_of(write_date).replace("T", " ") < cursor:
                continue
            changed["%s,%d" % (EVENT, event_id)] = version_of(write_date)
        next_token = version_of(self.env.cr.now() - TOKEN_MARGIN)
        if token is None:
            return ChangeSet(changed=changed, token=next_token, complete=True)
        present = {"%s,%d" % (EVENT, row[0]) for row in rows}
        bound = self.env["calendar.exchange.binding"].search_read(
            [("user_id", "=", self.user.id), ("local_id", "!=", False)], ["local_id"]
        )
        removed = {b["local_id"] for b in bound if b["local_id"] not in present}
        return ChangeSet(changed=changed, removed=removed, token=next_token)

    # -- reading ------------------------------------------------------------------------

    def _events(self, ids):
        numbers = [n for n in map(parse_id, ids) if n]
        events = self.Event.browse(numbers).exists()
        return events.filtered(lambda e: e.active and self._belongs(e))

    def _belongs(self, event):
        return event.user_id == self.user or self.user.partner_id in event.partner_ids

    def is_organizer_copy(self, event):
        """True when this mailbox holds the event as its organizer (attendees included)."""
        return event.user_id == self.user or not event.user_id

    def item(self, event):
        return event_to_item(
            event,
            self.user,
            with_attendees=self.is_organizer_copy(event),
            default_type=self.inbound.default_type,
        )

    def fetch(self, ids):
        answer = {}
        for event in self._events(ids):
            answer[local_id(event)] = Fetched(
                version=version_of(event.write_date),
                item=self.item(event),
                identity=event.exchange_identity or None,
                uid=event.exchange_uid or None,
                last_modified=as_utc(event.write_date),
            )
        return answer

    def find_by_identity(self, identities):
        identities = list(identities)
        found = {}
        own = {i: parse_id(i) for i in identities if parse_id(i)}
        for event in self._events(["%s,%d" % (EVENT, n) for n in own.values()]):
            found[local_id(event)] = Remote(local_id(event), version_of(event.write_date))
        others = [i for i in identities if i not in own]
        if others:
            for event in self.Event.search([("exchange_identity", "in", others)]):
                if event.active and self._belongs(event):
                    found[event.exchange_identity] = Remote(
                        local_id(event), version_of(event.write_date)
                    )
        return found

    # -- writing ------------------------------------------------------------------------

    def _result(self, event):
        event.flush_recordset()
        return OpResult.success(Remote(local_id(event), version_of(event.write_date)))

    def _guarded(self, operation):
        """Run one record's write; a refusal by Odoo is that item's error, not the run's."""
        try:
            with self.env.cr.savepoint():
                return operation()
        except (UserError, ValidationError, AccessError) as error:
            return OpResult.failure(PermanentError(str(error)))

    def create(self, batch):
        return [
            self._guarded(lambda i=identity, it=item: self._create(i, it))
            for identity, item in batch
        ]

    def _create(self, identity, item):
        uid = self.uid_hints.get(identity)
        if uid:
            # The copy Exchange delivered of a meeting Odoo already has: pair, never duplicate.
            twin = self.Event.search([("exchange_uid", "=", uid), ("active", "=", True)], limit=1)
            if twin:
                if not self._belongs(twin):
                    twin.partner_ids = [(4, self.user.partner_id.id)]
                return self._result(twin)
        values = self.inbound.values(item)
        values.update(exchange_identity=identity, exchange_uid=uid or False)
        event = self.Event.create(values)
        self.inbound.set_responses(event, item)
        return self._result(event)

    def update(self, batch):
        return [
            self._guarded(lambda i=id_, v=version, it=item: self._update(i, v, it))
            for id_, version, item in batch
        ]

    def _update(self, id_, version, item):
        event = self._events([id_])
        if not event:
            return OpResult.failure(ItemNotFound("%s no longer exists in Odoo" % id_))
        if version_of(event.write_date) != version:
            return OpResult.failure(StaleVersion("%s changed in Odoo meanwhile" % id_))
        event.write(self.inbound.values(item, with_attendees=self.is_organizer_copy(event)))
        if self.is_organizer_copy(event):
            self.inbound.set_responses(event, item)
        return self._result(event)

    def delete(self, batch):
        return [
            self._guarded(lambda i=id_, v=version: self._delete(i, v)) for id_, version in batch
        ]

    def _delete(self, id_, version):
        event = self._events([id_])
        if not event:
            return OpResult.failure(ItemNotFound("%s no longer exists in Odoo" % id_))
        if version_of(event.write_date) != version:
            return OpResult.failure(StaleVersion("%s changed in Odoo meanwhile" % id_))
        if self.is_organizer_copy(event):
            event.unlink()
        else:
            # A participant removed their copy: they leave the meeting, the others keep it.
            event.partner_ids = [(3, self.user.partner_id.id)]
        return OpResult.success()
