"""The table of EWS operations the simulator answers: operation name -> handler(ctx, element).

A handler gets the request's :class:`~exchange_simulator.ews.app.Context` and the operation
element of the SOAP body, and returns a :class:`~exchange_simulator.ews.soap.ResponseBuilder`.
"""

from . import ops_contacts, ops_folder, ops_items, ops_misc, ops_resolve

HANDLERS = {
    "GetFolder": ops_folder.get_folder,
    "FindFolder": ops_contacts.find_folder,
    "CreateFolder": ops_contacts.create_folder,
    "SyncFolderItems": ops_folder.sync_folder_items,
    "FindItem": ops_folder.find_item,
    "GetItem": ops_items.get_item,
    "CreateItem": ops_items.create_item,
    "UpdateItem": ops_items.update_item,
    "DeleteItem": ops_items.delete_item,
    "ConvertId": ops_misc.convert_id,
    "ResolveNames": ops_resolve.resolve_names,
}
