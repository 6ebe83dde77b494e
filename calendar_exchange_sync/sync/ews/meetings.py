"""Meetings through EWS (part of the EWS backend): what a mailbox's item says as a meeting, the
send modes of writes, and the owner's answer to somebody else's meeting.

Reading: an item whose organizer is not the mailbox is a copy of somebody else's meeting; its
``MyResponseType`` is the owner's answer (``CalendarItem.response``), ``IsCancelled`` says the
organizer cancelled it. The organizer's own item says whether it was sent
(``MeetingRequestWasSent``): Exchange then delivered every internal attendee a copy and keeps
the copies in step with what the organizer sends.

Writing: the engine's create/update/delete send nothing (SendToNone); the meeting layer names
the items whose invitations, updates or cancellations Exchange must send
(``SendToAllAndSaveCopy``), and may give a new item the UID of a meeting (EWS lets a client set
``UID`` on CreateItem, so every entry of one meeting can carry the same one).

Answering (``respond``): AcceptItem / TentativelyAcceptItem / DeclineItem on the owner's copy,
sent to the organizer (SendAndSaveCopy) or not (SaveOnly, the answer's draft put straight in
Deleted Items rather than left among the user's drafts). Exchange 2007 and 2010 re-create the
copy on every answer: 2010 names the new item, 2007 names none, so it is found again by UID.
"""

from datetime import timedelta

from exchangelib.items import (
    SAVE_ONLY,
    SEND_AND_SAVE_COPY,
    SEND_TO_ALL_AND_SAVE_COPY,
    SEND_TO_NONE,
    AcceptItem,
    DeclineItem,
    TentativelyAcceptItem,
)
from exchangelib.properties import ReferenceItemId

from .. import errors
from ..engine import MeetingState, OpResult, Remote
from .errors import item_error
from .mapping import RESPONSE_IN

# Read besides the mapped fields, for meetings.
MEETING_FIELDS = ("my_response_type", "is_cancelled", "meeting_request_was_sent")
ATTENDEE_FIELDS = ("required_attendees", "optional_attendees")
REPLIES = {"accepted": AcceptItem, "tentative": TentativelyAcceptItem, "declined": DeclineItem}


def send_mode(send):
    """The EWS send mode of a write: Exchange sends to every attendee, or to nobody."""
    return SEND_TO_ALL_AND_SAVE_COPY if send else SEND_TO_NONE


def is_copy(item, mailbox):
    """The item is somebody else's meeting as this mailbox holds it."""
    return bool(item.organizer) and item.organizer != (mailbox or "").lower()


def describe(ews_item, item, mailbox):
    """``(item, MeetingState or None)``: the owner's answer put on a copy, and its state."""
    if is_copy(item, mailbox):
        answer = RESPONSE_IN.get(getattr(ews_item, "my_response_type", None) or "", "none")
        if answer == "organizer":
            answer = "none"
        state = MeetingState(cancelled=bool(getattr(ews_item, "is_cancelled", False)))
        return item.replace(response=answer), state
    if item.attendees:
        sent = bool(getattr(ews_item, "meeting_request_was_sent", False))
        return item, MeetingState(sent=sent)
    return item, None


def _people(ews_item):
    out = {}
    for optional, name in ((False, "required_attendees"), (True, "optional_attendees")):
        for attendee in getattr(ews_item, name) or ():
            if attendee.mailbox and attendee.mailbox.email_address:
                out[attendee.mailbox.email_address.lower()] = (optional, attendee)
    return out


def keep_answers(ews_item, current):
    """Before an update of the organizer's item: keep the answers Exchange tallied on it (they
    are the attendees' to give, never ours to reset). True when the attendees are the same as
    they are in Exchange: then they are not written at all."""
    now, wanted = _people(current), _people(ews_item)
    for address, (_optional, attendee) in wanted.items():
        if address in now:
            attendee.response_type = now[address][1].response_type
    return {a: o for a, (o, _) in now.items()} == {a: o for a, (o, _) in wanted.items()}


class MeetingWriter:
    """Mixed into ``EwsSide``: needs ``account``, ``mailbox``, ``folder``, ``read``, ``fail``."""

    def respond(self, batch):
        """``[(id, response, send)]`` -> ``[OpResult]``: the owner answers on their copy.

        ``response`` is "accepted", "tentative" or "declined"; the result names the copy as it
        is afterwards (a declined one is in Deleted Items: gone from the calendar).
        """
        results = []
        for item_id, response, send in batch:
            results.append(self._respond_one(item_id, response, send))
        return results

    def _respond_one(self, item_id, response, send):
        reply_class = REPLIES.get(response)
        if reply_class is None:
            return OpResult.failure(
                errors.PermanentError(
                    "Exchange has no way to take an answer back (%s)." % response,
                    item=item_id,
                    mailbox=self.mailbox,
                )
            )
        current = self.read([item_id], ["uid", "start", "end"]).get(item_id)
        if current is None:
            return OpResult.failure(
                errors.ItemNotFound("The meeting is no longer in the calendar.", item=item_id)
            )
        reply = reply_class(
            account=self.account,
            reference_item_id=ReferenceItemId(id=item_id, changekey=current.changekey),
        )
        if not send:
            # Not sent: the answer is kept as a draft, which nobody should find among theirs.
            reply.folder = self.account.trash
        try:
            answer = reply.send(SEND_AND_SAVE_COPY if send else SAVE_ONLY)
        except Exception as exc:
            error = item_error(exc, item_id, self.mailbox)
            if error is None or error.mailbox_wide:
                self.fail(exc)
            return OpResult.failure(error)
        if response == "declined":
            return OpResult.success(Remote(item_id, ""))
        return OpResult.success(self._answered(item_id, current, answer))

    def _answered(self, item_id, before, answer):
        """The copy after an answer: the item CreateItem names, else the same UID found again
        near its start (Exchange 2007 names nothing and may have re-created it)."""
        named = [
            getattr(found, "id", None)
            for found in (answer if isinstance(answer, list) else [answer])
        ]
        named = [found for found in named if found]
        for found in self.read(named, ["item_class"]).values():
            if found.item_class == "IPM.Appointment":  # not the request, if one was moved
                return Remote(found.id, found.changekey)
        same = self.read([item_id], ["subject"]).get(item_id)
        if same is not None:
            return Remote(same.id, same.changekey)
        start, end = before.start, before.end
        try:
            near = self.folder().filter(
                start__lt=end + timedelta(days=1), end__gt=start - timedelta(days=1)
            )
            for item in near.only("uid"):
                if item.uid == before.uid:
                    return Remote(item.id, item.changekey)
        except Exception as exc:
            self.fail(exc)
        return Remote(item_id, "")  # not found: the next listing says where it went
