"""The simulator's EWS front end: SOAP 1.1 at ``/EWS/Exchange.asmx``, one file per concern.

- ``app``: the WSGI entry and request pipeline (auth, parsing, schema, version,
  impersonation, faults, journal);
- ``auth``: Basic and connection-based NTLM (pyspnego acceptor);
- ``soap``: namespaces, envelopes, response messages, SOAP faults, ServerVersionInfo;
- ``operations``: the operation table; ``ops_folder`` (GetFolder, SyncFolderItems,
  FindItem), ``ops_items`` (GetItem, CreateItem, UpdateItem, DeleteItem), ``ops_meeting``
  (send modes and the meeting response objects of CreateItem), ``ops_misc`` (ConvertId,
  ResolveNames), ``ops_notify`` (Subscribe, Unsubscribe) with ``push`` (the SendNotification
  calls to subscribers);
- ``item_xml`` / ``item_parse``: store items to and from ``<t:CalendarItem>``, shapes, ids;
  ``message_xml``: meeting requests, responses and cancellations;
- ``recurrence_xml``: ``<t:Recurrence>`` to and from the store's Graph-shaped dict;
- ``restriction``: FindItem restrictions.
"""
