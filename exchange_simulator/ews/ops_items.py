"""Item-level EWS operations: GetItem, CreateItem, UpdateItem, DeleteItem.

Each item of a batch gets its own response message; one bad item never fails the others.
Meetings (send modes, CreateItem of AcceptItem & co) are in :mod:`.ops_meeting`; CreateItem
of any other item kind (Message, Task, Contact …) answers ErrorInvalidItemForOperationCreateItem:
the simulator holds calendars and the meeting messages Exchange itself creates. DeleteType
MoveToDeletedItems moves a single or a series to Deleted Items (new id); HardDelete and
SoftDelete remove it.
UpdateItem checks the ChangeKey: with ConflictResolution="NeverOverwrite" a stale one fails
with ErrorIrresolvableConflict; AlwaysOverwrite and AutoResolve write anyway ([MS-OXWSCORE]:
AutoResolve "will in most cases overwrite the existing value"; the rare cases where Exchange
keeps the other writer's value, such as a raised Sensitivity, are not simulated).
"""

from ..recurrence import InvalidRecurrence, validate
from ..store import ChangeKeyMismatch, ItemNotFound, OccurrenceDeleted
from . import item_rules, ops_contacts, ops_meeting
from .item_parse import (
    READ_ONLY,
    SETTABLE,
    ext_key,
    finish,
    parse_calendar_item,
    parse_extended,
    parse_field,
    parse_item_id,
    parse_shape,
)
from .item_xml import writer_for
from .soap import ItemError, ResponseBuilder, m, sub, t

NOT_FOUND = ("ErrorItemNotFound", "The specified object was not found in the store.")
DELETED = (
    "ErrorCalendarOccurrenceIsDeletedFromRecurrence",
    "Occurrence with this index was previously deleted from the recurrence.",
)
SEND_INVITATIONS = {"SendToNone", "SendOnlyToAll", "SendToAllAndSaveCopy"}
CONFLICT = (
    "ErrorIrresolvableConflict",
    "The send or update operation could not be performed because the change key passed in "
    "the request does not match the current change key for the item.",
)


def _resolve(ctx, ref):
    try:
        return parse_item_id(ref, ctx.store, ctx.mailbox)
    except OccurrenceDeleted:
        raise ItemError(*DELETED) from None
    except ItemNotFound:
        if ref.tag == t("OccurrenceItemId"):
            raise ItemError(
                "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange",
                "The occurrence index is out of the recurrence range.",
            ) from None
        raise ItemError(*NOT_FOUND) from None


def get_item(ctx, op):
    out = ResponseBuilder("GetItem")
    writer = writer_for(ctx, parse_shape(op.find(m("ItemShape"))))
    for ref in op.find(m("ItemIds")):
        try:
            item_id, _ = _resolve(ctx, ref)
            item = ctx.store.get_item(ctx.mailbox, item_id)
        except ItemError as exc:
            out.error(exc.code, exc.text)
            continue
        except OccurrenceDeleted:
            out.error(*DELETED)
            continue
        except ItemNotFound:
            out.error(*NOT_FOUND)
            continue
        writer.write(sub(out.success(), m("Items")), item)
    return out


def _check(values):
    if values.get("start") is None or values.get("end") is None:
        # Only reached by an UpdateItem deleting Start or End (CreateItem fills them in).
        raise ItemError("ErrorInvalidPropertyDelete", "Start and End cannot be deleted.")
    if values["end"] < values["start"]:
        raise ItemError(
            "ErrorCalendarEndDateIsEarlierThanStartDate",
            "The end date is earlier than the start date.",
        )
    if values.get("recurrence"):
        try:
            validate(values["recurrence"])
        except InvalidRecurrence as exc:
            raise ItemError(
                "ErrorCalendarInvalidRecurrence", "The recurrence is invalid: %s" % exc
            ) from None


def create_item(ctx, op):
    out = ResponseBuilder("CreateItem")
    invitations = op.get("SendMeetingInvitations")
    items = op.find(m("Items"))
    for elem in items:
        if elem.tag.split("}")[1] in ops_meeting.HANDLED:
            ops_meeting.response_object(ctx, op, elem, out)
            continue
        if elem.tag == t("Contact"):
            ops_contacts.create(ctx, op, elem, out)
            continue
        if elem.tag == t("CalendarItem") and ops_contacts.refuses_calendar_item(ctx, op):
            out.error(
                "ErrorCannotCreateCalendarItemInNonCalendarFolder",
                "Calendar items can only be created in a calendar folder.",
            )
            continue
        if elem.tag != t("CalendarItem"):
            out.error(*item_rules.unsupported_item(elem.tag.split("}")[1], op))
            continue
        if invitations not in SEND_INVITATIONS:
            out.error(
                "ErrorSendMeetingInvitationsRequired",
                "SendMeetingInvitations is required for calendar items.",
            )
            continue
        try:
            values = parse_calendar_item(elem, ctx.tz)
            item_rules.default_times(values, ctx.store.clock.now())
            _check(values)
            extra = values.setdefault("extra", {})
            people = values.get("required_attendees") or values.get("optional_attendees")
            extra["invitations_sent"] = bool(people) and invitations != "SendToNone"
            item = ctx.store.create_item(ctx.mailbox, values)
            if people:
                item = ops_meeting.send(ctx, item, invitations)
        except ItemError as exc:
            out.error(exc.code, exc.text)
            continue
        node = sub(sub(out.success(), m("Items")), t("CalendarItem"))
        sub(node, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    return out


def _changes(ctx, updates, current):
    """Store changes of an ``<t:Updates>`` element, applied on top of ``current``."""
    values, ext = {}, dict(current.extended_properties)
    touched_ext = False
    for update in updates:
        action = update.tag.split("}")[1]
        uri_elem = update[0]
        if uri_elem.tag == t("ExtendedFieldURI"):
            touched_ext = True
            if action == "DeleteItemField":
                ext.pop(ext_key(uri_elem), None)
            else:
                key, value = parse_extended(update[1].find(t("ExtendedProperty")))
                ext[key] = value
            continue
        if uri_elem.tag != t("FieldURI"):
            raise ItemError("ErrorInvalidPropertySet", "This property cannot be updated.")
        uri = uri_elem.get("FieldURI")
        if uri in READ_ONLY:
            raise ItemError("ErrorInvalidPropertySet", "The property %s is read-only." % uri)
        if uri not in SETTABLE:
            # Not modelled by the store: kept as the client wrote it (item_rules.py).
            name = uri.split(":")[-1]
            item_rules.refuse_read_only(name)
            extra = values.get("extra") or dict(current.extra)
            if action == "DeleteItemField":
                values["extra"] = item_rules.dropped(extra, name)
            elif action == "SetItemField" and len(update[1]) and name != "Organizer":
                values["extra"] = item_rules.kept(extra, update[1][0])
            continue
        attr, default = SETTABLE[uri]
        if action == "DeleteItemField":
            values[attr] = default
        elif action == "AppendToItemField":
            raise ItemError("ErrorInvalidPropertyAppend", "Appending to %s is not supported." % uri)
        else:
            holder = update[1]
            child = holder[0] if len(holder) else None
            parsed = parse_field(child, ctx.tz) if child is not None else None
            if parsed is None:
                raise ItemError("ErrorInvalidPropertySet", "The update of %s is empty." % uri)
            values[parsed[0]] = parsed[1]
            if child.tag == t("MeetingTimeZone"):
                values["end_tz"] = parsed[1]
    if touched_ext:
        values["extended_properties"] = ext
    values = finish(values, current)
    merged = {
        "start": values.get("start", current.start),
        "end": values.get("end", current.end),
        "recurrence": values.get("recurrence", current.recurrence),
    }
    _check(merged)
    return values


def update_item(ctx, op):
    out = ResponseBuilder("UpdateItem")
    policy = op.get("ConflictResolution", "AutoResolve")
    sending = op.get("SendMeetingInvitationsOrCancellations")
    for change in op.find(m("ItemChanges")):
        if change[0].tag == t("ItemId") and ctx.store.is_contact(ctx.mailbox, change[0].get("Id")):
            ops_contacts.update(ctx, change, policy, out)
            continue
        try:
            item_id, change_key = _resolve(ctx, change[0])
            current = ctx.store.get_item(ctx.mailbox, item_id)
            if sending is None and current.item_class == "IPM.Appointment":
                raise ItemError(
                    "ErrorSendMeetingInvitationsOrCancellationsRequired",
                    "SendMeetingInvitationsOrCancellations is required for calendar items.",
                )
            if current.item_type in ("Occurrence", "Exception") and change[0].tag == t("ItemId"):
                change_key = change_key if change_key != current.change_key else None
            values = _changes(ctx, change.find(t("Updates")), current)
            check_key = change_key if policy == "NeverOverwrite" else None
            # Setting Recurrence regenerates the series on Exchange, even with the same pattern.
            item = ctx.store.update_item(
                ctx.mailbox, item_id, values, change_key=check_key,
                reset_series="recurrence" in values,
            )  # fmt: skip
            if ops_meeting.people_of(item) or ops_meeting.people_of(current):
                item = ops_meeting.send(ctx, item, sending, previous=current)
        except ItemError as exc:
            out.error(exc.code, exc.text)
            continue
        except ItemNotFound:
            out.error(*NOT_FOUND)
            continue
        except ChangeKeyMismatch:
            out.error(*CONFLICT)
            continue
        msg = out.success()
        node = sub(sub(msg, m("Items")), t("CalendarItem"))
        sub(node, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
        sub(sub(msg, m("ConflictResults")), t("Count"), "0")
    return out


def delete_item(ctx, op):
    out = ResponseBuilder("DeleteItem")
    cancellations = op.get("SendMeetingCancellations")
    to_trash = op.get("DeleteType") == "MoveToDeletedItems"
    for ref in op.find(m("ItemIds")):
        try:
            item_id, _ = _resolve(ctx, ref)
            item = ctx.store.get_item(ctx.mailbox, item_id)
            if cancellations is None and item.item_class == "IPM.Appointment":
                raise ItemError(
                    "ErrorSendMeetingCancellationsRequired",
                    "SendMeetingCancellations is required for calendar items.",
                )
            ops_meeting.cancel_before_delete(ctx, item, cancellations)
            folder = ctx.store.folder_name(ctx.mailbox, item.folder_id)
            if to_trash and not item.master_id and folder != "deleteditems":
                ctx.store.move_item(ctx.mailbox, item_id, "deleteditems")
            else:  # an occurrence is never moved: its series records the deletion
                ctx.store.delete_item(ctx.mailbox, item_id)
        except ItemError as exc:
            out.error(exc.code, exc.text)
            continue
        except ItemNotFound:
            out.error(*NOT_FOUND)
            continue
        out.success()
    return out
