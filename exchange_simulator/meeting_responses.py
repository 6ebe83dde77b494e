"""An attendee's answer to a meeting: Accept, Tentative, Decline (see :mod:`.meetings`).

A mixin of :class:`~exchange_simulator.meetings.Attendant`, kept apart for size.
"""

from .store import Attendee, ItemNotFound

RESPONSE_CLASS = {
    "Accept": "IPM.Schedule.Meeting.Resp.Pos",
    "Tentative": "IPM.Schedule.Meeting.Resp.Tent",
    "Decline": "IPM.Schedule.Meeting.Resp.Neg",
}
RESPONSE_PREFIX = {"Accept": "Accepted: ", "Tentative": "Tentative: ", "Decline": "Declined: "}


class ResponsesMixin:
    def respond(self, smtp, ref_id, response, send=True, save_copy=True, draft_folder=None,
                body=None, recreate=False):  # fmt: skip
        """Mailbox ``smtp`` answers ``response`` (Accept / Tentative / Decline).

        ``ref_id`` is their calendar copy (an occurrence id answers one instance) or the
        meeting request in their Inbox. ``send``: the answer goes to the organizer (EWS
        SendOnly / SendAndSaveCopy, Graph sendResponse); ``save_copy`` keeps it in
        ``sentitems``; a response not sent is kept in ``draft_folder`` when given (EWS
        SaveOnly). ``recreate``: the copy gets a new id, as Exchange 2007/2010 do.

        Returns ``(calendar item or None, moved request or None)``: the copy as it is now
        (in ``deleteditems`` after a decline; None when a declined occurrence was deleted),
        and the request moved to ``deleteditems`` when the answer was given on it.
        """
        from .meetings import APPOINTMENT, REQUEST, MeetingError

        store = self.store
        word = {"Accept": "accept", "Tentative": "tentatively accept", "Decline": "decline"}
        with store._lock:
            ref = store.get_item(smtp, ref_id)
            if ref.item_class == REQUEST:
                if ref.request_type == "Outdated":
                    raise MeetingError("out_of_date", "The meeting request is out of date.")
                copy = self._copy_for_request(smtp, ref)
            elif ref.item_class == APPOINTMENT:
                if store.folder_name(smtp, ref.folder_id) != "calendar":
                    raise MeetingError("invalid_item", "The item is not in a calendar.")
                copy = ref
            else:
                raise MeetingError("invalid_item", "Only meetings can be answered.")
            if self.is_organizer(smtp, copy):
                raise MeetingError(
                    "organizer", "The organizer cannot %s their own meeting." % word[response]
                )
            if copy.is_cancelled:
                raise MeetingError("cancelled", "The meeting has been canceled.")
            now = store.clock.now()
            show = {"Accept": copy.intended_show_as or "Busy", "Tentative": "Tentative"}
            changes = {
                "my_response": response,
                "response_time": now,
                "show_as": show.get(response, "Free"),
            }
            copy = store.update_item(smtp, copy.id, changes)
            sent_about = copy
            if response == "Decline" and copy.master_id:
                store.delete_item(smtp, copy.id)  # a declined instance leaves the series
                copy = None
            elif response == "Decline":
                copy = store.move_item(smtp, copy.id, "deleteditems")
            elif recreate and not copy.master_id:
                copy = store.recreate_item(smtp, copy.id)
            moved = None
            if ref.item_class == REQUEST:
                store.update_item(smtp, ref.id, {"is_read": True})
                moved = store.move_item(smtp, ref.id, "deleteditems")
            self._answer(smtp, sent_about, response, send, save_copy, draft_folder, body, now)
            return copy, moved

    def _copy_for_request(self, smtp, request):
        """The calendar copy a request concerns; re-created from the request when deleted."""
        store = self.store
        copy = self.copy_in(smtp, request.uid)
        if copy is None:
            # Answering a request whose calendar item was deleted puts the meeting back.
            fields = {
                name: getattr(request, name)
                for name in (
                    "subject", "body", "start", "end", "start_tz", "end_tz", "is_all_day",
                    "location", "sensitivity", "recurrence", "required_attendees",
                    "optional_attendees", "uid", "organizer", "sequence", "intended_show_as",
                    "extra",
                )
            }  # fmt: skip
            if request.original_start is not None:
                raise ItemNotFound("the series of this occurrence is gone")
            copy = store.create_item(smtp, dict(fields, my_response="NoResponseReceived"))
        if request.original_start is not None:
            return store.get_item(smtp, store.occurrence_id(copy.id, request.original_start))
        return copy

    def _answer(self, smtp, about, response, send, save_copy, draft_folder, body, now):
        """Deliver (or keep as a draft) the MeetingResponse of ``smtp`` about ``about``."""
        store = self.store
        organizer = about.organizer
        me = Attendee(smtp, store.display_name(smtp))
        values = {
            "subject": RESPONSE_PREFIX[response] + about.subject,
            "body": body if body is not None else "",
            "sender": me,
            "to_recipients": [Attendee(organizer.email, organizer.name)],
            "cc_recipients": [],
            "my_response": response,
            "is_read": True,
        }
        kind = RESPONSE_CLASS[response]
        if not send:
            if draft_folder:
                self.message(smtp, draft_folder, kind, about, me, **values)
            return
        self._record(smtp, organizer.email, kind, values["subject"], about.uid)
        if save_copy:
            self.message(smtp, "sentitems", kind, about, me, **values)
        if not store.has_mailbox(organizer.email):
            return
        mine = self.copy_in(organizer.email, about.uid)
        associated = ""
        if mine is not None:
            associated = self._tally(organizer.email, mine, about, smtp, response, now)
        values.update(associated_id=associated, is_read=False)
        self.message(organizer.email, "inbox", kind, about, me, **values)

    def _tally(self, organizer, item, about, smtp, response, now):
        """Record the answer on the organizer's item (or its occurrence); returns that id."""
        store = self.store
        target = item
        if about.master_id:
            try:
                target = store.get_item(
                    organizer, store.occurrence_id(item.id, about.original_start)
                )
            except ItemNotFound:
                return item.id  # the instance was deleted: the answer is discarded
        lists = {
            "required_attendees": list(target.required_attendees),
            "optional_attendees": list(target.optional_attendees),
        }
        found = False
        for attendees in lists.values():
            for att in attendees:
                if att.email.lower() == smtp.lower():
                    att.response, att.response_time, found = response, now, True
        if not found:
            name = store.display_name(smtp)
            lists["optional_attendees"].append(Attendee(smtp, name, response, now))
        return store.update_item(organizer, target.id, lists).id
