"""Meetings across mailboxes: what Exchange's Calendar Attendant does, protocol-neutral.

Both front ends (EWS and Graph) call an :class:`Attendant` after writing the organizer's item;
it delivers meeting messages and keeps every internal attendee's calendar copy in step, the
way a real server does. ``Attendant(store, journal)``; every method takes the store's lock, so
a meeting is delivered to all its attendees in one step.

Identity
    A copy has the organizer's UID, hence the same Global Object Ids (:mod:`.goid`; EWS reads
    them as the extended properties Meeting 0x3 / 0x23, Graph as ``Binary {6ED8DA90-…} Id
    0x3`` / ``0x23``, see :func:`computed_property`). Ids differ per mailbox.

Sending (:meth:`Attendant.send`: EWS CreateItem ``SendMeetingInvitations`` other than
SendToNone, UpdateItem ``SendMeetingInvitationsOrCancellations`` other than SendToNone, every
Graph POST/PATCH of an organizer's event with attendees)
    Each recipient gets one message, class IPM.Schedule.Meeting.Request, MeetingRequestType
    NewMeetingRequest (first time), FullUpdate (start, end, all-day or recurrence changed) or
    InformationalUpdate (anything else). One :class:`~.journal.Mail` per recipient is recorded;
    an address without a mailbox here is external: the journal is all there is. An internal
    recipient also gets the request in their ``inbox`` (older requests of that meeting turn
    Outdated) and their calendar copy created or updated:

    - subject, body, times and zones, all-day, location, sensitivity, recurrence with the
      organizer's modified and deleted occurrences, attendee list (responses shown Unknown),
      Organizer = the organizer, sequence; categories and reminder only when the copy is
      created;
    - a new copy is ``my_response`` NoResponseReceived, ``show_as`` Tentative
      (``intended_show_as`` keeps the organizer's, which an accept applies); a FullUpdate
      puts an answered copy back to NoResponseReceived / Tentative ([MS-OXOCAL] 3.1.4.7.3.2:
      significant changes clear the responses) and clears the organizer's tally to Unknown;
    - the attendee's own values stay theirs on later updates: show-as, reminder, categories,
      extended properties, and per occurrence their answer;
    - an update of one occurrence (EWS UpdateItem of an occurrence, Graph PATCH of an
      instance) changes that occurrence of the copy only, which becomes an exception;
    - the organizer's custom extended properties are NOT copied (whether transport carries
      them to the copy is not documented; the simulator assumes it does not).

    ``recipients="changed"`` (SendOnlyToChanged / SendToChangedAndSaveCopy, a Graph PATCH of
    ``attendees`` only) sends to added attendees only, unless another meeting property
    changed, then to all. Removed attendees always get a cancellation. ``save_copy`` keeps the
    request in the organizer's ``sentitems``. The organizer's item records whom it was sent to
    (``invited``: EWS MeetingRequestWasSent) and a raised sequence on significant changes.

Responses (:meth:`Attendant.respond`, in :mod:`.meeting_responses`)
    On an attendee's copy (or occurrence of it), or on the request in their Inbox. Accept:
    copy Accept, shown as the organizer intended; Tentative: Tentative/Tentative; Decline: the
    copy moves to ``deleteditems`` (a declined occurrence is deleted from the series). A
    request answered moves to ``deleteditems``. Sent (``send=True``): a MeetingResponse
    (Resp.Pos / Resp.Tent / Resp.Neg, subject "Accepted: ", "Tentative: ", "Declined: ") reaches
    the organizer's Inbox and the organizer's item records the attendee's ResponseType and
    LastResponseTime (an unknown responder is added as optional attendee, as [MS-OXOCAL]
    3.1.4.8.5.2 says). Not sent: only the attendee's side changes. Refused: the organizer
    answering (``organizer``), a cancelled meeting (``cancelled``), an Outdated request
    (``out_of_date``), anything that is not a calendar item or request (``invalid_item``).

Cancellation (:meth:`Attendant.cancel`: EWS DeleteItem with SendOnlyToAll /
SendToAllAndSaveCopy, CancelCalendarItem; Graph ``/cancel`` and DELETE by the organizer)
    Every attendee on the item gets an IPM.Schedule.Meeting.Canceled message (also when the
    meeting was never sent: EWS sends what the call asks for); an internal attendee's copy
    (or occurrence) becomes ``is_cancelled``, subject "Canceled: …", shown Free, and stays in
    their calendar until they remove it (EWS RemoveItem: :meth:`Attendant.remove`). Only the
    organizer may cancel (``not_organizer``). An attendee deleting a copy sends nothing.

Reading it back: EWS shows a copy with Organizer (someone else), MyResponseType, IsOrganizer
false (2013+), AppointmentState 3 (meeting + received; 7 once cancelled), IsCancelled,
AppointmentReplyTime; the organizer's item with MeetingRequestWasSent and each attendee's
ResponseType / LastResponseTime. Graph shows isOrganizer, responseStatus {response, time},
isCancelled, iCalUId (the UID), attendees[].status.
"""

import base64
import copy as _copy

from .goid import (
    CLEAN_GLOBAL_OBJECT_ID,
    GLOBAL_OBJECT_ID,
    PSETID_MEETING,
    clean_global_object_id,
    global_object_id,
)
from .journal import Mail
from .meeting_responses import ResponsesMixin
from .store import Attendee, ItemNotFound

APPOINTMENT = "IPM.Appointment"
REQUEST = "IPM.Schedule.Meeting.Request"
CANCELED = "IPM.Schedule.Meeting.Canceled"
CANCELED_PREFIX = "Canceled: "
# Changes that make an update a FullUpdate and clear the responses.
SIGNIFICANT = ("start", "end", "is_all_day", "recurrence")
# What the organizer's item gives every copy.
SHARED = (
    "subject", "body", "start", "end", "start_tz", "end_tz", "is_all_day", "location",
    "sensitivity", "recurrence", "required_attendees", "optional_attendees",
)  # fmt: skip
# What stays the attendee's on an occurrence of their copy.
PRIVATE = (
    "show_as", "reminder_is_set", "reminder_minutes", "categories", "extended_properties",
    "my_response", "response_time",
)  # fmt: skip


class MeetingError(Exception):
    """A meeting action Exchange refuses; ``kind`` says why (see the module docstring)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind, self.message = kind, message


def computed_property(item, key):
    """The base64 value of a Meeting-set Global Object Id asked as an extended property."""
    set_id, name, kind = key
    if kind != "Binary" or str(set_id).lower() not in ("meeting", PSETID_MEETING):
        return None
    if str(name) == str(GLOBAL_OBJECT_ID):
        blob = global_object_id(item.uid, item.original_start)
    elif str(name) == str(CLEAN_GLOBAL_OBJECT_ID):
        blob = clean_global_object_id(item.uid)
    else:
        return None
    return base64.b64encode(blob).decode()


def attendant_for(simulator):
    """The one Attendant of a running simulator, shared by its EWS and Graph front ends."""
    with simulator.store._lock:
        if getattr(simulator, "_attendant", None) is None:
            simulator._attendant = Attendant(simulator.store, simulator.journal)
        return simulator._attendant


def people(item):
    """Required then optional attendees of an item."""
    return list(item.required_attendees) + list(item.optional_attendees)


def blank_responses(attendees):
    """Attendees as a copy or a message lists them: no tracked responses."""
    return [Attendee(a.email, a.name, "Unknown") for a in attendees]


class Attendant(ResponsesMixin):
    def __init__(self, store, journal=None):
        self.store, self.journal = store, journal

    # -- helpers ---------------------------------------------------------------------------

    def is_organizer(self, smtp, item):
        return item.organizer is None or item.organizer.email.lower() == smtp.lower()

    def _organizer_of(self, smtp, item):
        if item.organizer is not None:
            return Attendee(item.organizer.email, item.organizer.name, "Organizer")
        return Attendee(smtp, self.store.display_name(smtp), "Organizer")

    def _record(self, sender, recipient, item_class, subject, uid, request_type=""):
        if self.journal is None:
            return
        self.journal.record_mail(
            Mail(
                self.store.clock.now(), sender, recipient, item_class, subject, uid,
                external=not self.store.has_mailbox(recipient), request_type=request_type,
            )
        )  # fmt: skip

    def copy_in(self, smtp, uid):
        """The calendar item of mailbox ``smtp`` for the meeting ``uid`` (None: not there)."""
        cal = self.store.folder_id(smtp, "calendar")
        for item in self.store.find_by_uid(smtp, uid):
            if item.folder_id == cal and item.item_class == APPOINTMENT:
                return item
        return None

    def _outdate_requests(self, smtp, uid, original_start=None):
        for msg in self.store.items(smtp, "inbox"):
            if msg.item_class == REQUEST and msg.uid == uid and msg.request_type != "Outdated":
                if original_start is None or msg.original_start == original_start:
                    self.store.update_item(smtp, msg.id, {"request_type": "Outdated"})

    def message(self, smtp, folder, item_class, source, organizer, **values):
        """A meeting message in ``smtp``'s ``folder``, describing ``source`` (an item/view)."""
        fields = {name: _copy.deepcopy(getattr(source, name)) for name in SHARED}
        if source.master_id:  # an instance: its own times, no pattern
            fields["recurrence"] = None
            fields["original_start"] = source.original_start
        fields.update(
            item_class=item_class, uid=source.uid, organizer=organizer, sender=organizer,
            to_recipients=blank_responses(source.required_attendees),
            cc_recipients=blank_responses(source.optional_attendees),
            required_attendees=blank_responses(source.required_attendees),
            optional_attendees=blank_responses(source.optional_attendees),
            sequence=source.sequence, extra={"body_type": source.extra.get("body_type", "HTML")},
        )  # fmt: skip
        fields.update(values)
        msg = self.store.create_item(smtp, fields, folder=folder)
        if source.master_id:
            msg = self.store.update_item(smtp, msg.id, {"item_type": source.item_type})
        return msg

    # -- sending ---------------------------------------------------------------------------

    def send(self, smtp, item_id, recipients="all", save_copy=True, previous=None):
        """The organizer ``smtp`` sends item ``item_id`` (new, or updated from ``previous``).

        Returns the organizer's item as it is afterwards (its change key moved).
        """
        store = self.store
        with store._lock:
            item = store.get_item(smtp, item_id)
            if not self.is_organizer(smtp, item):
                return item  # an attendee's copy: Exchange sends nothing for it
            master = store.get_item(smtp, item.master_id) if item.master_id else item
            organizer = self._organizer_of(smtp, master)
            current = {a.email.lower(): a for a in people(item) if a.email.lower() != smtp.lower()}
            before = {a.email.lower() for a in people(previous)} if previous else set(current)
            invited = set(master.invited)
            significant = previous is not None and any(
                getattr(previous, f) != getattr(item, f) for f in SIGNIFICANT
            )
            other = previous is not None and any(
                getattr(previous, f) != getattr(item, f)
                for f in SHARED
                if f not in ("required_attendees", "optional_attendees")
            )
            if recipients == "changed" and not other:
                targets = [
                    a for key, a in current.items() if key not in before or key not in invited
                ]
            else:
                targets = list(current.values())
            removed = sorted(invited - set(current))
            if significant and targets:
                master.sequence += 1  # copies and messages carry the new sequence
            for attendee in targets:
                key = attendee.email.lower()
                kind = "NewMeetingRequest" if key not in invited else (
                    "FullUpdate" if significant else "InformationalUpdate"
                )  # fmt: skip
                self._deliver_request(smtp, organizer, master, item, attendee, kind)
            for address in removed:
                self._deliver_cancellation(smtp, organizer, master, Attendee(address))
            if save_copy and targets:
                self.message(smtp, "sentitems", REQUEST, item, organizer, is_read=True)
            changes = {
                "invited": sorted((invited | {a.email.lower() for a in targets}) - set(removed))
            }
            if significant and targets:
                changes["sequence"] = master.sequence
            if significant and targets and not item.master_id:
                # The tally starts over (an instance's own tally is not modelled).
                for name in ("required_attendees", "optional_attendees"):
                    changes[name] = [
                        Attendee(a.email, a.name, "Unknown") for a in getattr(master, name)
                    ]
            store.update_item(smtp, master.id, changes)
            return store.get_item(smtp, item.id)

    def _deliver_request(self, smtp, organizer, master, view, attendee, kind):
        self._record(smtp, attendee.email, REQUEST, view.subject, master.uid, kind)
        box = attendee.email
        if not self.store.has_mailbox(box):
            return
        copy = self._upsert_copy(box, organizer, master, kind, view)
        self._outdate_requests(box, master.uid, view.original_start)
        associated = copy.id
        if view.master_id:
            associated = self.store.occurrence_id(copy.id, view.original_start)
        self.message(
            box, "inbox", REQUEST, view, organizer, associated_id=associated, request_type=kind,
            my_response="NoResponseReceived", show_as="Tentative",
            intended_show_as=master.show_as,
        )  # fmt: skip

    def _upsert_copy(self, box, organizer, master, kind, view):
        existing = self.copy_in(box, master.uid)
        if existing is not None and view.master_id:
            return self._update_instance(box, existing, view, kind)
        values = {name: _copy.deepcopy(getattr(master, name)) for name in SHARED}
        values["required_attendees"] = blank_responses(master.required_attendees)
        values["optional_attendees"] = blank_responses(master.optional_attendees)
        values.update(
            uid=master.uid, organizer=organizer, sequence=master.sequence,
            intended_show_as=master.show_as, is_cancelled=False,
            deleted_occurrences=set(master.deleted_occurrences),
            modified_occurrences=self._occurrences(master, existing),
            extra={"body_type": master.extra.get("body_type", "HTML")},
        )  # fmt: skip
        if existing is None:
            values.update(
                my_response="NoResponseReceived", show_as="Tentative",
                reminder_is_set=master.reminder_is_set, reminder_minutes=master.reminder_minutes,
                categories=list(master.categories),
            )  # fmt: skip
            return self.store.create_item(box, values)
        if kind == "FullUpdate":
            values.update(my_response="NoResponseReceived", show_as="Tentative", response_time=None)
        return self.store.update_item(box, existing.id, values)

    def _update_instance(self, box, copy, view, kind):
        """An update of one occurrence reaches that occurrence of the copy only."""
        values = {name: _copy.deepcopy(getattr(view, name)) for name in SHARED}
        del values["recurrence"], values["start_tz"], values["end_tz"]
        values["required_attendees"] = blank_responses(view.required_attendees)
        values["optional_attendees"] = blank_responses(view.optional_attendees)
        values["is_cancelled"] = False
        if kind == "FullUpdate":
            values.update(my_response="NoResponseReceived", show_as="Tentative", response_time=None)
        try:
            self.store.update_item(
                box, self.store.occurrence_id(copy.id, view.original_start), values
            )
        except ItemNotFound:
            pass  # the attendee's series no longer has that instance
        return self.store.get_item(box, copy.id)

    @staticmethod
    def _occurrences(master, existing):
        """The organizer's modified occurrences, with what the attendee set on their own."""
        mine = existing.modified_occurrences if existing is not None else {}
        out = {}
        for original in set(master.modified_occurrences) | set(mine):
            if original in master.deleted_occurrences:
                continue
            theirs = master.modified_occurrences.get(original, {})
            override = {k: _copy.deepcopy(v) for k, v in theirs.items() if k in SHARED}
            for name in ("required_attendees", "optional_attendees"):
                if name in override:
                    override[name] = blank_responses(override[name])
            override.update({k: v for k, v in mine.get(original, {}).items() if k in PRIVATE})
            if override:
                out[original] = override
        return out

    # -- cancelling ------------------------------------------------------------------------

    def cancel(self, smtp, item_id, save_copy=True, body=None):
        """The organizer cancels the meeting (or one occurrence) for every attendee.

        The caller then deletes or moves the organizer's own item, as its protocol does.
        """
        store = self.store
        with store._lock:
            item = store.get_item(smtp, item_id)
            if not self.is_organizer(smtp, item):
                raise MeetingError(
                    "not_organizer", "Only the meeting organizer can cancel the meeting."
                )
            organizer = self._organizer_of(smtp, item)
            targets = [a for a in people(item) if a.email.lower() != smtp.lower()]
            for attendee in targets:
                self._deliver_cancellation(smtp, organizer, item, attendee, body)
            if save_copy and targets:
                self.message(
                    smtp, "sentitems", CANCELED, item, organizer, is_read=True,
                    subject=CANCELED_PREFIX + item.subject, is_cancelled=True,
                )  # fmt: skip

    def _deliver_cancellation(self, smtp, organizer, item, attendee, body=None):
        """Cancel ``item`` (a meeting or one instance) for one attendee."""
        subject = CANCELED_PREFIX + item.subject
        self._record(smtp, attendee.email, CANCELED, subject, item.uid)
        box = attendee.email
        if not self.store.has_mailbox(box):
            return
        copy = self.copy_in(box, item.uid)
        associated = ""
        if copy is not None:
            target = copy.id
            if item.master_id:
                target = self.store.occurrence_id(copy.id, item.original_start)
            try:
                marked = self.store.update_item(
                    box, target, {"is_cancelled": True, "subject": subject, "show_as": "Free"}
                )
                associated = marked.id
            except ItemNotFound:
                pass  # that occurrence is gone from the copy already
        self._outdate_requests(box, item.uid, item.original_start)
        extra = {"body": body} if body is not None else {}
        self.message(
            box, "inbox", CANCELED, item, organizer, associated_id=associated, subject=subject,
            is_cancelled=True, show_as="Free", **extra,
        )  # fmt: skip

    def remove(self, smtp, message_id):
        """EWS RemoveItem: an attendee clears a cancelled meeting from their calendar."""
        store = self.store
        with store._lock:
            msg = store.get_item(smtp, message_id)
            if msg.item_class != CANCELED:
                raise MeetingError("invalid_item", "RemoveItem needs a meeting cancellation.")
            copy = self.copy_in(smtp, msg.uid)
            if copy is not None and msg.original_start is not None:
                try:
                    store.delete_item(smtp, store.occurrence_id(copy.id, msg.original_start))
                except ItemNotFound:
                    pass
            elif copy is not None:
                store.move_item(smtp, copy.id, "deleteditems")
            return store.move_item(smtp, msg.id, "deleteditems")
