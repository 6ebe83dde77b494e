"""``POST /users/{id}/translateExchangeIds`` (and ``/me/...``): Outlook ids between formats.

As Graph documents it: ``inputIds`` (at most 1000, all of one ``sourceIdType`` and of one
mailbox), ``sourceIdType`` and ``targetIdType`` among entryId, ewsId, immutableEntryId,
restId, restImmutableEntryId; the answer is a collection of ``convertIdResult`` (``sourceId``,
``targetId``, or ``errorDetails`` when that id could not be converted). Application
permissions are not supported (the reference lists none): an app-only token gets 403.

The conversion is a change of format, not a look-up: an id that decodes is converted whether
or not the item still exists, as on the real service, so a client must check what it gets.
The simulator's ids: EWS ids and entry ids are the store's id (base64; entry ids with an
``EI`` marker, URL-safe, as Graph writes binary ids); REST ids are Graph's ids (see
:func:`..graph.events.to_graph_id`). Immutable formats map to the same store id.
"""

import base64
import binascii

from .delegated import DENIED, is_delegated
from .events import from_graph_id, to_graph_id
from .request import GraphError

FORMATS = {"entryId", "ewsId", "immutableEntryId", "restId", "restImmutableEntryId"}
MAX_IDS = 1000


def _store_id(fmt, value):
    """The store id behind ``value`` in format ``fmt`` (ValueError when it is none)."""
    if fmt in ("restId", "restImmutableEntryId"):
        store_id = from_graph_id(value)
        if store_id is None:
            raise ValueError(value)
        raw = base64.b64decode(store_id, validate=True)
    elif fmt == "ewsId":
        raw = base64.b64decode(value, validate=True)
    else:
        text = value.replace("-", "+").replace("_", "/")
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        if not raw.startswith(b"EI"):
            raise ValueError(value)
        raw = raw[2:]
    if not raw.startswith(b"I\x00"):  # an item id of this store (folders are "F…")
        raise ValueError(value)
    return base64.b64encode(raw).decode()


def _encode(fmt, store_id):
    if fmt == "ewsId":
        return store_id
    if fmt in ("restId", "restImmutableEntryId"):
        return to_graph_id(store_id, immutable=fmt == "restImmutableEntryId")
    raw = b"EI" + base64.b64decode(store_id)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def translate_ids(ctx):
    claims = getattr(ctx.call, "claims", None) or {}
    if not is_delegated(claims):
        raise GraphError(403, "ErrorAccessDenied", DENIED)
    body = ctx.call.body if isinstance(ctx.call.body, dict) else {}
    ids, source, target = body.get("inputIds"), body.get("sourceIdType"), body.get("targetIdType")
    if not isinstance(ids, list) or not ids:
        raise GraphError(400, "ErrorInvalidParameter", "inputIds must be a non-empty collection.")
    if len(ids) > MAX_IDS:
        raise GraphError(
            400, "ErrorInvalidParameter", "The maximum size of inputIds is %d." % MAX_IDS
        )
    for name, value in (("sourceIdType", source), ("targetIdType", target)):
        if value not in FORMATS:
            raise GraphError(
                400, "ErrorInvalidParameter", "The value of %s is not valid: %s." % (name, value)
            )
    results = []
    for value in ids:
        try:
            converted = _encode(target, _store_id(source, str(value)))
        except (ValueError, binascii.Error):
            error = {"code": "ErrorInvalidIdMalformed", "message": "Id is malformed."}
            results.append({"sourceId": value, "errorDetails": error})
            continue
        results.append({"sourceId": value, "targetId": converted})
    return 200, {"@odata.context": ctx.context_url("translateExchangeIds"), "value": results}, []
