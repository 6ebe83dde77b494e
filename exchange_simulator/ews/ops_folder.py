"""Folder-level EWS operations: GetFolder, SyncFolderItems, FindItem (CalendarView or paged).

Folders: the calendar, the mail folders meetings use (inbox, sentitems, deleteditems, drafts:
IPF.Note folders holding meeting messages and moved calendar items), and root/msgfolderroot.
A CalendarView works on the calendar only (ErrorCalendarFolderIsInvalidForCalendarView).

Sync states are opaque to clients (base64 with a checksum), tied to one mailbox and folder;
a forged, foreign or expired one gets ErrorInvalidSyncStateData, as on Exchange. They survive
a restart from a ``--save`` file (see persist.py), as a real server's do.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from ..store import MailboxNotFound, SyncStateExpired
from . import ops_contacts
from .item_parse import parse_datetime, parse_shape
from .item_xml import writer_for
from .restriction import matches
from .soap import ItemError, ResponseBuilder, m, sub, t

MAIL_FOLDERS = ("inbox", "sentitems", "deleteditems", "drafts")
FOLDER_CLASS = {"calendar": "IPF.Appointment", **dict.fromkeys(MAIL_FOLDERS, "IPF.Note")}
DISPLAY = {"calendar": "Calendar", "root": "Top of Information Store", "msgfolderroot": "Root"}
DISPLAY |= {"inbox": "Inbox", "sentitems": "Sent Items", "deleteditems": "Deleted Items"}
DISPLAY |= {"drafts": "Drafts"}
STORED = ("calendar", *MAIL_FOLDERS)  # the folders that hold items


def _folder_ids(ctx):
    """(folder name, folder id) for the mailbox's distinguished and known folders."""
    store, box = ctx.store, ctx.mailbox
    real = {name: store.folder_id(box, name) for name in STORED}
    pseudo = {
        n: base64.b64encode(("F:%s:%s" % (n, box.lower())).encode()).decode()
        for n in ("root", "msgfolderroot")
    }
    return {**real, **pseudo, **ops_contacts.folder_ids(ctx)}


def resolve_folder(ctx, elem):
    """Folder name for a FolderId / DistinguishedFolderId element (ErrorFolderNotFound else)."""
    known = _folder_ids(ctx)
    if elem.tag == t("DistinguishedFolderId"):
        name = elem.get("Id")
        mailbox = elem.find(t("Mailbox"))
        if mailbox is not None:
            address = (mailbox.findtext(t("EmailAddress")) or "").strip()
            if address and address.lower() != ctx.mailbox.lower():
                raise ItemError("ErrorAccessDenied", "Access is denied to that mailbox.")
        if name in known:
            return name
    elif elem.tag == t("FolderId"):
        for name, fid in known.items():
            if fid == elem.get("Id"):
                return name
    raise ItemError("ErrorFolderNotFound", "The specified folder could not be found in the store.")


def _write_folder(parent, ctx, name):
    ids = _folder_ids(ctx)
    if ops_contacts.is_contacts(ctx, name):
        return ops_contacts.write_folder(parent, ctx, name, ids["root"])
    elem = sub(parent, t("CalendarFolder" if name == "calendar" else "Folder"))
    sub(elem, t("FolderId"), Id=ids[name], ChangeKey="AgAAAA==")
    if name != "root":
        sub(elem, t("ParentFolderId"), Id=ids["root"], ChangeKey="AQAAAA==")
    if name in FOLDER_CLASS:
        sub(elem, t("FolderClass"), FOLDER_CLASS[name])
    sub(elem, t("DisplayName"), DISPLAY[name])
    count = len(ctx.store.items(ctx.mailbox, name)) if name in STORED else 0
    sub(elem, t("TotalCount"), str(count))
    sub(elem, t("ChildFolderCount"), "0" if name in STORED else "1")
    if name in MAIL_FOLDERS:
        unread = [i for i in ctx.store.items(ctx.mailbox, name) if not i.is_read]
        sub(elem, t("UnreadCount"), str(len(unread)))
    return elem


def get_folder(ctx, op):
    out = ResponseBuilder("GetFolder")
    for ref in op.find(m("FolderIds")):
        try:
            name = resolve_folder(ctx, ref)
        except ItemError as exc:
            out.error(exc.code, exc.text)
            continue
        _write_folder(sub(out.success(), m("Folders")), ctx, name)
    return out


# -- SyncFolderItems -----------------------------------------------------------------------


def _mac(secret, payload):
    return hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()[:16]


def _secret(ctx):
    # Kept in the seed's state, so a server started again from its --save file still accepts
    # the sync states it issued (persist.py).
    state = ctx.simulator.seed.state
    return bytes.fromhex(state.setdefault("ews_sync_secret", secrets.token_hex(32)))


def encode_state(ctx, folder_id, token):
    seq, offset = token
    payload = "ews1|%s|%s|%d|%s" % (
        ctx.mailbox.lower(),
        folder_id,
        seq,
        "" if offset is None else offset,
    )
    return base64.b64encode(("%s|%s" % (payload, _mac(_secret(ctx), payload))).encode()).decode()


def decode_state(ctx, folder_id, text):
    invalid = ItemError(
        "ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid."
    )
    try:
        raw = base64.b64decode(text.strip(), validate=True).decode()
        payload, mac = raw.rsplit("|", 1)
        tag, mailbox, folder, seq, offset = payload.split("|")
    except (ValueError, UnicodeDecodeError):
        raise invalid from None
    if tag != "ews1" or not hmac.compare_digest(mac, _mac(_secret(ctx), payload)):
        raise invalid
    if mailbox != ctx.mailbox.lower() or folder != folder_id:
        raise invalid
    return int(seq), (int(offset) if offset else None)


def sync_folder_items(ctx, op):
    out = ResponseBuilder("SyncFolderItems")
    shape = parse_shape(op.find(m("ItemShape")))
    try:
        name = resolve_folder(ctx, op.find(m("SyncFolderId"))[0])
        if name not in STORED and not ops_contacts.is_contacts(ctx, name):
            raise ItemError(
                "ErrorInvalidOperation", "Only the calendar folder is synchronised here."
            )
        folder_id = _folder_ids(ctx)[name]
        state = (op.findtext(m("SyncState")) or "").strip()
        token = decode_state(ctx, folder_id, state) if state else None
        limit = int(op.findtext(m("MaxChangesReturned")))
        ignore = (
            {e.get("Id") for e in op.find(m("Ignore"))}
            if op.find(m("Ignore")) is not None
            else set()
        )
        try:
            batch = ctx.store.changes_since(ctx.mailbox, token, folder=name, limit=limit)
        except SyncStateExpired:
            raise ItemError(
                "ErrorInvalidSyncStateData",
                "Synchronization state data is corrupt or otherwise invalid.",
            ) from None
    except (ItemError, MailboxNotFound) as exc:
        out.error(getattr(exc, "code", "ErrorNonExistentMailbox"), getattr(exc, "text", str(exc)))
        return out
    msg = out.success()
    sub(msg, m("SyncState"), encode_state(ctx, folder_id, batch.token))
    sub(msg, m("IncludesLastItemInRange"), "false" if batch.more else "true")
    changes = sub(msg, m("Changes"))
    writer = writer_for(ctx, shape)
    for kind, item_id in batch.changes:
        if item_id in ignore:
            continue
        if kind == "delete":
            sub(sub(changes, t("Delete")), t("ItemId"), Id=item_id)
            continue
        try:
            item = ctx.store.get_item(ctx.mailbox, item_id)
        except Exception:
            continue
        writer.write(sub(changes, t("Create" if kind == "create" else "Update")), item)
    return out


# -- FindItem ------------------------------------------------------------------------------


def find_item(ctx, op):
    out = ResponseBuilder("FindItem")
    shape = parse_shape(op.find(m("ItemShape")))
    writer = writer_for(ctx, shape)
    restriction = op.find(m("Restriction"))
    for ref in op.find(m("ParentFolderIds")):
        try:
            name = resolve_folder(ctx, ref)
            if ops_contacts.is_contacts(ctx, name):
                items = ops_contacts.find_items(ctx, name)
                if restriction is not None:
                    items = [i for i in items if matches(restriction, i, ctx)]
            elif name not in STORED:
                items = []
            else:
                items = _find(ctx, op, restriction, name)
        except ItemError as exc:
            out.error(exc.code, exc.text)
            continue
        items, offset, last = _page(op, items)
        msg = out.success()
        root = sub(msg, m("RootFolder"))
        if offset is not None:
            root.set("IndexedPagingOffset", str(offset))
        root.set("TotalItemsInView", str(len(items[1])))
        root.set("IncludesLastItemInRange", "true" if last else "false")
        container = sub(root, t("Items"))
        for item in items[0]:
            writer.write(container, item)
    return out


def _find(ctx, op, restriction, name="calendar"):
    view = op.find(m("CalendarView"))
    if view is not None and name != "calendar":
        raise ItemError(
            "ErrorCalendarFolderIsInvalidForCalendarView",
            "A CalendarView needs a calendar folder.",
        )
    if name != "calendar":
        # Mail folders list newest first, as Exchange sorts them by DateTimeReceived (the
        # store keeps arrival order, which breaks ties within a second).
        items = sorted(ctx.store.items(ctx.mailbox, name), key=lambda i: i.created)
        items.reverse()
    elif view is not None:
        start = parse_datetime(view.get("StartDate"), ctx.tz)
        end = parse_datetime(view.get("EndDate"), ctx.tz)
        if end < start:
            raise ItemError(
                "ErrorCalendarEndDateIsEarlierThanStartDate", "The end is earlier than the start."
            )
        if end - start > timedelta(days=732):  # Exchange refuses a view over two years
            raise ItemError("ErrorCalendarViewRangeTooBig", "The calendar view range is too big.")
        items = ctx.store.expand(ctx.mailbox, start, end)
    else:
        items = sorted(ctx.store.items(ctx.mailbox), key=lambda i: (i.start, i.id))
    if restriction is not None:
        items = [i for i in items if matches(restriction, i, ctx)]
    return items


def _page(op, items):
    """((page, all), next offset or None, includes last) for CalendarView or IndexedPageItemView."""
    view = op.find(m("CalendarView"))
    if view is not None:
        limit = view.get("MaxEntriesReturned")
        if limit is not None and len(items) > int(limit):
            # Exchange answers the first entries and says the range was not exhausted.
            return (items[: int(limit)], items), None, False
        return (items, items), None, True
    paged = op.find(m("IndexedPageItemView"))
    if paged is None:
        return (items, items), None, True
    offset = int(paged.get("Offset", "0"))
    limit = int(paged.get("MaxEntriesReturned") or len(items) or 1)
    if paged.get("BasePoint", "Beginning") == "End":
        stop = max(0, len(items) - offset)
        page = items[max(0, stop - limit) : stop]
        return (page, items), offset + len(page), stop - limit <= 0
    page = items[offset : offset + limit]
    return (page, items), offset + len(page), offset + len(page) >= len(items)
