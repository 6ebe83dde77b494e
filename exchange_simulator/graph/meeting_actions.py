"""Graph meetings: the event actions accept / tentativelyAccept / decline / cancel, and what
POST, PATCH and DELETE of an organizer's event send (through
:class:`exchange_simulator.meetings.Attendant`, shared with EWS).

Actions (Microsoft Learn, event-accept / -tentativelyaccept / -decline / -cancel): ``POST
/users/{id}/events/{id}/accept`` with an optional body ``{"comment", "sendResponse"}``
(sendResponse defaults to true) answers ``202 Accepted`` with no body. Decline moves the
attendee's event to Deleted Items (a declined occurrence leaves the series). The organizer
cannot answer their own meeting (400). ``/cancel`` (body ``{"comment"}``) is the organizer's
only: it sends the cancellation and moves the event to Deleted Items; an attendee gets 400
"Your request can't be completed. You need to be an organizer to cancel a meeting."; an
occurrence id cancels that occurrence.

Sending: Graph has no SendToNone. ``POST`` of an event with attendees invites them all; a
``PATCH`` of the organizer's meeting sends an update to all attendees, except a PATCH of
``attendees`` alone, which only reaches the attendees added (and cancels for those removed),
as the event-update reference says; ``DELETE`` by the organizer sends the cancellation first.
A PATCH or DELETE of an attendee's copy sends nothing. Graph offers no flag to write an
event with attendees without notifying them (Microsoft Q&A: "There is no official flag or
parameter that disables Outlook from sending invitations"; every documented workaround is to
leave ``attendees`` out of what is written): a client that must not invite writes the event
without attendees, or writes each internal attendee's entry in their own mailbox.
"""

from ..meetings import MeetingError, attendant_for, people
from ..store import ItemNotFound
from .request import GraphError

ACTIONS = {"accept": "Accept", "tentativelyaccept": "Tentative", "decline": "Decline"}


def _body(ctx):
    body = ctx.call.body
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise GraphError(400, "BadRequest", "The request body must be a JSON object.")
    return body


def action(ctx):
    """POST …/events/{id}/accept | tentativelyAccept | decline | cancel."""
    name = ctx.params["action"].lower()
    body = _body(ctx)
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise GraphError(400, "BadRequest", "comment must be a string.")
    att = attendant_for(ctx.app.sim)
    store_id = ctx.store_id()
    ctx.entry.items += 1
    try:
        if name == "cancel":
            _cancel(ctx, att, store_id, comment)
        else:
            send = body.get("sendResponse", True)
            if not isinstance(send, bool):
                raise GraphError(400, "BadRequest", "sendResponse must be a boolean.")
            att.respond(ctx.smtp, store_id, ACTIONS[name], send=send, save_copy=True, body=comment)
    except ItemNotFound:
        raise GraphError(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        ) from None
    except MeetingError as exc:
        raise GraphError(400, "ErrorInvalidRequest", _message(exc)) from None
    return 202, None, []


def _message(exc):
    if exc.kind == "not_organizer":
        return "Your request can't be completed. You need to be an organizer to cancel a meeting."
    if exc.kind == "organizer":
        return "Your request can't be completed. You can't respond to a meeting you organized."
    return "Your request can't be completed. %s" % exc.message


def _cancel(ctx, att, store_id, comment):
    store = ctx.store
    item = store.get_item(ctx.smtp, store_id)
    att.cancel(ctx.smtp, store_id, save_copy=True, body=comment)
    if item.master_id:
        store.delete_item(ctx.smtp, store_id)
    else:
        store.move_item(ctx.smtp, store_id, "deleteditems")


def after_create(ctx, item):
    """POST of an event with attendees: the invitations go out. Returns the item as it is."""
    if not people(item):
        return item
    return attendant_for(ctx.app.sim).send(ctx.smtp, item.id, "all", save_copy=True)


def after_patch(ctx, previous, item):
    """PATCH of the organizer's meeting: the update goes out (see the module docstring)."""
    att = attendant_for(ctx.app.sim)
    if not (people(item) or people(previous)) or not att.is_organizer(ctx.smtp, item):
        return item
    only_people = set(ctx.call.body or {}) == {"attendees"}
    recipients = "changed" if only_people else "all"
    return att.send(ctx.smtp, item.id, recipients, save_copy=True, previous=previous)


def before_delete(ctx, item):
    """DELETE of the organizer's meeting cancels it for the attendees first."""
    att = attendant_for(ctx.app.sim)
    if people(item) and att.is_organizer(ctx.smtp, item):
        att.cancel(ctx.smtp, item.id, save_copy=True)
