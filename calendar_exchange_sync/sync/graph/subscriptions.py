"""Graph change notifications: a subscription per mailbox on its events, and reading what Graph
POSTs back to Odoo (the validation handshake, change and lifecycle notifications).

* ``Subscriptions(settings).create(mailbox, url, client_state)`` subscribes to
  ``users/{mailbox}/events`` (created, updated, deleted) for :data:`LIFETIME`, with the same
  URL for lifecycle notifications. Graph validates the URL before answering: it POSTs
  ``?validationToken=…`` there and wants the token back as ``text/plain`` within 10 s, so the
  Odoo endpoint must be reachable from Exchange Online when this runs (``SubscriptionRefused``
  otherwise). ``renew`` (PATCH, which also reauthorizes) and ``delete``; a subscription Graph
  no longer has raises ``SubscriptionGone``.
* ``read_notifications(body)`` parses a POSTed ``changeNotificationCollection`` without trusting
  it: a ``BadNotification`` for anything oversized or malformed. ``judge(notifications,
  subscription_id, client_state)`` keeps only those of our subscription with its
  ``clientState`` (compared in constant time) and says what they ask for: a run of the
  mailbox, a renewal, a new subscription. Nothing else from a notification is used.

The lifetime stays under 4,230 minutes, the maximum Microsoft documents for Outlook events
(newer pages allow more for notifications without resource data; the smaller value is valid
under both).
"""

import contextlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from .. import errors
from .client import GraphClient, _json

UTC = timezone.utc
LIFETIME = timedelta(minutes=4200)
RENEW_WHEN_LEFT = timedelta(hours=24)  # a subscription with less left is renewed
CHANGE_TYPES = ("created", "updated", "deleted")
LIFECYCLE_EVENTS = ("reauthorizationRequired", "subscriptionRemoved", "missed")
MAX_BODY = 128 * 1024  # bytes; Graph batches notifications, each well under 1 KiB
MAX_ITEMS = 200


class SubscriptionRefused(errors.ConfigurationError):
    """Microsoft Graph refused the subscription (often: it could not call Odoo's URL)."""


class SubscriptionGone(errors.SyncError):
    """Microsoft Graph no longer has this subscription (expired or removed)."""


class BadNotification(ValueError):
    """A POST to the notification URL that is not a notification collection we can read."""


@dataclass(frozen=True)
class Subscription:
    id: str
    expires: datetime
    resource: str


@dataclass(frozen=True)
class Notification:
    subscription_id: str
    client_state: str | None
    change_type: str | None  # created / updated / deleted (a change notification)
    lifecycle_event: str | None  # reauthorizationRequired / subscriptionRemoved / missed


def new_secret():
    """A fresh clientState (Graph allows 128 characters)."""
    return secrets.token_urlsafe(48)


def same_secret(expected, given):
    """Whether ``given`` is the clientState we set, compared in constant time."""
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def _stamp(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def _instant(text):
    text = (text or "").replace("Z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        text = head + "." + digits[:6] + tail[len(digits) :]
    value = datetime.fromisoformat(text)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


class Subscriptions:
    """Subscriptions of one tenant app (``settings`` are the company's ``GraphSettings``)."""

    def __init__(self, settings, client=None, now=None):
        self.client = client or GraphClient(settings)
        self.now = now or (lambda: datetime.now(UTC))

    # A Side's create, not the ORM's: there is no super to call.
    # pylint: disable-next=method-required-super
    def create(self, mailbox, url, client_state, lifetime=LIFETIME):
        resource = "users/%s/events" % quote(mailbox, safe="@")
        body = {
            "changeType": ",".join(CHANGE_TYPES),
            "notificationUrl": url,
            "lifecycleNotificationUrl": url,
            "resource": resource,
            "expirationDateTime": _stamp(self.now() + lifetime),
            "clientState": client_state,
            "latestSupportedTlsVersion": "v1_2",
        }
        answer = self._call("POST", "/subscriptions", mailbox, body, url=url)
        return self._subscription(answer, resource)

    def renew(self, subscription_id, mailbox=None, lifetime=LIFETIME):
        body = {"expirationDateTime": _stamp(self.now() + lifetime)}
        answer = self._call("PATCH", "/subscriptions/%s" % quote(subscription_id), mailbox, body)
        return self._subscription(answer, answer.get("resource", ""))

    def delete(self, subscription_id, mailbox=None):
        """Delete it; one Graph no longer has counts as deleted."""
        with contextlib.suppress(SubscriptionGone):
            self._call("DELETE", "/subscriptions/%s" % quote(subscription_id), mailbox)

    @staticmethod
    def _subscription(answer, resource):
        try:
            return Subscription(answer["id"], _instant(answer["expirationDateTime"]), resource)
        except (KeyError, TypeError, ValueError):
            raise errors.TransientError(
                "Microsoft Graph answered a subscription request with something unreadable."
            ) from None

    def _call(self, method, path, mailbox, body=None, url=None):
        target, refreshed = self.client.url(path), False
        while True:
            kwargs = {"json": body} if body is not None else {}
            response = self.client._send(method, target, **kwargs)
            status = response.status_code
            if status == 401 and not refreshed:
                refreshed = True
                self.client.token(fresh=True)
                continue
            if status in (429, 503):
                raise self.client.throttled(response.headers, mailbox)
            if status < 400:
                return _json(response) if status != 204 else {}
            payload = _json(response)
            error = payload.get("error") or {}
            code, message = error.get("code") or str(status), error.get("message") or ""
            if status == 404 and path.startswith("/subscriptions/"):
                raise SubscriptionGone(
                    "Microsoft Graph no longer has subscription %s." % path.rsplit("/", 1)[-1],
                    mailbox=mailbox,
                )
            if status == 400 and code == "ValidationError":
                raise SubscriptionRefused(
                    "Microsoft Graph could not call Odoo at %s to validate it (%s). Exchange "
                    "Online must reach this address over https and get an answer within 10 "
                    "seconds." % (url or "?", message or code),
                    mailbox=mailbox,
                )
            if status == 400:
                raise SubscriptionRefused(
                    "Microsoft Graph refused the notification subscription of mailbox %s: %s"
                    % (mailbox or "?", message or code),
                    mailbox=mailbox,
                )
            raise self.client.error(status, payload, mailbox)


@dataclass
class Verdict:
    """What the genuine notifications of one POST ask for."""

    genuine: int = 0  # notifications of our subscription with its clientState
    forged: int = 0  # the others: refused, and logged by the caller
    changed: bool = False  # the mailbox changed: run its sync
    renew: bool = False  # reauthorizationRequired: renew (a PATCH also reauthorizes)
    recreate: bool = False  # subscriptionRemoved: subscribe again
    missed: bool = False  # notifications were lost: run the sync (its delta catches up)


def judge(notifications, subscription_id, client_state):
    """``subscription_id`` None: a subscription is being made and Graph has not answered its
    id yet (a notification may come first); the clientState alone vouches then."""
    verdict = Verdict()
    for note in notifications:
        ours = subscription_id is None or note.subscription_id == subscription_id
        if not ours or not same_secret(client_state, note.client_state):
            verdict.forged += 1
            continue
        verdict.genuine += 1
        if note.lifecycle_event == "reauthorizationRequired":
            verdict.renew = True
        elif note.lifecycle_event == "subscriptionRemoved":
            verdict.recreate = verdict.changed = True
        elif note.lifecycle_event == "missed":
            verdict.missed = verdict.changed = True
        elif note.change_type:
            verdict.changed = True
    return verdict


def read_notifications(body):
    """The notifications of a POSTed collection; ``BadNotification`` for anything else."""
    if len(body) > MAX_BODY:
        raise BadNotification("The notification is larger than %d bytes." % MAX_BODY)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadNotification("The notification is not JSON.") from None
    values = data.get("value") if isinstance(data, dict) else None
    if not isinstance(values, list) or not values or len(values) > MAX_ITEMS:
        raise BadNotification("The notification holds no list of notifications.")
    found = []
    for value in values:
        if not isinstance(value, dict) or not isinstance(value.get("subscriptionId"), str):
            raise BadNotification("A notification has no subscription id.")
        state = value.get("clientState")
        lifecycle = value.get("lifecycleEvent")
        change = value.get("changeType")
        if state is not None and not isinstance(state, str):
            raise BadNotification("A notification has an unreadable clientState.")
        if lifecycle is not None and lifecycle not in LIFECYCLE_EVENTS:
            lifecycle = None  # a lifecycle event of a kind we do not know: ignored
        if change is not None and change not in CHANGE_TYPES:
            change = None
        found.append(Notification(value["subscriptionId"], state, change, lifecycle))
    return found
