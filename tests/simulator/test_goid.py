"""Global Object Ids against the worked examples of [MS-ASEMAIL] 4.3 and [MS-OXOCAL] 4.x."""

import base64
from datetime import datetime, timezone

from exchange_simulator.goid import (
    clean_global_object_id,
    global_object_id,
    is_encoded,
    new_uid,
    uid_of,
)

UTC = timezone.utc
OUTLOOK_GOID = "BAAAAIIA4AB0xbcQGoLgCAfUCRDgQMnBJoXEAQAAAAAAAAAAEAAAAAvw7UtuTulOnjnjhns3jvM="
OUTLOOK_UID = (
    "040000008200E00074C5B7101A82E00800000000E040C9C12685C4010000000000000000"
    "100000000BF0ED4B6E4EE94E9E39E3867B378EF3"
)
VCAL_GOID = (
    "BAAAAIIA4AB0xbcQGoLgCAAAAAAAAAAAAAAAAAAAAAAAAAAAMwAAAHZDYWwtVWlkAQAAAHs4MTQxMkQzQy0yQTI0"
    "LTRFOUQtQjIwRS0xMUY3QkJFOTI3OTl9AA=="
)


def test_outlook_goid_and_its_uid():
    blob = base64.b64decode(OUTLOOK_GOID)
    assert uid_of(blob) == OUTLOOK_UID  # the instance date bytes are zeroed in the UID
    assert is_encoded(OUTLOOK_UID)
    # The exception's own id carries its date (2004-09-16 here); the clean id does not.
    assert global_object_id(OUTLOOK_UID, datetime(2004, 9, 16, 10, tzinfo=UTC)) == blob
    assert clean_global_object_id(OUTLOOK_UID) == bytes.fromhex(OUTLOOK_UID)


def test_third_party_uid_is_wrapped_as_vcal():
    uid = "{81412D3C-2A24-4E9D-B20E-11F7BBE92799}"
    assert not is_encoded(uid)
    assert clean_global_object_id(uid) == base64.b64decode(VCAL_GOID)
    assert uid_of(base64.b64decode(VCAL_GOID)) == uid


def test_generated_uids_are_encoded_global_object_ids():
    first, second = new_uid(datetime(2026, 4, 1, tzinfo=UTC)), new_uid(datetime.now(UTC))
    assert first != second and is_encoded(first) and len(first) == 112
    assert uid_of(clean_global_object_id(first)) == first
