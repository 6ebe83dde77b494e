"""Meetings as one meeting, seen from one mailbox: a wrapper around its Exchange side.

The engine compares one Odoo entry with one Exchange item. A meeting is more: one Odoo event,
the organizer's item, and a copy in each synchronised attendee's mailbox, which either Exchange
delivered (its invitations were sent) or the sync wrote (they were not). This wrapper makes
each mailbox's part of a meeting look to the engine like what it must do with it:

* Organizer's item: written with the attendees. Exchange sends the invitations (EWS
  ``SendToAllAndSaveCopy``; on Office 365, the attendees are written at all) only for a meeting
  left to Exchange (``invitations``); its updates and cancellation then go out too. Otherwise
  nothing is sent: on EWS it is written with ``SendToNone`` and the meeting's UID, on Office 365
  without attendees (Graph cannot write them without inviting), which reads back as listing
  the Odoo attendees. An answer alone never makes anything be sent.
* An attendee's copy Exchange delivered: read as the Odoo meeting with the copy's answer, so
  the only thing that travels is the answer (AcceptItem / accept … from their mailbox when
  they answer in Odoo; their Odoo line when they answer in Outlook). Nothing of it is ever
  written by the sync; what the attendee changes on it stays theirs. When they decline in Odoo
  (or delete a meeting they received from outside), the sync declines it; when the meeting
  goes away in Odoo, the organizer's cancellation reaches it through Exchange.
* An attendee's copy the sync wrote (nothing was sent): written from the Odoo meeting with the
  meeting's UID (EWS), and read back as what the sync last wrote (``binding.written``), so the
  attendee's own edits stay theirs until the organizer changes the meeting; their reminder and
  show-as are never overwritten. Deleted by the sync when they leave or the meeting goes.
* A cancelled copy is the cancellation: for the sync, the copy is gone (the attendee leaves in
  Odoo; the organizer's own mailbox deletes the meeting there).
* Answers of people who synchronise a mailbox travel from their own copy only: in any
  organizer's attendee list they read as "none" (``mapper.speaks_for_self``).
"""

import dataclasses
import hashlib
import uuid
from datetime import date, datetime, timezone

from ..sync.engine import OpResult, Remote, Unreadable
from ..sync.errors import PermanentError
from ..sync.items import CalendarItem
from ..sync.normalize import field_text
from . import invitations, ownership
from .addresses import normalize
from .odoo_side import EVENT, SERIES, parse_id

# What this wrapper reads of a binding.
BINDING_FIELDS = ["identity", "remote_id", "local_id", "written", "field_hashes", "declines"]

# An answer Exchange can send (an unanswered "none" cannot be sent back).
ANSWERS = ("accepted", "tentative", "declined")


def _now():
    return datetime.now(timezone.utc)


def over(item, now=None):
    """The item (a series: its rule's end is not known here, so never) ended already."""
    if item.recurrence is not None:
        return False
    now = now or _now()
    end = item.end
    if isinstance(end, date) and not isinstance(end, datetime):
        return end <= now.date()
    return end <= now


def _shared(item):
    """What an organizer's update tells the attendees: the meeting itself (when, where, what,
    who), not anybody's answers nor the organizer's own reminder, show-as or categories."""
    return (
        item.subject,
        item.start,
        item.end,
        item.all_day,
        item.body,
        item.location,
        item.privacy,
        item.recurrence,
        frozenset((a.email, a.optional) for a in item.attendees),
    )


class MeetingSide:
    """The Exchange side of one mailbox's run, meeting-aware (see the module docstring).

    ``side`` is the backend under the organizer guard; ``odoo`` the run's ``OdooSide``;
    ``send_answers`` the company's *Send invitations* setting (answers reach organizers).
    """

    def __init__(self, side, odoo, mailbox_id, *, send_answers=False):
        self._side = side
        self._odoo = odoo
        self._mailbox_id = mailbox_id
        self._address = normalize(odoo.mailbox)
        self._send_answers = send_answers
        self._graph = bool(getattr(side, "invites_with_attendees", False))
        self._raw = {}  # remote id -> Fetched as Exchange answered it this run
        self.touched = set()  # Odoo units whose meeting Exchange sent or updated this run
        self.name = side.name
        self.batch_size = side.batch_size

    def __getattr__(self, name):
        return getattr(self._side, name)

    @property
    def env(self):
        return self._odoo.env

    # -- who is who -----------------------------------------------------------------------

    def _bindings(self, remote_ids=(), identities=()):
        """{remote id or identity: binding} of this mailbox."""
        Binding = self.env["calendar.exchange.binding"].sudo()
        found = {}
        # search_fetch: the bindings and what is read of them here, in one query.
        if remote_ids:
            for binding in Binding.search_fetch(
                [("mailbox_id", "=", self._mailbox_id), ("remote_id", "in", list(remote_ids))],
                BINDING_FIELDS,
            ):
                found[binding.remote_id] = binding
        if identities:
            for binding in Binding.search_fetch(
                [("mailbox_id", "=", self._mailbox_id), ("identity", "in", list(identities))],
                BINDING_FIELDS,
            ):
                found[binding.identity] = binding
        return found

    def _unit(self, local):
        """The Odoo event or series of a local id, if it still exists."""
        return self._units([local])[local]

    def _units(self, locals_):
        """{local id: its Odoo event or series (empty when it no longer exists)}: one query
        per model for a whole batch, and the records share their prefetch, so that what is
        then read of them (their kind, their item) is read for all of them at once."""
        wanted = {local: (parse_id(local), parse_id(local, SERIES)) for local in locals_}
        found = {}
        for position, model in ((0, EVENT), (1, SERIES)):
            numbers = {ids[position] for ids in wanted.values() if ids[position]}
            records = self.env[model].with_context(active_test=False).browse(numbers)
            found[model] = {record.id: record for record in (records.exists() if numbers else ())}
        empty = self._odoo.Event.browse()
        return {
            local: found[EVENT].get(event_id) or found[SERIES].get(series_id) or empty
            for local, (event_id, series_id) in wanted.items()
        }

    @staticmethod
    def _events(unit):
        return unit.calendar_event_ids if unit._name == SERIES else unit

    def _kind(self, unit):
        if unit._name == EVENT:
            # The event itself, not a slice of it: a slice reads alone, the event with the
            # batch it was found in (see _units).
            return self._odoo.kind(unit) if unit else None
        events = self._events(unit)
        first = events.filtered("active")[:1] or events[:1]
        return self._odoo.kind(first) if first else None

    def _local_items(self, units):
        """{unit: the item the Odoo side shows this mailbox for it}."""
        ids = {"%s,%d" % (u._name, u.id): u for u in units if u}
        fetched = self._odoo.fetch(list(ids)) if ids else {}
        return {ids[i]: got.item for i, got in fetched.items() if not isinstance(got, Unreadable)}

    # -- reading --------------------------------------------------------------------------

    def fetch(self, ids):
        answer = self._side.fetch(ids)
        self._raw.update(answer)
        bindings = self._bindings(remote_ids=list(answer))
        known = self._units({b.local_id for b in bindings.values() if b.local_id})
        units, out = {}, {}
        for remote_id, got in answer.items():
            if isinstance(got, Unreadable):
                out[remote_id] = got  # that entry's error (the engine reports it)
                continue
            if got.meeting is not None and got.meeting.cancelled:
                continue  # the cancellation: gone, for the sync
            binding = bindings.get(remote_id)
            if binding and binding.written:
                # The attendee's entry the sync wrote: what it wrote is what it holds.
                written = CalendarItem.from_dict(binding.written)
                out[remote_id] = dataclasses.replace(got, item=written)
                continue
            unit = known.get(binding.local_id) if binding else None
            if not unit and got.item.response is not None and got.uid:
                unit = meeting_of(self._odoo, got.uid)
            if not unit and got.identity and got.item.response is None:
                unit = self._unit(got.identity)  # created from Odoo, not yet paired again
            if unit:
                units[remote_id] = unit
                if got.item.response is None and got.meeting is not None:
                    self._note_own(unit, got)
            out[remote_id] = self._speaking(got)
        # What Odoo holds is read only for the entries where it counts (most entries, plain
        # ones, need none): a copy's whole content, an own meeting's attendees.
        wanted = {}
        for remote_id, unit in units.items():
            got = out[remote_id]
            kind = self._kind(unit)
            if kind == ownership.COPY and got.item.response is not None:
                wanted[remote_id] = "copy"
            elif kind == ownership.OWN and self._graph and not got.item.attendees:
                if invitations.state_of(self._events(unit)[:1]) == invitations.SENT:
                    continue
                if unit._name == EVENT:
                    # Written without attendees so that Graph invited nobody: they are Odoo's.
                    people = self._odoo.attendees(unit)
                    if people is not None:
                        item = got.item.replace(attendees=people)
                        out[remote_id] = dataclasses.replace(got, item=item)
                else:
                    wanted[remote_id] = "attendees"
        local = self._local_items({units[remote_id] for remote_id in wanted})
        for remote_id, what in wanted.items():
            mine = local.get(units[remote_id])
            if mine is None:
                continue
            got = out[remote_id]
            if what == "copy":
                # Exchange's copy of somebody else's meeting: only the answer is the copy's.
                item = mine.replace(response=got.item.response)
            else:  # a series: its attendees are those of its template event's item
                item = got.item.replace(attendees=mine.attendees)
            out[remote_id] = dataclasses.replace(got, item=item)
        return out

    def _note_own(self, unit, got):
        """What the organizer's item says of the meeting, kept on the Odoo event: its UID, and
        that Exchange sent it (also after a crash lost the run that wrote it)."""
        if self._kind(unit) != ownership.OWN:
            return
        base = self._events(unit)[:1].sudo()
        if got.uid and not base.exchange_uid:
            base.exchange_uid = got.uid
        holder = (unit if unit._name == SERIES else base).sudo()
        if got.meeting.sent and holder.exchange_invitations != invitations.SENT:
            holder.exchange_invitations = invitations.SENT

    def _speaking(self, got):
        """Answers of people who synchronise a mailbox read "none" in an attendee list."""
        from .addresses import users_by_mailbox

        emails = [a.email for a in got.item.attendees if a.response != "none"]
        if not emails:
            return got
        synced = {
            address
            for address, user in users_by_mailbox(self.env, emails).items()
            if user.exchange_sync_enabled
        }
        if not synced:
            return got
        people = tuple(
            dataclasses.replace(a, response="none") if a.email in synced else a
            for a in got.item.attendees
        )
        return dataclasses.replace(got, item=got.item.replace(attendees=people))

    def _current(self, ids):
        """{id: Fetched as Exchange holds it} for these ids (read if not read this run)."""
        missing = [i for i in ids if i not in self._raw]
        if missing:
            self._raw.update(self._side.fetch(missing))
        return {  # an entry Exchange cannot give whole is written as if unread
            i: self._raw[i]
            for i in ids
            if i in self._raw and not isinstance(self._raw[i], Unreadable)
        }

    # -- writing --------------------------------------------------------------------------

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, batch):
        bindings = self._bindings(identities=[identity for identity, _ in batch])
        known = self._units({b.local_id for b in bindings.values() if b.local_id})
        results = [None] * len(batch)
        writes, send, uids, notes = [], set(), {}, {}
        for index, (identity, item) in enumerate(batch):
            binding = bindings.get(identity)
            unit = known.get(binding.local_id) if binding else None
            kind = self._kind(unit) if unit else None
            note = {"unit": unit, "kind": kind, "item": item}
            if kind == ownership.COPY:
                if invitations.state_of(self._events(unit)[:1]):
                    # Exchange delivers this meeting's copy: the sync never writes one beside
                    # it. The attendee removed theirs: they declined.
                    self._odoo.inbound.set_own_response(self._events(unit), "declined")
                    results[index] = OpResult.failure(
                        PermanentError(
                            "The copy of this meeting was removed from the calendar in "
                            "Exchange: the meeting is declined."
                        )
                    )
                    continue
                uids[identity] = self._uid_for(unit)
            elif kind == ownership.OWN and item.attendees:
                state = invitations.state_of(self._events(unit)[:1])
                if state == invitations.PENDING and not over(item):
                    send.add(identity)
                    note["sent"] = True
                else:
                    note["quiet"] = state == invitations.PENDING  # never sent after all
                    if self._graph:
                        item = item.replace(attendees=())
                uids[identity] = self._uid_for(unit)
            notes[index] = note
            writes.append((index, identity, item))
        if writes:
            answers = self._side.create(
                [(identity, item) for _, identity, item in writes],
                send=send,
                uids={k: v for k, v in uids.items() if v},
            )
            for (index, identity, _item), result in zip(writes, answers, strict=True):
                results[index] = result
                if result.ok:
                    self._created(notes[index], identity, result, uids.get(identity), bindings)
        return results

    def _uid_for(self, unit):
        """The meeting's UID for a new entry: its own, or (EWS, which lets a client set one) a
        new one that every entry of the meeting then shares."""
        base = self._events(unit)[:1]
        uid = base.sudo().exchange_uid
        if not uid and not self._graph:
            uid = "%s@odoo" % uuid.uuid4().hex
            base.sudo().write({"exchange_uid": uid})
        return uid or None

    def _created(self, note, identity, result, uid, bindings):
        unit = note["unit"]
        if not unit:
            return
        events = self._events(unit)
        if note["kind"] == ownership.COPY:
            self._remember(identity=identity, item=note["item"])
            return
        if note["kind"] != ownership.OWN:
            return
        base = events[:1].sudo()
        if result.remote.uid and not base.exchange_uid:
            base.exchange_uid = result.remote.uid  # Graph chose it
        if note.get("sent"):
            (unit if unit._name == SERIES else base).sudo().exchange_invitations = invitations.SENT
            self.touched.add(unit)
        elif note.get("quiet"):
            # Left to Exchange but not sent (in the past by now): Odoo's attendees get their
            # entries written by the sync instead.
            (unit if unit._name == SERIES else base).sudo().exchange_invitations = False

    def _remember(self, item, identity=None, remote_id=None):
        """What the sync wrote into an attendee's entry (see the module docstring)."""
        Binding = self.env["calendar.exchange.binding"].sudo()
        domain = [("mailbox_id", "=", self._mailbox_id)]
        domain += [("identity", "=", identity)] if identity else [("remote_id", "=", remote_id)]
        Binding.search(domain).write({"written": item.to_dict()})

    def _needs_reading(self, binding, unit, kind, item):
        """Whether an update must first read the entry as Exchange holds it: not for an entry
        last agreed as a plain one (no attendees, no answer: neither a meeting nor a copy),
        written by the sync as anything but an update of a meeting Exchange sent, since
        nothing of what Exchange holds then changes what is written."""
        if binding is None or binding.written or not _plain(binding.field_hashes):
            return True
        if item.response is not None:
            return True
        return bool(
            kind == ownership.OWN
            and item.attendees
            and invitations.state_of(self._events(unit)[:1]) == invitations.SENT
        )

    def update(self, batch):
        bindings = self._bindings(remote_ids=[item_id for item_id, _, _ in batch])
        known = self._units({b.local_id for b in bindings.values() if b.local_id})
        units = {}
        for item_id, _version, _item in batch:
            binding = bindings.get(item_id)
            unit = known.get(binding.local_id) if binding else None
            units[item_id] = (unit, self._kind(unit) if unit else None)
        unread = {
            item_id
            for item_id, _version, item in batch
            if item_id not in self._raw
            and not self._needs_reading(bindings.get(item_id), *units[item_id], item)
        }
        current = self._current([item_id for item_id, _, _ in batch if item_id not in unread])
        results = [None] * len(batch)
        plain, sending, answers, copies = [], set(), [], {}
        for index, (item_id, version, item) in enumerate(batch):
            now = current.get(item_id)
            binding = bindings.get(item_id)
            unit, kind = units[item_id]
            if now is None and item_id not in unread:
                plain.append((index, (item_id, version, item)))
                continue
            if now is None:
                # Not read (see _needs_reading): written as the plain entry it was agreed as.
                if kind == ownership.OWN and item.attendees and self._graph:
                    item = item.replace(attendees=())
                plain.append((index, (item_id, version, item)))
                continue
            if binding and binding.written:
                # The attendee's entry the sync wrote: their reminder and show-as stay theirs.
                own = now.item
                item = item.replace(reminder_minutes=own.reminder_minutes, show_as=own.show_as)
                copies[index] = batch[index][2]
                plain.append((index, (item_id, now.version, item)))
                continue
            if now.item.response is not None:
                wanted = item.response
                if wanted in ANSWERS and wanted != now.item.response:
                    answers.append((index, item_id, wanted))
                if kind == ownership.COPY or item.replace(response=None) == now.item.replace(
                    response=None
                ):
                    if not any(a[0] == index for a in answers):
                        results[index] = OpResult.success(Remote(item_id, now.version))
                    continue
                plain.append((index, (item_id, version, item)))
                continue
            if kind == ownership.OWN and item.attendees:
                state = invitations.state_of(self._events(unit)[:1])
                if self._graph and state != invitations.SENT:
                    item = item.replace(attendees=())
                elif state == invitations.SENT and not over(item):
                    if _shared(item) != _shared(now.item):
                        sending.add(item_id)  # answers, reminders… are never sent as updates
                        self.touched.add(unit)
                    elif self._graph:
                        # Graph sends an update for any change of a sent meeting: what only
                        # concerns the organizer (reminder, show-as, tags) stays in Odoo.
                        results[index] = OpResult.success(Remote(item_id, now.version))
                        continue
            plain.append((index, (item_id, version, item)))
        if plain:
            done = self._side.update([entry for _, entry in plain], send=sending)
            for (index, _entry), result in zip(plain, done, strict=True):
                results[index] = result
                if result.ok and index in copies:
                    self._remember(copies[index], remote_id=result.remote.id)
        if answers:
            self._answer(answers, results)
        return results

    def _answer(self, answers, results):
        """Send the owner's answers; an answer replaces the result of its entry."""
        batch = [(item_id, response, self._send_answers) for _, item_id, response in answers]
        for (index, _item_id, _response), result in zip(
            answers, self._side.respond(batch), strict=True
        ):
            if results[index] is None or results[index].ok or not result.ok:
                results[index] = result

    def delete(self, batch):
        current = self._current([item_id for item_id, _ in batch])
        bindings = self._bindings(remote_ids=[item_id for item_id, _ in batch])
        results = [None] * len(batch)
        plain, sending, answers = [], set(), []
        for index, (item_id, version) in enumerate(batch):
            now = current.get(item_id)
            binding = bindings.get(item_id)
            if now is None or now.item.response is None or (binding and binding.written):
                # The organizer's own item (or an entry the sync wrote into an attendee's
                # mailbox): deleted; a meeting Exchange sent is cancelled for all.
                if now is not None and now.meeting is not None and now.meeting.sent:
                    if not over(now.item) and now.item.response is None:
                        sending.add(item_id)
                plain.append((index, (item_id, version)))
                continue
            if self._declines(binding):
                answers.append((index, item_id, "declined"))
                continue
            # The meeting went away in Odoo (or the owner no longer attends): the organizer's
            # cancellation reaches this copy through Exchange; nothing is said in their name.
            results[index] = OpResult.success()
        if plain:
            done = self._side.delete([entry for _, entry in plain], send=sending)
            for (index, _entry), result in zip(plain, done, strict=True):
                results[index] = result
        if answers:
            self._answer(answers, results)
            for index, _item_id, _response in answers:
                if results[index].ok:
                    results[index] = OpResult.success()
        return results

    def _declines(self, binding):
        """Deleting this copy means declining it: the owner declined it in Odoo, or deleted
        there a meeting they had received from outside."""
        if binding is None:
            return False
        if binding.declines:
            return True
        unit = self._unit(binding.local_id)
        if not unit:
            return False
        events = self._events(unit)
        mine = events.attendee_ids.filtered(lambda a: a.partner_id == self._odoo.user.partner_id)
        return bool(mine) and all(a.state == "declined" for a in mine)


# The field hashes of an entry without attendees (see ``CalendarItem.field_hashes``).
_NO_ATTENDEES = hashlib.sha256(field_text([]).encode()).hexdigest()[:16]


def _plain(field_hashes):
    """The agreed content (a binding's field hashes) had no attendees and no answer."""
    hashes = field_hashes or {}
    return hashes.get("attendees") == _NO_ATTENDEES and "response" not in hashes


def wake_attendees(env, written, touched, user):
    """A meeting came in or went out in this run: the other synchronised people taking part
    get a run soon, so that every copy pairs with the one Odoo event quickly."""
    events = env["calendar.event"].browse()
    for model in (EVENT, SERIES):  # one query per model, whatever the number of entries
        records = env[model].browse(sorted(i for m, i in written if m == model)).exists()
        for record in records:
            events |= record.calendar_event_ids[:1] if model == SERIES else record
    for unit in touched:
        events |= unit.calendar_event_ids[:1] if unit._name == SERIES else unit
    events = events.exists().filtered(lambda e: e.partner_ids - user.partner_id)
    if events:
        others = (events.user_id | events.partner_ids.user_ids) - user
        if others.filtered("exchange_sync_enabled"):
            env["calendar.exchange.mailbox"]._request_sync_for_events(events, but=user)


def meeting_of(odoo, uid):
    """The Odoo meeting (event or series) a copy with ``uid`` is, for this mailbox's owner:
    only one they take part in (``meeting_pairing`` rule 1), never found by UID alone."""
    from .meeting_pairing import twin

    return twin(odoo, uid) or None


__all__ = ["EVENT", "MeetingSide", "meeting_of"]
