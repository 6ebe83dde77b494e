"""Meetings through Microsoft Graph (part of the Graph backend): what an event says as a
meeting, and the owner's answer to somebody else's meeting.

Reading: an event whose organizer is not the mailbox (``isOrganizer`` false) is a copy of
somebody else's meeting; ``responseStatus.response`` is the owner's answer
(``CalendarItem.response``) and ``isCancelled`` says the organizer cancelled it. Graph has no
"was sent" flag: an organizer's event with attendees always was (Graph sends on every POST and
PATCH that carries attendees, and offers no way not to).

Answering (``respond``): ``POST /events/{id}/accept | tentativelyAccept | decline`` with
``sendResponse`` (202, no body). A declined copy leaves the attendee's calendar. Graph cannot
take an answer back ("none"): that is refused with a plain sentence.

Writing without inviting: there is no such flag in Graph (see the simulator's
``graph/meeting_actions``); the meeting layer leaves the attendees out of what it writes when
nobody is to be invited.
"""

from .. import errors
from ..engine import MeetingState, OpResult, Remote
from .mapping import RESPONSE_FROM_GRAPH

ACTIONS = {"accepted": "accept", "tentative": "tentativelyAccept", "declined": "decline"}


def describe(event, item, mailbox):
    """``(item, MeetingState or None)``: the owner's answer put on a copy, and its state."""
    organizer = item.organizer
    copy = event.get("isOrganizer") is False or (
        organizer is not None and organizer != (mailbox or "").lower()
    )
    if copy and organizer:
        status = (event.get("responseStatus") or {}).get("response") or "none"
        answer = RESPONSE_FROM_GRAPH.get(status, "none")
        if answer == "organizer":
            answer = "none"
        return item.replace(response=answer), MeetingState(cancelled=bool(event.get("isCancelled")))
    if item.attendees:
        return item, MeetingState(sent=True)
    return item, None


def respond(side, batch):
    """``[(id, response, send)]`` -> ``[OpResult]`` for ``GraphSide.respond``."""
    members, slots, results = [], [], [None] * len(batch)
    for index, (event_id, response, send) in enumerate(batch):
        action = ACTIONS.get(response)
        if action is None:
            results[index] = OpResult.failure(
                errors.PermanentError(
                    "Microsoft Graph has no way to take an answer back (%s)." % response,
                    item=event_id,
                    mailbox=side.mailbox,
                )
            )
            continue
        members.append(
            {
                "method": "POST",
                "url": "%s/events/%s/%s" % (side.user, event_id, action),
                "body": {"sendResponse": bool(send)},
            }
        )
        slots.append(index)
    answers = side.client.batch(members, mailbox=side.mailbox) if members else []
    for index, (status, _headers, body) in zip(slots, answers, strict=True):
        event_id = batch[index][0]
        if status >= 400:
            results[index] = OpResult.failure(
                side.client.error(status, body, side.mailbox, event_id)
            )
        else:
            results[index] = OpResult.success(Remote(event_id, ""))
    # An answer changes the event's version: read it (a declined one is gone).
    answered = [batch[i][0] for i in slots if results[i].ok and batch[i][1] != "declined"]
    if answered:
        current = side.fetch(answered)
        for index in slots:
            event_id = batch[index][0]
            if results[index].ok and event_id in current:
                results[index] = OpResult.success(Remote(event_id, current[event_id].version))
    return results
