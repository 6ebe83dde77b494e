"""EWS operations on contacts: FindFolder and CreateFolder (folders of contacts), and the
contact branches of CreateItem, UpdateItem, GetFolder, SyncFolderItems and FindItem.

Folders: the distinguished ``contacts`` folder and the folders created under it (IPF.Contact,
answered as ``<t:ContactsFolder>``); FindFolder lists a contacts folder's children (Shallow),
with a restriction on ``folder:DisplayName``; CreateFolder refuses a name already used under
the same parent (ErrorFolderExists), as Exchange does. A Contact is created only in a contacts
folder (ErrorCannotCreateContactInNonContactFolder) and only contacts go there
(ErrorCannotCreateCalendarItemInNonCalendarFolder for a calendar item). UpdateItem checks the
ChangeKey as for calendar items (NeverOverwrite -> ErrorIrresolvableConflict).
"""

from ..contacts import FolderExists
from ..store import ChangeKeyMismatch, ItemNotFound
from . import contact_parse
from .restriction import matches
from .soap import ItemError, ResponseBuilder, m, sub, t

NOT_FOUND = ("ErrorFolderNotFound", "The specified folder could not be found in the store.")


def folder_ids(ctx):
    """{name: folder id} of the mailbox's contacts folders: ``contacts``, then the others by
    their own id (the name ops_folder resolves them to)."""
    folders = ctx.store.contact_folders(ctx.mailbox)
    out = {"contacts": ctx.store.contacts_folder_id(ctx.mailbox)}
    out.update({fid: fid for fid, info in folders.items() if info["parent"] is not None})
    return out


def is_contacts(ctx, name):
    return name == "contacts" or ctx.store.is_contact_folder(ctx.mailbox, name)


def _folder_id(ctx, name):
    return ctx.store.contacts_folder_id(ctx.mailbox) if name == "contacts" else name


def write_folder(parent, ctx, name, root_id):
    """A ``<t:ContactsFolder>`` (GetFolder, FindFolder, CreateFolder answers)."""
    fid = _folder_id(ctx, name)
    folders = ctx.store.contact_folders(ctx.mailbox)
    info = folders[fid]
    elem = sub(parent, t("ContactsFolder"))
    sub(elem, t("FolderId"), Id=fid, ChangeKey="AgAAAA==")
    sub(elem, t("ParentFolderId"), Id=info["parent"] or root_id, ChangeKey="AQAAAA==")
    sub(elem, t("FolderClass"), "IPF.Contact")
    sub(elem, t("DisplayName"), info["name"])
    sub(elem, t("TotalCount"), str(len(ctx.store.contacts(ctx.mailbox, fid))))
    children = [f for f in folders.values() if f["parent"] == fid]
    sub(elem, t("ChildFolderCount"), str(len(children)))
    return elem


def _parent(ctx, ref):
    from .ops_folder import resolve_folder

    name = resolve_folder(ctx, ref)
    if not is_contacts(ctx, name):
        return None
    return _folder_id(ctx, name)


def find_folder(ctx, op):
    from .ops_folder import _folder_ids

    out = ResponseBuilder("FindFolder")
    restriction = op.find(m("Restriction"))
    root_id = _folder_ids(ctx)["root"]
    for ref in op.find(m("ParentFolderIds")):
        try:
            parent = _parent(ctx, ref)
        except ItemError as exc:
            out.error(exc.code, exc.text)
            continue
        folders = ctx.store.contact_folders(ctx.mailbox) if parent else {}
        found = [fid for fid, info in folders.items() if info["parent"] == parent]
        if restriction is not None:
            found = [f for f in found if matches(restriction, _FolderView(folders[f]), ctx)]
        msg = out.success()
        root = sub(msg, m("RootFolder"), TotalItemsInView=str(len(found)))
        root.set("IncludesLastItemInRange", "true")
        container = sub(root, t("Folders"))
        for fid in found:
            write_folder(container, ctx, fid, root_id)
    return out


class _FolderView:
    """What a restriction on a folder reads (folder:DisplayName, folder:FolderClass)."""

    extended_properties = {}

    def __init__(self, info):
        self.display_name = info["name"]
        self.folder_class = "IPF.Contact"


def create_folder(ctx, op):
    out = ResponseBuilder("CreateFolder")
    try:
        parent = _parent(ctx, op.find(m("ParentFolderId"))[0])
    except ItemError as exc:
        parent, error = None, exc
    else:
        error = None
    for elem in op.find(m("Folders")):
        if error is not None:
            out.error(error.code, error.text)
            continue
        kind = elem.tag.split("}")[1]
        folder_class = elem.findtext(t("FolderClass")) or ""
        name = (elem.findtext(t("DisplayName")) or "").strip()
        contacts = kind == "ContactsFolder" or (kind == "Folder" and folder_class == "IPF.Contact")
        if parent is None or not contacts:
            out.error(
                "ErrorInvalidOperation",
                "Only folders of contacts can be created here, under the Contacts folder.",
            )
            continue
        if not name:
            out.error("ErrorInvalidFolderId", "A folder needs a display name.")
            continue
        try:
            fid = ctx.store.create_contact_folder(ctx.mailbox, parent, name)
        except FolderExists:
            out.error("ErrorFolderExists", "A folder with the specified name already exists.")
            continue
        node = sub(sub(out.success(), m("Folders")), t("ContactsFolder"))
        sub(node, t("FolderId"), Id=fid, ChangeKey="AgAAAA==")
    return out


def create(ctx, op, elem, out):
    """CreateItem of one ``<t:Contact>`` into the SavedItemFolderId (a contacts folder)."""
    saved = op.find(m("SavedItemFolderId"))
    try:
        folder = _parent(ctx, saved[0]) if saved is not None else None
        if folder is None:
            raise ItemError(
                "ErrorCannotCreateContactInNonContactFolder",
                "Contacts can only be created in a contacts folder.",
            )
        values = contact_parse.parse_contact(elem)
        item = ctx.store.create_contact(ctx.mailbox, values, folder)
    except ItemError as exc:
        out.error(exc.code, exc.text)
        return
    node = sub(sub(out.success(), m("Items")), t("Contact"))
    sub(node, t("ItemId"), Id=item.id, ChangeKey=item.change_key)


def refuses_calendar_item(ctx, op):
    """CreateItem of a calendar item whose SavedItemFolderId is a contacts folder."""
    saved = op.find(m("SavedItemFolderId"))
    if saved is None:
        return False
    try:
        return _parent(ctx, saved[0]) is not None
    except ItemError:
        return False


def update(ctx, change, policy, out):
    """UpdateItem of one contact (its ItemChange)."""
    from .ops_items import CONFLICT
    from .ops_items import NOT_FOUND as ITEM_NOT_FOUND

    ref = change[0]
    try:
        current = ctx.store.get_item(ctx.mailbox, ref.get("Id"))
        values = contact_parse.parse_updates(change.find(t("Updates")), current)
        key = ref.get("ChangeKey") if policy == "NeverOverwrite" else None
        item = ctx.store.update_contact(ctx.mailbox, current.id, values, change_key=key)
    except ItemError as exc:
        out.error(exc.code, exc.text)
        return
    except ItemNotFound:
        out.error(*ITEM_NOT_FOUND)
        return
    except ChangeKeyMismatch:
        out.error(*CONFLICT)
        return
    msg = out.success()
    node = sub(sub(msg, m("Items")), t("Contact"))
    sub(node, t("ItemId"), Id=item.id, ChangeKey=item.change_key)
    sub(sub(msg, m("ConflictResults")), t("Count"), "0")


def find_items(ctx, name):
    """The contacts of a contacts folder, oldest first (FindItem)."""
    return ctx.store.contacts(ctx.mailbox, _folder_id(ctx, name))
