"""Global Object Ids: the identity Exchange gives a meeting in every mailbox it reaches.

[MS-OXOCAL] 2.2.1.27 PidLidGlobalObjectId (Meeting property set, id 0x3) and 2.2.1.28
PidLidCleanGlobalObjectId (id 0x23) are binary blobs::

    16 bytes  04000000 8200E000 74C5B710 1A82E008     (the Byte Array ID)
     4 bytes  YH YL M D   original date of an exception (year big-endian), else zeros
     8 bytes  creation time (FILETIME, little-endian)
     8 bytes  zeros
     4 bytes  size of the data (little-endian)
     n bytes  data

The clean id is the same blob with the four date bytes zeroed: it is equal for a series and
all its instances, while the plain id of an exception carries the exception's original date.

The iCalendar UID and the blob convert into each other ([MS-OXCICAL] 2.1.3.1.1.20.26): a UID
of 82+ hex digits starting with the Byte Array ID *is* the blob, hex-encoded (an
"EncodedGlobalId", what Exchange itself generates); any other UID (a "ThirdPartyGlobalId",
e.g. ``{81412D3C-…}`` from another calendar) is wrapped as data ``b"vCal-Uid" 01000000 UID
00`` with a zero creation time. EWS reports the UID as given; the store keeps the UID and
derives both blobs from it, so they never disagree.
"""

import os
import struct
from datetime import datetime, timezone

UTC = timezone.utc
BYTE_ARRAY_ID = bytes.fromhex("040000008200E00074C5B7101A82E008")
VCAL_MARKER = b"vCal-Uid\x01\x00\x00\x00"
# PSETID_Meeting, the property set of both ids (EWS: DistinguishedPropertySetId="Meeting").
PSETID_MEETING = "6ed8da90-450b-101b-98da-00aa003f1305"
GLOBAL_OBJECT_ID, CLEAN_GLOBAL_OBJECT_ID = 0x3, 0x23
_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


def filetime(moment):
    """100-ns intervals since 1601-01-01 UTC (a Windows FILETIME)."""
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 10**7 + delta.microseconds * 10


def new_uid(now):
    """The UID Exchange generates for a calendar item created without one (hex of a blob)."""
    blob = (
        BYTE_ARRAY_ID
        + b"\x00" * 4
        + struct.pack("<Q", filetime(now))
        + b"\x00" * 8
        + struct.pack("<I", 16)
        + os.urandom(16)
    )
    return blob.hex().upper()


def is_encoded(uid):
    """True for a UID that is a hex-encoded Global Object Id ([MS-OXCICAL] EncodedGlobalId)."""
    if len(uid) < 82 or len(uid) % 2:
        return False
    try:
        raw = bytes.fromhex(uid)
    except ValueError:
        return False
    return raw[:16] == BYTE_ARRAY_ID


def clean_global_object_id(uid):
    """PidLidCleanGlobalObjectId of the meeting with this UID (date bytes zero)."""
    if is_encoded(uid):
        raw = bytearray(bytes.fromhex(uid))
        raw[16:20] = b"\x00" * 4
        return bytes(raw)
    data = VCAL_MARKER + uid.encode("utf-8") + b"\x00"
    return BYTE_ARRAY_ID + b"\x00" * 20 + struct.pack("<I", len(data)) + data


def global_object_id(uid, original_start=None):
    """PidLidGlobalObjectId: the clean id, plus the original date for an instance of a series."""
    raw = bytearray(clean_global_object_id(uid))
    if original_start is not None:
        day = original_start.astimezone(UTC)
        raw[16:20] = struct.pack(">HBB", day.year, day.month, day.day)
    return bytes(raw)


def uid_of(blob):
    """The UID a Global Object Id stands for (inverse of the functions above)."""
    if blob[:16] != BYTE_ARRAY_ID:
        raise ValueError("not a Global Object Id")
    (size,) = struct.unpack("<I", blob[36:40])
    data = blob[40 : 40 + size]
    if data.startswith(VCAL_MARKER):
        return data[len(VCAL_MARKER) :].rstrip(b"\x00").decode("utf-8")
    clean = bytearray(blob)
    clean[16:20] = b"\x00" * 4
    return bytes(clean).hex().upper()
