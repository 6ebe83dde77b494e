"""EWS ConvertId (id formats); ResolveNames lives in :mod:`.ops_resolve`.

exchangelib sends a ConvertId with the id "DUMMY" to discover the authentication method and
the server version, so a malformed id must answer a normal per-item error message.
"""

import base64
import binascii

from .soap import ResponseBuilder, m, sub

FORMATS = {"EwsId", "EwsLegacyId", "EntryId", "HexEntryId", "StoreId", "OwaId"}


def _raw(fmt, value):
    """The id's bytes whatever its format (ValueError when it is none of ours)."""
    if fmt == "HexEntryId":
        return binascii.unhexlify(value)
    if fmt == "OwaId":
        value = value.replace("-", "+").replace("_", "/")
    raw = base64.b64decode(value, validate=True)
    if fmt in ("EntryId", "StoreId"):
        if not raw.startswith(b"EI"):
            raise ValueError(value)
        raw = raw[2:]
    return raw


def _encode(fmt, raw):
    if fmt == "HexEntryId":
        return binascii.hexlify(b"EI" + raw).decode().upper()
    if fmt in ("EntryId", "StoreId"):
        return base64.b64encode(b"EI" + raw).decode()
    text = base64.b64encode(raw).decode()
    if fmt == "OwaId":
        text = text.replace("+", "-").replace("/", "_")
    return text


def convert_id(ctx, op):
    out = ResponseBuilder("ConvertId")
    target = op.get("DestinationFormat")
    for alt in op.find(m("SourceIds")):
        fmt, value, mailbox = alt.get("Format"), alt.get("Id", ""), alt.get("Mailbox", "")
        try:
            raw = _raw(fmt, value)
            if fmt == "HexEntryId":
                raw = raw[2:] if raw.startswith(b"EI") else raw
            if not raw or raw[:1] not in (b"I", b"O", b"F"):
                raise ValueError(value)
        except (ValueError, binascii.Error):
            out.error("ErrorInvalidIdMalformed", "Id is malformed.")
            continue
        msg = out.success()
        sub(msg, m("AlternateId"), Format=target, Id=_encode(target, raw), Mailbox=mailbox)
        msg[-1].set("{http://www.w3.org/2001/XMLSchema-instance}type", "t:AlternateIdType")
    return out
