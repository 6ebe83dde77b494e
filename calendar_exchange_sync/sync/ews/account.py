"""Connecting to an on-premises Exchange through exchangelib (part of the EWS backend).

The settings an administrator fills in, the exchangelib ``Account`` impersonating a mailbox
(version pinned, FailFast retry policy, our timeout), the calendar folder addressed by its
distinguished id (no GetFolder round trip), a company CA trusted for one endpoint only, and
an UpdateItem that reports stale change keys per item.
"""

import dataclasses
import threading

import requests
from exchangelib import (
    BASIC,
    IMPERSONATION,
    NTLM,
    Account,
    Build,
    Configuration,
    Credentials,
    EWSTimeZone,
    FailFast,
    Version,
)
from exchangelib.errors import (
    ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange,
    ErrorCalendarOccurrenceIsDeletedFromRecurrence,
    ErrorIrresolvableConflict,
)
from exchangelib.folders import Calendar, Root
from exchangelib.items import SEND_TO_NONE
from exchangelib.properties import DistinguishedFolderId, Mailbox
from exchangelib.protocol import BaseProtocol
from exchangelib.services import DeleteItem, UpdateItem

from .. import errors
from ..versions import EWS_VERSIONS


@dataclasses.dataclass(frozen=True)
class EwsSettings:
    """What the administrator fills in for an on-premises Exchange."""

    endpoint: str  # https://mail.example.com/EWS/Exchange.asmx
    username: str  # DOMAIN\user (NTLM) or user@domain
    password: str = dataclasses.field(repr=False)
    version: str = "Exchange2016"  # an EWS version of sync.versions (RequestServerVersion)
    auth: str = "NTLM"  # or "Basic"
    ca_file: str | None = None  # extra CA to trust for this endpoint (PEM)
    timeout: float = 60.0


# -- TLS: trusting a company CA for one endpoint only --------------------------------------

_ca_lock = threading.Lock()
_CA_FILES = {}


class _CompanyCaAdapter(requests.adapters.HTTPAdapter):
    """Verifies certificates with the CA file registered for the request's endpoint, if any."""

    def send(self, request, **kwargs):
        ca_file = _ca_for(request.url)
        # requests may already have put a bundle from REQUESTS_CA_BUNDLE here; the CA the
        # administrator configured for this endpoint wins. Verification is never turned off.
        if ca_file and kwargs.get("verify", True) is not False:
            kwargs["verify"] = ca_file
        return super().send(request, **kwargs)


def _ca_for(url):
    for prefix, ca_file in _CA_FILES.items():
        if url.startswith(prefix):
            return ca_file
    return None


def trust_ca_file(endpoint, ca_file):
    """Verify ``endpoint``'s certificate against ``ca_file`` (None: the system's CAs)."""
    with _ca_lock:
        if ca_file:
            _CA_FILES[endpoint] = ca_file
        else:
            _CA_FILES.pop(endpoint, None)
        # exchangelib builds its sessions from one adapter class; ours only changes anything
        # for endpoints registered above, so installing it once is harmless to the others.
        if not issubclass(BaseProtocol.HTTP_ADAPTER_CLS, _CompanyCaAdapter):
            BaseProtocol.HTTP_ADAPTER_CLS = _CompanyCaAdapter


def make_account(settings, mailbox):
    """An exchangelib ``Account`` impersonating ``mailbox`` (no request is sent yet)."""
    if settings.version not in EWS_VERSIONS:
        raise errors.ConfigurationError(
            "Unknown Exchange version %r; choose one of %s."
            % (settings.version, ", ".join(EWS_VERSIONS))
        )
    trust_ca_file(settings.endpoint, settings.ca_file)
    config = Configuration(
        service_endpoint=settings.endpoint,
        credentials=Credentials(settings.username, settings.password),
        auth_type=BASIC if settings.auth.lower() == "basic" else NTLM,
        version=Version(
            build=Build(*EWS_VERSIONS[settings.version].build), api_version=settings.version
        ),
        retry_policy=FailFast(),
    )
    account = Account(
        primary_smtp_address=mailbox,
        config=config,
        autodiscover=False,
        access_type=IMPERSONATION,
        default_timezone=EWSTimeZone("UTC"),
    )
    account.protocol.TIMEOUT = settings.timeout
    return account


class _UpdateItem(UpdateItem):
    """UpdateItem that answers a stale change key per item instead of raising for the batch.

    exchangelib raises ErrorIrresolvableConflict out of the whole batch, losing the outcome
    of the other items (which Exchange did apply); per item is what the Side contract needs.
    """

    ERRORS_TO_CATCH_IN_RESPONSE = (
        *UpdateItem.ERRORS_TO_CATCH_IN_RESPONSE,
        ErrorIrresolvableConflict,
        ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange,
        ErrorCalendarOccurrenceIsDeletedFromRecurrence,
    )


def bulk_update(account, items, conflict_resolution, send=SEND_TO_NONE):
    """[(id, changekey) or exception] for [(exchangelib item, field names)], in order;
    ``send``: the EWS mode in which Exchange sends the meeting updates (none by default)."""
    return list(
        _UpdateItem(account=account).call(
            items=items,
            conflict_resolution=conflict_resolution,
            message_disposition="SaveOnly",
            send_meeting_invitations_or_cancellations=send,
            suppress_read_receipts=True,
        )
    )


class _DeleteItem(DeleteItem):
    """DeleteItem answering "already deleted" occurrences per item (exchangelib raises)."""

    ERRORS_TO_CATCH_IN_RESPONSE = (
        *DeleteItem.ERRORS_TO_CATCH_IN_RESPONSE,
        ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange,
        ErrorCalendarOccurrenceIsDeletedFromRecurrence,
    )


def bulk_delete(account, ids, send=SEND_TO_NONE):
    """[True or exception] for items or (id, changekey) pairs; deleted items go to the bin.
    ``send``: the EWS mode in which Exchange sends the meeting cancellations (none by default)."""
    return [
        True if answer is True else answer
        for answer in _DeleteItem(account=account).call(
            items=ids,
            delete_type="MoveToDeletedItems",
            send_meeting_cancellations=send,
            affected_task_occurrences="AllOccurrences",
            suppress_read_receipts=True,
        )
    ]


def calendar_folder(account):
    """The mailbox's calendar by its distinguished id: no GetFolder round trip needed."""
    owner = Mailbox(email_address=account.primary_smtp_address)
    root = Root(account=account, _distinguished_id=DistinguishedFolderId(id="root", mailbox=owner))
    return Calendar(
        root=root, _distinguished_id=DistinguishedFolderId(id="calendar", mailbox=owner)
    )
