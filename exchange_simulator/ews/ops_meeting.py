"""EWS meeting operations: the send modes of CreateItem / UpdateItem / DeleteItem, and the
response objects CreateItem takes (AcceptItem, TentativelyAcceptItem, DeclineItem,
CancelCalendarItem, RemoveItem), on top of :class:`exchange_simulator.meetings.Attendant`.

Send modes (Microsoft Learn, CreateItem / UpdateItem / DeleteItem): SendToNone sends nothing
and leaves every copy as it was; SendOnlyToAll / SendToAllAndSaveCopy send to every attendee,
SendOnlyToChanged / SendToChangedAndSaveCopy (UpdateItem) to the attendees the change concerns;
"SaveCopy" keeps the message in the organizer's Sent Items, "Only" keeps none. What is sent
for an attendee's copy: nothing (only the organizer sends).

Response objects need MessageDisposition (ErrorMessageDispositionRequired) and a
ReferenceItemId (ErrorMissingInformationReferenceItemId). SendAndSaveCopy sends and keeps the
response in Sent Items, SendOnly sends, SaveOnly only records the answer on the copy and keeps
the response as a draft (in SavedItemFolderId, else Drafts): it is how a client answers
without notifying the organizer. The answer names the calendar item (and, when the answer was
given on a meeting request, the request now in Deleted Items), as Exchange 2013 does; Exchange
2007 answers an empty Items. Exchange 2007/2010 re-create the attendee's calendar item on every
response, so its id changes (EWS Managed API 2.0 docs); 2013 and later keep it.
Refusals use Exchange's codes: ErrorCalendarIsOrganizerFor{Accept,Tentative,Decline},
ErrorCalendarIsCancelledFor…, ErrorCalendarMeetingRequestIsOutOfDate,
ErrorInvalidItemForOperation{AcceptItem,Tentative,DeclineItem,CancelItem,RemoveItem},
ErrorCalendarIsNotOrganizer (an attendee's CancelCalendarItem), ErrorItemNotFound.
"""

from ..meetings import APPOINTMENT, CANCELED, CANCELED_PREFIX, MeetingError, attendant_for
from ..store import ItemNotFound
from .soap import m, sub, t

SEND = {
    "SendToNone": None,
    "SendOnlyToAll": ("all", False),
    "SendToAllAndSaveCopy": ("all", True),
    "SendOnlyToChanged": ("changed", False),
    "SendToChangedAndSaveCopy": ("changed", True),
}
RESPONSES = {"AcceptItem": "Accept", "TentativelyAcceptItem": "Tentative", "DeclineItem": "Decline"}
HANDLED = set(RESPONSES) | {"CancelCalendarItem", "RemoveItem"}
_INVALID = {
    "Accept": "ErrorInvalidItemForOperationAcceptItem",
    "Tentative": "ErrorInvalidItemForOperationTentative",
    "Decline": "ErrorInvalidItemForOperationDeclineItem",
}
# Spelled out (not built from the response's name) so that every code can be checked against
# the schema's ResponseCodeType.
_ORGANIZER = {
    "Accept": "ErrorCalendarIsOrganizerForAccept",
    "Tentative": "ErrorCalendarIsOrganizerForTentative",
    "Decline": "ErrorCalendarIsOrganizerForDecline",
}
_CANCELLED = {
    "Accept": "ErrorCalendarIsCancelledForAccept",
    "Tentative": "ErrorCalendarIsCancelledForTentative",
    "Decline": "ErrorCalendarIsCancelledForDecline",
}
OLD_IDS = ("Exchange2007_SP1", "Exchange2010_SP2")  # re-create the copy on a response


def attendant(ctx):
    """The simulator's one Attendant (it writes the journal's mail records)."""
    return attendant_for(ctx.simulator)


def send(ctx, item, mode, previous=None):
    """Send ``item`` as ``mode`` says (an EWS send mode); returns the item as it is now."""
    spec = SEND.get(mode)
    if spec is None:
        return item
    recipients, save_copy = spec
    return attendant(ctx).send(ctx.mailbox, item.id, recipients, save_copy, previous)


def people_of(item):
    return item.required_attendees or item.optional_attendees


def cancel_before_delete(ctx, item, mode):
    """DeleteItem of the organizer's meeting with SendOnlyToAll / SendToAllAndSaveCopy."""
    spec = SEND.get(mode)
    att = attendant(ctx)
    if spec is None or item.item_class != APPOINTMENT or not people_of(item):
        return
    if not att.is_organizer(ctx.mailbox, item):
        return  # an attendee deleting their copy tells nobody
    att.cancel(ctx.mailbox, item.id, save_copy=spec[1])


def response_object(ctx, op, elem, out):
    """One response object of a CreateItem: answers one response message into ``out``."""
    name = elem.tag.split("}")[1]
    disposition = op.get("MessageDisposition")
    if disposition is None:
        return out.error(
            "ErrorMessageDispositionRequired", "MessageDisposition is required for %s." % name
        )
    ref = elem.find(t("ReferenceItemId"))
    if ref is None or not ref.get("Id"):
        return out.error(
            "ErrorMissingInformationReferenceItemId", "The ReferenceItemId is missing."
        )
    body = elem.findtext(t("NewBodyContent")) or elem.findtext(t("Body"))
    try:
        if name in RESPONSES:
            ids = _respond(ctx, op, RESPONSES[name], ref.get("Id"), disposition, body)
        elif name == "CancelCalendarItem":
            ids = _cancel(ctx, ref.get("Id"), disposition, body)
        else:
            attendant(ctx).remove(ctx.mailbox, ref.get("Id"))
            ids = []  # RemoveItem names no item
    except ItemNotFound:
        return out.error("ErrorItemNotFound", "The specified object was not found in the store.")
    except MeetingError as exc:
        return out.error(_code(name, exc.kind), exc.message)
    items = sub(out.success(), m("Items"))
    if ctx.version == "Exchange2007_SP1":
        return items  # Exchange 2007 names no item in the answer
    for tag, item in ids:
        sub(sub(items, t(tag)), t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    return items


def _code(name, kind):
    if kind == "not_organizer":
        return "ErrorCalendarIsNotOrganizer"
    if name == "CancelCalendarItem":
        return "ErrorInvalidItemForOperationCancelItem"
    if name == "RemoveItem":
        return "ErrorInvalidItemForOperationRemoveItem"
    response = RESPONSES[name]
    return {
        "organizer": _ORGANIZER[response],
        "cancelled": _CANCELLED[response],
        "out_of_date": "ErrorCalendarMeetingRequestIsOutOfDate",
    }.get(kind, _INVALID[response])


def _saved_folder(ctx, op):
    holder = op.find(m("SavedItemFolderId"))
    if holder is None or not len(holder):
        return None
    from .ops_folder import resolve_folder

    return resolve_folder(ctx, holder[0])


def _respond(ctx, op, response, ref_id, disposition, body):
    send_it = disposition in ("SendOnly", "SendAndSaveCopy")
    draft = None if send_it else (_saved_folder(ctx, op) or "drafts")
    copy, moved = attendant(ctx).respond(
        ctx.mailbox, ref_id, response, send=send_it,
        save_copy=disposition == "SendAndSaveCopy", draft_folder=draft, body=body,
        recreate=ctx.version in OLD_IDS,
    )  # fmt: skip
    ids = [("CalendarItem", copy)] if copy is not None else []
    return ids + ([("MeetingRequest", moved)] if moved is not None else [])


def _cancel(ctx, ref_id, disposition, body):
    store, att = ctx.store, attendant(ctx)
    item = store.get_item(ctx.mailbox, ref_id)
    if item.item_class != APPOINTMENT:
        raise MeetingError("invalid_item", "Only a calendar item can be canceled.")
    if not att.is_organizer(ctx.mailbox, item):
        raise MeetingError("not_organizer", "Only the meeting organizer can cancel the meeting.")
    if disposition == "SaveOnly":
        organizer = att._organizer_of(ctx.mailbox, item)
        draft = att.message(
            ctx.mailbox, "drafts", CANCELED, item, organizer,
            subject=CANCELED_PREFIX + item.subject, is_cancelled=True, body=body or "",
        )  # fmt: skip
        return [("MeetingCancellation", draft)]
    att.cancel(ctx.mailbox, item.id, save_copy=disposition == "SendAndSaveCopy", body=body)
    if item.master_id:
        store.delete_item(ctx.mailbox, item.id)
        return [("CalendarItem", store.get_item(ctx.mailbox, item.master_id))]
    # "Cancel a meeting ... deletes the meeting for the organizer also": to Deleted Items.
    return [("CalendarItem", store.move_item(ctx.mailbox, item.id, "deleteditems"))]
