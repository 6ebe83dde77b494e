"""Graph change notifications: ``/subscriptions`` and the calls Graph makes to subscribers.

Routes (app-only tokens; a subscription belongs to the app that created it, others get 404):
``POST /subscriptions``, ``GET /subscriptions``, ``GET|PATCH|DELETE /subscriptions/{id}``,
``POST /subscriptions/{id}/reauthorize``. Resources: ``users/{id}/events`` and
``users/{id}/calendar/events`` (the mailbox passes the same gate as every Graph call: user,
mailbox, application access policy).

As Graph does:

* creating (and moving ``notificationUrl`` by PATCH) runs the validation handshake inside the
  request: a POST to ``notificationUrl?validationToken=…`` (and to
  ``lifecycleNotificationUrl`` when given) that must answer 200, ``text/plain``, the decoded
  token, within 10 s; otherwise 400 ValidationError and no subscription;
* URLs must be https (``callbacks.allow_http`` lets a local test receiver speak plain HTTP);
* ``expirationDateTime`` at most :data:`MAX_MINUTES` ahead (400 ExtensionError beyond),
  raised to 45 minutes ahead when sooner; an expired subscription is deleted silently;
* a change to an event of the mailbox's calendar is POSTed to ``notificationUrl`` (with
  ``clientState``, ``subscriptionId``, ``tenantId``, resource and ``resourceData``) after
  :attr:`GraphSubscriptions.delay` seconds, several in one POST when they pile up; an answer
  that is not 2xx within 3 s is retried with a growing delay for up to 4 hours (store clock),
  then the changes are dropped and a ``missed`` lifecycle notification is sent;
* lifecycle notifications on demand: :meth:`GraphSubscriptions.lifecycle` (``subscriptionRemoved``
  deletes the subscription, ``reauthorizationRequired`` pauses delivery until a PATCH or
  ``/reauthorize``, changes meanwhile are lost, ``missed`` only tells).

Documented maxima differ between versions of Microsoft's pages (4,230 minutes; newer pages
give 10,080 for notifications without resource data): the simulator keeps the smaller one.
Rich notifications (``includeResourceData``) are refused.
"""

import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from ..callbacks import callbacks_for
from ..store import ItemNotFound
from . import events
from .handlers import object_id
from .request import GraphError, parse_instant

MAX_MINUTES = 4230
MIN_MINUTES = 45
MAX_PER_MAILBOX = 1000
HANDSHAKE_TIMEOUT = 10.0
NOTIFY_TIMEOUT = 3.0
RETRY_FOR = timedelta(hours=4)
BATCH = 100  # notifications in one POST at most
CHANGE_TYPES = ("created", "updated", "deleted")
LIFECYCLE_EVENTS = ("reauthorizationRequired", "subscriptionRemoved", "missed")
STORE_KINDS = {"create": "created", "update": "updated", "delete": "deleted"}
_RESOURCE = re.compile(r"^/?users/(?P<user>[^/]+)(?:/calendar)?/events/?$", re.IGNORECASE)
_PATH = re.compile(r"^/subscriptions(?:/(?P<id>[^/]+)(?:/(?P<action>[^/]+))?)?/?$", re.I)


def matches(path):
    return re.match(r"^/subscriptions(/|$)", path, re.IGNORECASE) is not None


@dataclass
class Subscription:
    id: str
    app_id: str
    tenant_id: str
    mailbox: str  # SMTP address, as the store knows it
    resource: str  # as the client wrote it
    change_type: str
    notification_url: str
    lifecycle_url: str | None
    client_state: str | None
    expires: object  # aware datetime, store clock
    immutable: bool
    tls: str = "v1_2"
    paused: bool = False

    def to_json(self, base):
        return {
            "@odata.context": "%s/v1.0/$metadata#subscriptions/$entity" % base,
            "id": self.id,
            "resource": self.resource,
            "applicationId": self.app_id,
            "changeType": self.change_type,
            "clientState": self.client_state,
            "notificationUrl": self.notification_url,
            "notificationQueryOptions": None,
            "lifecycleNotificationUrl": self.lifecycle_url,
            "expirationDateTime": stamp(self.expires),
            "creatorId": self.app_id,
            "includeResourceData": None,
            "latestSupportedTlsVersion": self.tls,
            "encryptionCertificate": None,
            "encryptionCertificateId": None,
            "notificationUrlAppId": None,
        }


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def _not_found():
    return GraphError(404, "ResourceNotFound", "The object was not found.")


class GraphSubscriptions:
    """The subscriptions of one simulator and the notifications they are owed."""

    def __init__(self, simulator):
        self.sim = simulator
        self.callbacks = callbacks_for(simulator)
        self.delay = 1.0  # seconds from a change to its notification
        self.retry_delay = 5.0  # first retry of a notification nobody accepted; doubles
        self._lock = threading.Lock()
        self._subs = {}
        self._queues = {}  # notification URL -> [(sub id, change type, smtp, item id)]
        simulator.store.listeners.append(self._changed)
        self.callbacks.every(self._expire)

    @property
    def clock(self):
        return self.sim.store.clock

    # -- what tests and the CLI use ----------------------------------------------------------

    def active(self, mailbox=None):
        self._expire()
        with self._lock:
            subs = list(self._subs.values())
        return [s for s in subs if mailbox is None or s.mailbox.lower() == mailbox.lower()]

    def lifecycle(self, subscription_id, event):
        """Send ``event`` for a subscription now (the Delivery, or None without a URL)."""
        if event not in LIFECYCLE_EVENTS:
            raise ValueError("unknown lifecycle event %r" % event)
        with self._lock:
            sub = self._subs.get(subscription_id)
            if sub is None:
                raise KeyError(subscription_id)
            if event == "subscriptionRemoved":
                del self._subs[subscription_id]
            elif event == "reauthorizationRequired":
                sub.paused = True
        return self._send_lifecycle(sub, event)

    def _send_lifecycle(self, sub, event):
        if not sub.lifecycle_url:
            return None
        body = {
            "value": [
                {
                    "subscriptionId": sub.id,
                    "subscriptionExpirationDateTime": stamp(sub.expires),
                    "tenantId": sub.tenant_id,
                    "clientState": sub.client_state,
                    "lifecycleEvent": event,
                }
            ]
        }
        delivery = self.callbacks.post(
            "graph", "lifecycle", sub.lifecycle_url, json.dumps(body).encode(),
            {"Content-Type": "application/json; charset=utf-8"}, NOTIFY_TIMEOUT, sub.id,
            events=[event],
        )  # fmt: skip
        delivery.outcome = "accepted" if 200 <= delivery.status < 300 else "failed"
        return delivery

    # -- routes ------------------------------------------------------------------------------

    def handle(self, app, call, claims, base, entry):
        match = _PATH.match(call.path)
        if match is None:
            raise GraphError(
                400, "BadRequest", "Unsupported request: %s %s." % (call.method, call.path)
            )
        sub_id, action = match.group("id"), match.group("action")
        entry.operation = "%s /subscriptions%s%s" % (
            call.method, "/{id}" if sub_id else "", "/" + action if action else ""
        )  # fmt: skip
        fault = self.sim.faults.take("graph", entry.operation, None)
        if fault is not None:
            entry.fault = fault.kind
            app.raise_fault(fault, None, inner=True)  # no connection to reset: a 503 instead
        app_id = claims.get("appid", "")
        if sub_id is None and call.method == "POST":
            return self.create(app, call, claims, base, entry)
        if sub_id is None and call.method == "GET":
            self._expire()
            with self._lock:
                mine = [s.to_json(base) for s in self._subs.values() if s.app_id == app_id]
            context = "%s/v1.0/$metadata#subscriptions" % base
            return 200, {"@odata.context": context, "value": mine}, []
        if sub_id is None:
            raise GraphError(405, "BadRequest", "The method is not allowed on /subscriptions.")
        sub = self._mine(sub_id, app_id)
        entry.mailbox = sub.mailbox
        if action == "reauthorize" and call.method == "POST":
            sub.paused = False
            return 204, None, []
        if action is not None:
            raise GraphError(
                400, "BadRequest", "Unsupported request: %s %s." % (call.method, call.path)
            )
        if call.method == "GET":
            return 200, sub.to_json(base), []
        if call.method == "DELETE":
            with self._lock:
                self._subs.pop(sub.id, None)
            return 204, None, []
        if call.method == "PATCH":
            return self.update(sub, call, base)
        raise GraphError(405, "BadRequest", "The method is not allowed on a subscription.")

    def _mine(self, sub_id, app_id):
        self._expire()
        with self._lock:
            sub = self._subs.get(sub_id)
        if sub is None or sub.app_id != app_id:
            raise _not_found()
        return sub

    def create(self, app, call, claims, base, entry):
        body = call.body if isinstance(call.body, dict) else {}
        for name in ("changeType", "notificationUrl", "resource", "expirationDateTime"):
            if not body.get(name):
                raise GraphError(400, "InvalidRequest", "The property '%s' is required." % name)
        change_type = str(body["changeType"])
        kinds = [k.strip() for k in change_type.split(",")]
        if not kinds or any(k not in CHANGE_TYPES for k in kinds):
            raise GraphError(
                400, "InvalidRequest", "'%s' is not a valid changeType for events." % change_type
            )
        resource = str(body["resource"])
        if re.match(r"^/?me(/|$)", resource, re.IGNORECASE):
            raise GraphError(
                400, "BadRequest", "/me request is only valid with delegated authentication flow."
            )
        found = _RESOURCE.match(resource)
        if found is None:
            raise GraphError(400, "InvalidRequest", "Unsupported resource '%s'." % resource)
        mailbox = app.mailbox(found.group("user"), claims)
        entry.mailbox = mailbox
        if body.get("includeResourceData"):
            raise GraphError(
                400, "InvalidRequest",
                "Notifications with resource data need an encryption certificate; this server "
                "does not offer them.",
            )  # fmt: skip
        client_state = body.get("clientState")
        if client_state is not None and (
            not isinstance(client_state, str) or len(client_state) > 128
        ):
            raise GraphError(400, "InvalidRequest", "clientState is limited to 128 characters.")
        notification_url = self._url(body["notificationUrl"], "notificationUrl")
        lifecycle_url = body.get("lifecycleNotificationUrl")
        if lifecycle_url:
            lifecycle_url = self._url(lifecycle_url, "lifecycleNotificationUrl")
        expires = self._expiry(body["expirationDateTime"], "Create")
        with self._lock:
            count = sum(1 for s in self._subs.values() if s.mailbox == mailbox)
        if count >= MAX_PER_MAILBOX:
            raise GraphError(
                403, "ExtensionError", "The mailbox has too many subscriptions already."
            )
        sub = Subscription(
            id=str(uuid.uuid4()),
            app_id=claims.get("appid", ""),
            tenant_id=claims.get("tid", ""),
            mailbox=mailbox,
            resource=resource,
            change_type=change_type,
            notification_url=notification_url,
            lifecycle_url=lifecycle_url or None,
            client_state=client_state,
            expires=expires,
            immutable=call.view.immutable,
            tls=body.get("latestSupportedTlsVersion") or "v1_2",
        )
        self._validate(sub, notification_url)
        if lifecycle_url:
            self._validate(sub, lifecycle_url)
        with self._lock:
            self._subs[sub.id] = sub
        return 201, sub.to_json(base), []

    def update(self, sub, call, base):
        body = call.body if isinstance(call.body, dict) else {}
        unknown = set(body) - {"expirationDateTime", "notificationUrl"}
        if unknown or not body:
            raise GraphError(
                400, "InvalidRequest",
                "Only expirationDateTime and notificationUrl can be changed.",
            )  # fmt: skip
        expires = (
            self._expiry(body["expirationDateTime"], "Update")
            if "expirationDateTime" in body
            else sub.expires
        )
        url = sub.notification_url
        if "notificationUrl" in body:
            url = self._url(body["notificationUrl"], "notificationUrl")
            if url != sub.notification_url:
                self._validate(sub, url)
        with self._lock:
            sub.expires, sub.notification_url, sub.paused = expires, url, False
        return 200, sub.to_json(base), []

    def _url(self, value, name):
        parts = urlsplit(str(value))
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise GraphError(400, "InvalidRequest", "The %s '%s' is not a URL." % (name, value))
        if parts.scheme != "https" and not self.callbacks.allow_http:
            raise GraphError(400, "InvalidRequest", "The %s must use https: '%s'." % (name, value))
        return str(value)

    def _expiry(self, text, operation):
        if not isinstance(text, str):
            raise GraphError(400, "InvalidRequest", "expirationDateTime is not a date and time.")
        expires = parse_instant(text)
        now = self.clock.now()
        if expires > now + timedelta(minutes=MAX_MINUTES):
            raise GraphError(
                400, "ExtensionError",
                "Operation: %s; Exception: [Status Code: BadRequest; Reason: Subscription "
                "expiration can only be %d minutes in the future.]" % (operation, MAX_MINUTES),
            )  # fmt: skip
        return max(expires, now + timedelta(minutes=MIN_MINUTES))

    def _validate(self, sub, url):
        token = (
            "Validation: Testing client application reachability for subscription "
            "Request-Id: %s" % uuid.uuid4()
        )
        target = url + ("&" if "?" in url else "?") + urlencode({"validationToken": token})
        delivery = self.callbacks.post(
            "graph", "validation", target, b"", {"Content-Type": "text/plain; charset=utf-8"},
            HANDSHAKE_TIMEOUT, sub.id,
        )  # fmt: skip
        answered = delivery.answer.decode("utf-8", "replace")
        ok = (
            delivery.status == 200
            and delivery.content_type.split(";")[0].strip().lower() == "text/plain"
            and answered == token
        )
        delivery.outcome = "ok" if ok else "refused"
        if not ok:
            raise GraphError(
                400, "ValidationError",
                "Subscription validation request failed. Notification endpoint must respond "
                "with 200 OK to validation request.",
            )  # fmt: skip

    # -- notifications -----------------------------------------------------------------------

    def _expire(self):
        now = self.clock.now()
        with self._lock:
            for sub_id in [i for i, s in self._subs.items() if s.expires <= now]:
                del self._subs[sub_id]

    def _changed(self, smtp, folder_id, item_id, kind, seq):
        # Called under the store's lock: take note only, send later from a sender thread.
        change = STORE_KINDS.get(kind)
        if change is None or not self._subs:
            return
        if self.sim.store.folder_name(smtp, folder_id) != "calendar":
            return
        with self._lock:
            for sub in self._subs.values():
                if sub.mailbox.lower() != smtp.lower() or sub.paused:
                    continue
                if change not in [k.strip() for k in sub.change_type.split(",")]:
                    continue
                queue = self._queues.setdefault(sub.notification_url, [])
                if not queue:
                    url = sub.notification_url
                    self.callbacks.soon(self.delay, lambda url=url: self._flush(url))
                queue.append((sub.id, change, smtp, item_id))

    def _flush(self, url, pending=None, attempt=0, first_failure=None):
        if pending is None:
            with self._lock:
                pending = self._queues.pop(url, [])[:]
            if len(pending) > BATCH:
                with self._lock:
                    self._queues.setdefault(url, [])[:0] = pending[BATCH:]
                self.callbacks.soon(0, lambda: self._flush(url))
                pending = pending[:BATCH]
        self._expire()
        with self._lock:
            subs = dict(self._subs)
        values = [
            self._notification(subs[sub_id], change, smtp, item)
            for sub_id, change, smtp, item in pending
            if sub_id in subs and not subs[sub_id].paused
        ]
        if not values:
            return
        delivery = self.callbacks.post(
            "graph", "notification", url, json.dumps({"value": values}).encode(),
            {"Content-Type": "application/json; charset=utf-8"}, NOTIFY_TIMEOUT,
            values[0]["subscriptionId"], events=[v["changeType"] for v in values],
        )  # fmt: skip
        if 200 <= delivery.status < 300:
            delivery.outcome = "accepted"
            return
        now = self.clock.now()
        first_failure = first_failure or now
        delivery.outcome = "failed"  # judged: a test may move the clock from here on
        if now - first_failure >= RETRY_FOR:
            for sub_id in {v["subscriptionId"] for v in values}:
                if sub_id in subs:
                    self._send_lifecycle(subs[sub_id], "missed")
            return
        wait = min(self.retry_delay * 2**attempt, 3600)
        self.callbacks.soon(wait, lambda: self._flush(url, pending, attempt + 1, first_failure))

    def _notification(self, sub, change, smtp, item_id):
        graph_id = events.to_graph_id(item_id, sub.immutable)
        resource = "Users/%s/Events/%s" % (object_id(smtp), graph_id)
        data = {"@odata.type": "#Microsoft.Graph.Event", "@odata.id": resource, "id": graph_id}
        if change != "deleted":
            try:
                data["@odata.etag"] = events.etag(self.sim.store.get_item(smtp, item_id).change_key)
            except ItemNotFound:
                pass
        return {
            "subscriptionId": sub.id,
            "subscriptionExpirationDateTime": stamp(sub.expires),
            "changeType": change,
            "resource": resource,
            "resourceData": data,
            "clientState": sub.client_state,
            "tenantId": sub.tenant_id,
        }


def subscriptions_for(simulator):
    """The simulator's Graph subscriptions, created on first use."""
    registry = getattr(simulator, "graph_subscriptions", None)
    if registry is None:
        registry = GraphSubscriptions(simulator)
        simulator.graph_subscriptions = registry
    return registry
