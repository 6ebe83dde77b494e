"""EWS push subscriptions: the ``SendNotification`` calls Exchange makes to a subscriber's URL.

What the Client Access server does (Microsoft's StatusFrequency and SendNotificationResult
pages, MS-OXWSNTIF, the Exchange team's "Transitioning to EWS Notifications"):

* subscriptions live in the server's memory: :meth:`PushSubscriptions.restart` loses them all,
  as a restarted or failed-over Exchange does;
* the server looks for new events every couple of seconds (:attr:`poll_interval`) and sends
  what it found in one ``SendNotification`` (watermark per event, ``PreviousWatermark``);
  the first call, right after ``Subscribe``, is a status event, and so is any call after
  ``StatusFrequency`` minutes without events;
* the subscriber answers ``SendNotificationResult`` with ``OK`` (go on) or ``Unsubscribe``
  (the subscription ends); any other answer (an HTTP error, nothing, a body that breaks the
  schema) is a failure: the same call is retried after 30 s, then 60, 120 … and once the
  retries would go past ``StatusFrequency`` minutes the subscription is dropped;
* one call at a time per subscription; events wait while a call is outstanding.

Every ``SendNotification`` is validated against the schema before it leaves (a simulator bug
otherwise, listed in ``invalid_messages``) and every answer is validated as it comes back.
Times (status pings, retries) go by the store's clock, so a test shifts it instead of waiting;
the poll interval is real seconds. A move shows as a delete in one folder and a create in the
other (Exchange sends a MovedEvent).
"""

import base64
import hashlib
import hmac
import logging
import os
import struct
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from lxml import etree

from ..callbacks import callbacks_for
from ..schema import validator
from ..store import ItemNotFound, SyncStateExpired
from .soap import SOAP, M, T, m, sub, t

_logger = logging.getLogger(__name__)
EVENT_NAMES = {"create": "CreatedEvent", "update": "ModifiedEvent", "delete": "DeletedEvent"}
FIRST_RETRY = 30  # seconds; each retry waits twice as long as the one before
ANSWER_TIMEOUT = 10.0


class PushError(Exception):
    def __init__(self, code, text):
        super().__init__(text)
        self.code, self.text = code, text


@dataclass
class PushSubscription:
    id: str
    mailbox: str
    folders: dict  # folder id -> folder name
    event_types: set
    url: str
    status_frequency: int  # minutes
    version: str  # the RequestServerVersion of the Subscribe, repeated on each call
    watermark: int  # the store sequence of the last event delivered
    last_sent: object  # store-clock time of the last call the subscriber accepted
    pending: list = field(default_factory=list)  # (seq, kind, folder id, item id, time)
    initial_sent: bool = False
    in_flight: bool = False
    first_failure: object = None
    retry_wait: int = FIRST_RETRY
    next_retry: object = None
    next_poll: float = 0.0
    ended: str = ""  # "unsubscribed", "gave up", "restart"


class PushSubscriptions:
    """The push subscriptions of one simulator and the calls they are owed."""

    def __init__(self, simulator):
        self.sim = simulator
        self.callbacks = callbacks_for(simulator)
        self.validator = validator()
        self.poll_interval = 2.0
        # Tests: while True no call leaves (a test that shares one database transaction with
        # the server it calls must not be called while it is busy).
        self.hold = False
        self.invalid_messages = []  # SendNotification bodies that broke the schema (our bug)
        self.ended = []  # subscriptions that ended, newest last
        self._lock = threading.Lock()
        self._subs = {}
        self._key = os.urandom(16)
        simulator.store.listeners.append(self._changed)
        self.callbacks.every(self._tick)

    @property
    def clock(self):
        return self.sim.store.clock

    # -- watermarks --------------------------------------------------------------------------

    def watermark(self, mailbox, seq):
        mac = hmac.new(self._key, ("%s|%d" % (mailbox.lower(), seq)).encode(), hashlib.sha256)
        return base64.b64encode(b"\x01" + struct.pack(">Q", seq) + mac.digest()[:9]).decode()

    def read_watermark(self, mailbox, text):
        try:
            raw = base64.b64decode(text.strip(), validate=True)
            (seq,) = struct.unpack(">Q", raw[1:9])
        except (ValueError, struct.error):
            raise PushError("ErrorInvalidWatermark", "The watermark is invalid.") from None
        if len(raw) != 18 or not hmac.compare_digest(text.strip(), self.watermark(mailbox, seq)):
            raise PushError("ErrorInvalidWatermark", "The watermark is invalid.")
        return seq

    # -- Subscribe / Unsubscribe -------------------------------------------------------------

    def subscribe(self, mailbox, folders, event_types, url, status_frequency, version, mark=None):
        store = self.sim.store
        seq = store.current_seq(mailbox)
        pending = []
        if mark is not None:
            since = self.read_watermark(mailbox, mark)
            if since > seq:
                raise PushError("ErrorInvalidWatermark", "The watermark is invalid.")
            pending = self._since(mailbox, folders, since)
            seq = since
        raw = b"PS" + hashlib.sha1(mailbox.lower().encode()).digest()[:6] + os.urandom(16)
        sub_id = base64.b64encode(raw).decode()
        push = PushSubscription(
            sub_id, mailbox, dict(folders), set(event_types), url, status_frequency,
            version, seq, self.clock.now(), pending=pending,
            next_poll=time.monotonic() + self.poll_interval,  # the server's next look
        )  # fmt: skip
        with self._lock:
            self._subs[sub_id] = push
        return sub_id, self.watermark(mailbox, seq)

    def _since(self, mailbox, folders, since):
        now = self.clock.now()
        found = []
        for name in folders.values():
            try:
                batch = self.sim.store.changes_since(mailbox, (since, None), folder=name)
            except SyncStateExpired:
                raise PushError("ErrorInvalidWatermark", "The watermark is too old.") from None
            folder_id = self.sim.store.folder_id(mailbox, name)
            found += [(since, kind, folder_id, item_id, now) for kind, item_id in batch.changes]
        return found

    def unsubscribe(self, mailbox, sub_id):
        with self._lock:
            push = self._subs.get(sub_id)
        if push is None:
            raise PushError(
                "ErrorSubscriptionNotFound", "The specified subscription was not found."
            )
        if push.mailbox.lower() != mailbox.lower():
            raise PushError(
                "ErrorSubscriptionAccessDenied", "The subscription belongs to another mailbox."
            )
        raise PushError(
            "ErrorInvalidSubscription",
            "Unsubscribe ends pull and streaming subscriptions only; a push subscription ends "
            "when its client answers Unsubscribe.",
        )

    # -- what tests use ----------------------------------------------------------------------

    def active(self, mailbox=None):
        with self._lock:
            subs = list(self._subs.values())
        return [s for s in subs if mailbox is None or s.mailbox.lower() == mailbox.lower()]

    def restart(self):
        """Forget every subscription, as a restarted Exchange server does."""
        with self._lock:
            gone, self._subs = list(self._subs.values()), {}
        for push in gone:
            push.ended = "restart"
        self.ended.extend(gone)

    # -- events and calls --------------------------------------------------------------------

    def _changed(self, smtp, folder_id, item_id, kind, seq):
        # Called under the store's lock: take note only.
        name = EVENT_NAMES.get(kind)
        if name is None or not self._subs:
            return
        now = self.clock.now()
        with self._lock:
            for push in self._subs.values():
                if push.mailbox.lower() == smtp.lower() and folder_id in push.folders:
                    if name in push.event_types:
                        push.pending.append((seq, kind, folder_id, item_id, now))

    def _tick(self):
        if self.hold:
            return
        now, mono = self.clock.now(), time.monotonic()
        due = []
        with self._lock:
            for push in self._subs.values():
                if push.in_flight:
                    continue
                polled = mono >= push.next_poll
                if polled:
                    push.next_poll = mono + self.poll_interval
                if push.next_retry is not None:
                    ready = now >= push.next_retry
                elif polled and (push.pending or not push.initial_sent):
                    ready = True
                else:
                    ready = now - push.last_sent >= timedelta(minutes=push.status_frequency)
                if ready:
                    push.in_flight = True
                    due.append(push)
        for push in due:
            self.callbacks.soon(0, lambda push=push: self._send(push))

    def _send(self, push):
        with self._lock:
            batch = list(push.pending)
        try:
            envelope, last = self._message(push, batch)
            kinds = [kind for _, kind, *_ in batch] or ["status"]
            data = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
            delivery = self.callbacks.post(
                "ews", "SendNotification", push.url, data,
                {"Content-Type": "text/xml; charset=utf-8"}, ANSWER_TIMEOUT, push.id, events=kinds,
            )  # fmt: skip
            status = self._judge(delivery)
            delivery.outcome = status or "failed"
            with self._lock:
                self._after(push, status, batch, last)
        finally:
            push.in_flight = False

    def _after(self, push, status, batch, last):
        now = self.clock.now()
        if status == "OK":
            del push.pending[: len(batch)]
            push.watermark, push.last_sent, push.initial_sent = last, now, True
            push.first_failure = push.next_retry = None
            push.retry_wait = FIRST_RETRY
            return
        if status == "Unsubscribe":
            self._end(push, "unsubscribed")
            return
        push.first_failure = push.first_failure or now
        retry_at = now + timedelta(seconds=push.retry_wait)
        if retry_at - push.first_failure > timedelta(minutes=push.status_frequency):
            self._end(push, "gave up")
            return
        push.next_retry, push.retry_wait = retry_at, push.retry_wait * 2

    def _end(self, push, why):
        push.ended = why
        self._subs.pop(push.id, None)
        self.ended.append(push)

    def _message(self, push, batch):
        env = etree.Element("{%s}Envelope" % SOAP, nsmap={"soap11": SOAP})
        header = etree.SubElement(env, "{%s}Header" % SOAP)
        version = etree.SubElement(header, t("RequestServerVersion"), nsmap={"t": T})
        version.set("Version", push.version)
        body = etree.SubElement(env, "{%s}Body" % SOAP)
        root = sub(body, m("SendNotification"))
        message = sub(sub(root, m("ResponseMessages")), m("SendNotificationResponseMessage"))
        message.set("ResponseClass", "Success")
        sub(message, m("ResponseCode"), "NoError")
        note = sub(message, m("Notification"))
        sub(note, t("SubscriptionId"), push.id)
        sub(note, t("PreviousWatermark"), self.watermark(push.mailbox, push.watermark))
        sub(note, t("MoreEvents"), "false")
        last = push.watermark
        for seq, kind, folder_id, item_id, when in batch:
            last = max(last, seq)
            event = sub(note, t(EVENT_NAMES[kind]))
            sub(event, t("Watermark"), self.watermark(push.mailbox, seq))
            sub(event, t("TimeStamp"), when.strftime("%Y-%m-%dT%H:%M:%SZ"))
            item = sub(event, t("ItemId"), Id=item_id)
            if kind != "delete":
                try:
                    item.set("ChangeKey", self.sim.store.get_item(push.mailbox, item_id).change_key)
                except ItemNotFound:
                    pass
            sub(event, t("ParentFolderId"), Id=folder_id, ChangeKey="AgAAAA==")
        if not batch:
            last = max(last, self.sim.store.current_seq(push.mailbox))
            status = sub(note, t("StatusEvent"))
            sub(status, t("Watermark"), self.watermark(push.mailbox, last))
        for elem in (version, root):
            problems = self.validator.errors(elem)
            if problems:
                _logger.error("SendNotification breaks the schema: %s", problems)
                self.invalid_messages.append(problems)
        return env, last

    def _judge(self, delivery):
        """ "OK" / "Unsubscribe" from a valid answer, "" for anything else."""
        if delivery.status != 200 or not delivery.answer:
            return ""
        try:
            doc = etree.fromstring(
                delivery.answer, etree.XMLParser(resolve_entities=False, no_network=True)
            )
        except etree.XMLSyntaxError:
            return ""
        body = doc.find("{%s}Body" % SOAP)
        if body is None or len(body) == 0 or body[0].tag != "{%s}SendNotificationResult" % M:
            return ""
        if self.validator.errors(body[0]):
            return ""
        return (body[0].findtext("{%s}SubscriptionStatus" % M) or "").strip()


def push_for(simulator):
    """The simulator's push subscriptions, created on first use."""
    registry = getattr(simulator, "ews_push", None)
    if registry is None:
        registry = PushSubscriptions(simulator)
        simulator.ews_push = registry
    return registry
