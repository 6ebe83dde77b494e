"""The store's data model: items, attendees, the clock, change batches and the errors.

Kept apart from :mod:`exchange_simulator.store` (which re-exports every name here) so that
each file stays readable; see the store's docstring for what the fields mean.
"""

import base64
import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone

UTC = timezone.utc

# Fields a modified occurrence may override; anything else belongs to the series.
OCCURRENCE_FIELDS = (
    "subject",
    "body",
    "start",
    "end",
    "location",
    "sensitivity",
    "show_as",
    "reminder_is_set",
    "reminder_minutes",
    "categories",
    "required_attendees",
    "optional_attendees",
    "is_all_day",
    "extended_properties",
    # An instance of a meeting can be cancelled, or answered, on its own.
    "is_cancelled",
    "my_response",
    "response_time",
)


class StoreError(Exception):
    """Base class of the store's errors."""


class MailboxNotFound(StoreError):
    pass


class ItemNotFound(StoreError):
    pass


class OccurrenceDeleted(ItemNotFound):
    """The occurrence was deleted from its series (EWS: ErrorCalendarOccurrenceIsDeleted…)."""


class ChangeKeyMismatch(StoreError):
    """The caller's change key is stale: someone else wrote the item in between."""


class SyncStateExpired(StoreError):
    """The sequence number predates what the change log still remembers."""


class Clock:
    """UTC clock with an adjustable offset, to simulate a server with a skewed clock."""

    def __init__(self, offset=timedelta(0)):
        self.offset = offset

    def now(self):
        # Exchange keeps its own timestamps (created, last modified) finer than a second: Graph
        # writes them with seven fraction digits, EWS to the second (each front end's choice).
        return datetime.now(UTC) + self.offset

    def shift(self, delta):
        self.offset += delta


@dataclass
class Attendee:
    email: str
    name: str = ""
    response: str = "Unknown"
    # When the organizer's mailbox recorded this attendee's answer (EWS LastResponseTime).
    response_time: datetime | None = None


@dataclass
class Item:
    """One calendar item as the store keeps it (see the module docstring for the enums)."""

    id: str = ""
    change_key: str = ""
    folder_id: str = ""
    created: datetime | None = None
    last_modified: datetime | None = None
    item_type: str = "Single"
    uid: str = ""
    subject: str = ""
    body: str = ""
    start: datetime | None = None
    end: datetime | None = None
    start_tz: str = "UTC"
    end_tz: str = "UTC"
    is_all_day: bool = False
    location: str = ""
    sensitivity: str = "Normal"
    show_as: str = "Busy"
    reminder_is_set: bool = False
    reminder_minutes: int = 15
    organizer: Attendee | None = None
    required_attendees: list[Attendee] = field(default_factory=list)
    optional_attendees: list[Attendee] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    # {(property set id or distinguished set name, property name or id, type): value}
    extended_properties: dict = field(default_factory=dict)
    recurrence: dict | None = None
    # {original start (UTC datetime): {"change_key", "last_modified", field: value, ...}}
    modified_occurrences: dict = field(default_factory=dict)
    deleted_occurrences: set = field(default_factory=set)
    # Set on occurrence / exception views produced by expand() and get_item().
    master_id: str = ""
    original_start: datetime | None = None
    instance_index: int = 0
    # Free room for protocol-specific data a front end wants to keep (not interpreted here).
    extra: dict = field(default_factory=dict)
    # -- meetings (see exchange_simulator.meetings) --
    # IPM.Appointment for calendar items; IPM.Schedule.Meeting.Request / .Resp.Pos /
    # .Resp.Tent / .Resp.Neg / .Canceled for the meeting messages of Inbox and Sent Items.
    item_class: str = "IPM.Appointment"
    is_cancelled: bool = False
    # Organizer on the organizer's own item; an attendee's copy: NoResponseReceived, Accept,
    # Tentative, Decline.
    my_response: str = "Organizer"
    response_time: datetime | None = None  # when this mailbox answered (AppointmentReplyTime)
    sequence: int = 0  # AppointmentSequenceNumber, raised by significant changes sent
    invited: list[str] = field(default_factory=list)  # addresses the organizer sent it to
    intended_show_as: str = ""  # the organizer's show-as, which an accept puts on a copy
    # Meeting messages only: who sent it, to whom, and the calendar item it concerns in the
    # mailbox holding the message (EWS AssociatedCalendarItemId).
    sender: Attendee | None = None
    to_recipients: list[Attendee] = field(default_factory=list)
    cc_recipients: list[Attendee] = field(default_factory=list)
    associated_id: str = ""
    request_type: str = ""  # NewMeetingRequest / FullUpdate / InformationalUpdate / Outdated
    is_read: bool = False


FIELD_NAMES = {f.name for f in fields(Item)}
_ASSIGNED = {"id", "change_key", "folder_id", "created", "last_modified", "master_id"}


def _new_id(prefix):
    # Exchange ids are long base64 strings; ours are shorter but just as opaque.
    raw = prefix.encode() + b"\x00" + uuid.uuid4().bytes + uuid.uuid4().bytes
    return base64.b64encode(raw).decode()


def _new_change_key():
    return base64.b64encode(b"CK" + uuid.uuid4().bytes[:14]).decode()


@dataclass
class ChangeBatch:
    """Coalesced changes: a list of (kind, item_id), kind create/update/delete."""

    changes: list
    token: tuple  # (seq, offset): offset is the paging position of a first sync, else None
    more: bool
