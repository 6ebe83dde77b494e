"""EWS push notifications: subscribing a mailbox's calendar, and reading what Exchange POSTs.

Why push and not streaming: a streaming subscription is a connection the client keeps open
(up to 30 minutes, then opened again) and reads events from; it needs a long-lived process
per server that holds one such connection per mailbox (or a group of them) and agrees with
the other servers about who holds which. An Odoo deployment has no such process: HTTP
workers answer requests and are recycled, cron workers run jobs to completion under time
limits, and several Odoo servers may share one database. Push fits what Odoo has: Exchange
calls an Odoo URL, any HTTP worker of any server answers it in milliseconds, and the sync cron
does the work. Its price is that Exchange must be able to reach Odoo's URL (Settings tests
it) and that a lost subscription is noticed only when its status pings stop.

* ``subscribe(settings, mailbox, url)`` creates a push subscription on the mailbox's calendar
  (under impersonation, through exchangelib's own push API) for created, modified, deleted,
  moved and copied items; Exchange pings the URL every :data:`STATUS_FREQUENCY` minutes when
  nothing happens, and gives up on a URL that fails to answer for that long.
* ``read(body)`` parses a ``SendNotification`` (exchangelib's parser) without trusting it:
  ``BadNotification`` for anything oversized or malformed; ``answer(keep)`` is the
  ``SendNotificationResult`` (OK, or Unsubscribe for a subscription we no longer want: that
  answer is how a push subscription ends; EWS Unsubscribe is for pull and streaming only).
* ``judge(notices, subscription_id)``: only our subscription's notices count (Unsubscribe
  for any other), and they say nothing but "this mailbox changed" or "still here".
* ``pings_stopped(last, frequency, now)``: a subscription whose calls stopped for twice the
  status frequency is lost (Exchange restarted, or gave up on us) and is made again.

No watermark is passed when subscribing again: exchangelib writes it in the wrong namespace
(``m:Watermark``), which Exchange's schema refuses, and the sync itself (SyncFolderItems)
catches up with whatever happened in between.
"""

from dataclasses import dataclass
from datetime import timedelta

from exchangelib import errors as ews
from exchangelib.folders import FolderCollection
from exchangelib.properties import StatusEvent
from exchangelib.services import SendNotification
from lxml import etree

from .. import errors
from .account import calendar_folder, make_account
from .errors import mailbox_error

EVENT_TYPES = ["CreatedEvent", "ModifiedEvent", "DeletedEvent", "MovedEvent", "CopiedEvent"]
STATUS_FREQUENCY = 15  # minutes: pings when idle, and how long Exchange retries a silent URL
MAX_BODY = 128 * 1024


class BadNotification(ValueError):
    """A POST to the push URL that is not a SendNotification we can read."""


@dataclass(frozen=True)
class PushSubscription:
    id: str
    watermark: str


@dataclass(frozen=True)
class PushNotice:
    subscription_id: str
    changed: bool  # it carries item events (not only a status ping)
    watermark: str | None  # the last watermark it carries


def subscribe(settings, mailbox, url, status_frequency=STATUS_FREQUENCY, account=None):
    account = account or make_account(settings, mailbox)
    # The calendar by its distinguished id: no GetFolder first (Folder.subscribe_to_push needs
    # a folder id; the collection's own method does not).
    folders = FolderCollection(account=account, folders=[calendar_folder(account)])
    try:
        sub_id, watermark = folders.subscribe_to_push(
            event_types=EVENT_TYPES,
            watermark=None,
            status_frequency=status_frequency,
            callback_url=url,
        )
    except ews.ErrorInvalidPushSubscriptionUrl:
        raise errors.ConfigurationError(
            "Exchange refused Odoo's notification address %s." % url, mailbox=mailbox
        ) from None
    except Exception as exc:  # exchangelib's, translated to the sync errors
        error = mailbox_error(exc, settings.endpoint, mailbox)
        if error is None:
            raise errors.TransientError(
                "Exchange did not accept the push subscription of %s: %s" % (mailbox, exc),
                mailbox=mailbox,
            ) from exc
        raise error from exc
    return PushSubscription(sub_id, watermark)


def read(body):
    """The notifications of a SendNotification request; ``BadNotification`` for anything else."""
    if len(body) > MAX_BODY:
        raise BadNotification("The notification is larger than %d bytes." % MAX_BODY)
    try:
        notes = list(SendNotification(protocol=None).parse(body))
    except (ews.EWSError, etree.LxmlError, ValueError, TypeError, AttributeError):
        raise BadNotification("The request is not an EWS SendNotification.") from None
    found = []
    for note in notes:
        if not note.subscription_id:
            raise BadNotification("A notification has no subscription id.")
        events = note.events or []
        marks = [e.watermark for e in events if e.watermark]
        found.append(
            PushNotice(
                note.subscription_id,
                any(not isinstance(e, StatusEvent) for e in events),
                marks[-1] if marks else note.previous_watermark,
            )
        )
    if not found:
        raise BadNotification("The request holds no notification.")
    return found


@dataclass(frozen=True)
class PushVerdict:
    keep: bool  # answer OK (our subscription) or Unsubscribe (one we do not know)
    changed: bool  # items changed: run the mailbox's sync
    watermark: str | None


def judge(notices, subscription_id, pending=False):
    """Only notices of ``subscription_id`` count; any other subscription is told to stop.

    ``pending``: a Subscribe for this URL is under way and its id not known yet. Exchange may
    call before Subscribe has answered (its first status ping), so any id is accepted then;
    the URL itself (a secret made for that one Subscribe) is what vouches for the call.
    """
    ours = [
        n for n in notices if pending or (subscription_id and n.subscription_id == subscription_id)
    ]
    if not ours or len(ours) != len(notices):
        return PushVerdict(False, False, None)
    return PushVerdict(True, any(n.changed for n in ours), ours[-1].watermark)


def answer(keep):
    """The ``SendNotificationResult`` body: go on (OK) or end the subscription (Unsubscribe)."""
    service = SendNotification(protocol=None)
    return service.ok_payload() if keep else service.unsubscribe_payload()


def pings_stopped(last_call, status_frequency, now):
    """Whether a subscription's calls stopped long enough to count it as lost."""
    if last_call is None:
        return True
    return now - last_call > timedelta(minutes=2 * status_frequency + 1)
