"""EWS push subscriptions in the simulator, driven by exchangelib's own push API: Subscribe,
the SendNotification calls (status pings, events, watermarks), the subscriber's answers
(OK, Unsubscribe, failures and retries), Unsubscribe, a restart; every message schema-valid."""

import datetime
from datetime import timedelta

import pytest
from exchangelib import (
    BASIC,
    IMPERSONATION,
    Account,
    Build,
    CalendarItem,
    Configuration,
    Credentials,
    EWSTimeZone,
    FailFast,
    Version,
)
from exchangelib.errors import (
    ErrorInvalidPushSubscriptionUrl,
    ErrorInvalidSubscription,
    ErrorSubscriptionNotFound,
)
from exchangelib.folders import FolderCollection
from exchangelib.services import SendNotification
from lxml import etree

from exchange_simulator.ews.push import push_for
from exchange_simulator.schema import validator
from exchange_simulator.subscriber import Subscriber

ALICE, BOB = "alice@contoso.com", "bob@contoso.com"
UTC = datetime.timezone.utc
EVENTS = ["CreatedEvent", "ModifiedEvent", "DeletedEvent"]
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
WS = SendNotification(protocol=None)  # exchangelib's parser and answers for push calls


def ok(got):
    return 200, "text/xml; charset=utf-8", WS.ok_payload()


@pytest.fixture
def sim(simulator):
    push_for(simulator).poll_interval = 0.05
    yield simulator
    assert push_for(simulator).invalid_messages == []
    assert simulator.mounted("ews").invalid_answers == []


@pytest.fixture
def receiver():
    with Subscriber(ok) as running:
        yield running


def account(sim, mailbox=ALICE):
    config = Configuration(
        service_endpoint=sim.ews_url,
        credentials=Credentials("CONTOSO\\svc-sync", "S3rvice!"),
        auth_type=BASIC,
        version=Version(build=Build(15, 1), api_version="Exchange2016"),
        retry_policy=FailFast(),
    )
    return Account(
        mailbox, config=config, autodiscover=False, access_type=IMPERSONATION,
        default_timezone=EWSTimeZone("UTC"),
    )  # fmt: skip


def calls(receiver):
    """[(exchangelib Notification, raw body)] of every SendNotification received."""
    return [(n, got.body) for got in receiver.requests() for n in WS.parse(got.body)]


def kinds(receiver):
    return [type(e).__name__ for n, _ in calls(receiver) for e in n.events]


def test_subscribe_and_the_first_status_ping(sim, receiver):
    acc = account(sim)
    sub_id, watermark = acc.calendar.subscribe_to_push(
        receiver.url + "/ews/7?db=odoo", event_types=EVENTS, status_frequency=1
    )
    assert sub_id and watermark
    receiver.wait_for(lambda: receiver.requests(), timeout=5)
    got = receiver.requests()[0]
    assert got.path == "/ews/7" and got.query == {"db": "odoo"}
    assert got.headers["content-type"].startswith("text/xml")
    [(note, body)] = calls(receiver)
    assert note.subscription_id == sub_id and note.previous_watermark == watermark
    assert [type(e).__name__ for e in note.events] == ["StatusEvent"]
    # The call validates against Microsoft's schema: the header and the body element.
    envelope = etree.fromstring(body)
    header, soap_body = envelope.find(SOAP + "Header"), envelope.find(SOAP + "Body")
    assert validator().errors(header[0]) == [] and validator().errors(soap_body[0]) == []
    assert header[0].get("Version") == "Exchange2016"
    push = push_for(sim)
    assert push.callbacks.wait_for(lambda: push.active(ALICE)[0].initial_sent, timeout=5)


def test_calendar_changes_are_pushed_with_watermarks(sim, receiver):
    acc = account(sim)
    acc.calendar.subscribe_to_push(receiver.url, event_types=EVENTS, status_frequency=5)
    receiver.wait_for(lambda: receiver.requests(), timeout=5)
    start = datetime.datetime(2026, 3, 10, 9, tzinfo=UTC)
    item = CalendarItem(folder=acc.calendar, subject="Push me", start=start, end=start)
    item.save(send_meeting_invitations="SendToNone")
    receiver.wait_for(lambda: "CreatedEvent" in kinds(receiver), timeout=5)
    item.subject = "Pushed"
    item.save(update_fields=["subject"], send_meeting_invitations="SendToNone")
    receiver.wait_for(lambda: "ModifiedEvent" in kinds(receiver), timeout=5)
    item_id = item.id
    item.delete(send_meeting_cancellations="SendToNone")
    receiver.wait_for(lambda: "DeletedEvent" in kinds(receiver), timeout=5)
    assert kinds(receiver) == ["StatusEvent", "CreatedEvent", "ModifiedEvent", "DeletedEvent"]
    notes = [n for n, _ in calls(receiver)]
    created = notes[1].events[0]
    assert created.item_id.id == item_id and created.parent_folder_id.id
    # Each call's PreviousWatermark is the last watermark of the call before.
    for before, after in zip(notes, notes[1:], strict=False):
        assert after.previous_watermark == before.events[-1].watermark
    # Another mailbox's changes stay out of this subscription.
    bob = account(sim, BOB)
    CalendarItem(folder=bob.calendar, subject="Bob's", start=start, end=start).save(
        send_meeting_invitations="SendToNone"
    )
    assert receiver.wait_for(lambda: len(kinds(receiver)) > 4, timeout=0.4) is None


def test_status_pings_follow_the_status_frequency(sim, receiver):
    account(sim).calendar.subscribe_to_push(receiver.url, event_types=EVENTS, status_frequency=2)
    assert settled(push_for(sim), 1)
    sim.store.clock.shift(timedelta(minutes=1))
    assert receiver.wait_for(lambda: len(receiver.requests()) > 1, timeout=0.4) is None
    sim.store.clock.shift(timedelta(minutes=1, seconds=1))
    receiver.wait_for(lambda: len(receiver.requests()) > 1, timeout=5)
    assert kinds(receiver) == ["StatusEvent", "StatusEvent"]


def test_an_unsubscribe_answer_ends_the_subscription(sim):
    with Subscriber(lambda got: (200, "text/xml", WS.unsubscribe_payload())) as receiver:
        acc = account(sim)
        acc.calendar.subscribe_to_push(receiver.url, event_types=EVENTS, status_frequency=1)
        receiver.wait_for(lambda: receiver.requests(), timeout=5)
        push = push_for(sim)
        push.callbacks.wait_for(lambda: not push.active(), timeout=5)
        assert push.ended[-1].ended == "unsubscribed"
        sim.store.clock.shift(timedelta(minutes=2))
        assert receiver.wait_for(lambda: len(receiver.requests()) > 1, timeout=0.3) is None


def settled(push, calls):
    """Wait until ``calls`` calls were made and judged (the next retry is then scheduled)."""

    def done():
        judged = [d for d in push.callbacks.deliveries("ews") if d.outcome]
        return len(judged) >= calls and not any(s.in_flight for s in push.active())

    return push.callbacks.wait_for(done, timeout=5)


@pytest.mark.parametrize(
    "answer",
    [
        (500, "text/plain", b""),
        (200, "text/xml", b"<not-soap/>"),
        # Well-formed SOAP whose SubscriptionStatus breaks the schema (only the schema tells).
        pytest.param(
            (200, "text/xml", WS.ok_payload().replace(b">OK<", b">Fine<")),
            marks=pytest.mark.ews_schema,
        ),
    ],
)
def test_failed_answers_are_retried_until_the_status_frequency_runs_out(sim, answer):
    with Subscriber(lambda got: answer) as receiver:
        account(sim).calendar.subscribe_to_push(
            receiver.url, event_types=EVENTS, status_frequency=2
        )
        receiver.wait_for(lambda: receiver.requests(), timeout=5)
        push = push_for(sim)
        assert push.callbacks.wait_for(lambda: push.active()[0].next_retry, timeout=5)
        for seconds, expected in ((31, 2), (61, 3)):  # retries after 30 s, then 60 s
            sim.store.clock.shift(timedelta(seconds=seconds))
            assert settled(push, expected)
        # The next retry (120 s later) would end past the 2 minutes: the server gives up.
        push.callbacks.wait_for(lambda: not push.active(), timeout=5)
        assert push.ended[-1].ended == "gave up"
        assert {d.outcome for d in push.callbacks.deliveries("ews")} == {"failed"}


def test_a_late_ok_resumes_and_delivers_what_waited(sim):
    answers = iter([(500, "text/plain", b"")])
    with Subscriber(lambda got: next(answers, ok(got))) as receiver:
        acc = account(sim)
        acc.calendar.subscribe_to_push(receiver.url, event_types=EVENTS, status_frequency=5)
        receiver.wait_for(lambda: receiver.requests(), timeout=5)
        start = datetime.datetime(2026, 3, 10, 9, tzinfo=UTC)
        CalendarItem(folder=acc.calendar, subject="Waits", start=start, end=start).save(
            send_meeting_invitations="SendToNone"
        )
        assert settled(push_for(sim), 1)
        sim.store.clock.shift(timedelta(seconds=31))
        receiver.wait_for(lambda: "CreatedEvent" in kinds(receiver), timeout=5)
        push = push_for(sim)
        assert push.callbacks.wait_for(lambda: push.active()[0].next_retry is None, timeout=5)


def test_unsubscribe_is_for_pull_and_streaming_only(sim, receiver):
    acc = account(sim)
    sub_id, _ = acc.calendar.subscribe_to_push(receiver.url, event_types=EVENTS)
    with pytest.raises(ErrorInvalidSubscription):
        acc.calendar.unsubscribe(sub_id)
    with pytest.raises(ErrorSubscriptionNotFound):
        acc.calendar.unsubscribe("UFMAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")


def test_bad_urls_are_refused(sim):
    acc = account(sim)
    with pytest.raises(ErrorInvalidPushSubscriptionUrl):
        acc.calendar.subscribe_to_push("not a url", event_types=EVENTS)


def test_the_distinguished_calendar_without_a_getfolder(sim, receiver):
    from calendar_exchange_sync.sync.ews.account import calendar_folder

    acc = account(sim)
    folders = FolderCollection(account=acc, folders=[calendar_folder(acc)])
    sub_id, _ = folders.subscribe_to_push(
        event_types=EVENTS, watermark=None, status_frequency=1, callback_url=receiver.url
    )
    # (the delegate's NTLM handshake, "Authenticate", comes first; no GetFolder at all)
    assert [op for op in sim.journal.operations("ews") if op != "Authenticate"] == ["Subscribe"]
    assert push_for(sim).active(ALICE)[0].id == sub_id


def test_a_restart_loses_every_subscription(sim, receiver):
    account(sim).calendar.subscribe_to_push(receiver.url, event_types=EVENTS, status_frequency=1)
    receiver.wait_for(lambda: receiver.requests(), timeout=5)
    push_for(sim).restart()
    sim.store.clock.shift(timedelta(minutes=3))
    assert receiver.wait_for(lambda: len(receiver.requests()) > 1, timeout=0.3) is None


SUBSCRIBE = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"
    xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
  <s:Header><t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation>
    <t:ConnectingSID><t:PrimarySmtpAddress>%s</t:PrimarySmtpAddress></t:ConnectingSID>
  </t:ExchangeImpersonation></s:Header>
  <s:Body><m:Subscribe><m:PushSubscriptionRequest>
    <t:FolderIds><t:DistinguishedFolderId Id="calendar"/></t:FolderIds>
    <t:EventTypes><t:EventType>CreatedEvent</t:EventType></t:EventTypes>
    %s<t:StatusFrequency>5</t:StatusFrequency><t:URL>%s</t:URL>
  </m:PushSubscriptionRequest></m:Subscribe></s:Body>
</s:Envelope>"""


def raw_subscribe(sim, url, watermark=""):
    import requests

    element = "<t:Watermark>%s</t:Watermark>" % watermark if watermark else ""
    answer = requests.post(
        sim.ews_url, data=(SUBSCRIBE % (ALICE, element, url)).encode(),
        auth=("CONTOSO\\svc-sync", "S3rvice!"), headers={"Content-Type": "text/xml"},
    )  # fmt: skip
    doc = etree.fromstring(answer.content)
    return {etree.QName(e).localname: e.text for e in doc.iter()}


def test_a_watermark_resumes_where_the_last_subscription_stopped(sim, receiver):
    first = raw_subscribe(sim, receiver.url + "/first")
    assert first["ResponseCode"] == "NoError"
    push_for(sim).restart()  # the subscription is lost, its watermark kept by the client
    acc = account(sim)
    start = datetime.datetime(2026, 3, 10, 9, tzinfo=UTC)
    CalendarItem(folder=acc.calendar, subject="Meanwhile", start=start, end=start).save(
        send_meeting_invitations="SendToNone"
    )
    second = raw_subscribe(sim, receiver.url + "/second", first["Watermark"])
    assert second["ResponseCode"] == "NoError"
    got = receiver.wait_for(lambda: receiver.requests("/second"), timeout=5)
    [note] = WS.parse(got[0].body)
    assert [type(e).__name__ for e in note.events] == ["CreatedEvent"]  # not lost
    forged = raw_subscribe(sim, receiver.url, "AQAAAAAAAAAB" + "A" * 12)
    assert forged["ResponseCode"] == "ErrorInvalidWatermark"


@pytest.mark.ews_schema  # only the schema knows the namespace is wrong
def test_exchangelib_puts_the_watermark_in_the_wrong_namespace(sim, receiver):
    # exchangelib writes <m:Watermark> where the schema has <t:Watermark>: Exchange refuses
    # such a request, so the product never passes a watermark (it resynchronises instead).
    from exchangelib.errors import ErrorSchemaValidation

    acc = account(sim)
    _, watermark = acc.calendar.subscribe_to_push(receiver.url, event_types=EVENTS)
    with pytest.raises(ErrorSchemaValidation):
        acc.calendar.subscribe_to_push(receiver.url, event_types=EVENTS, watermark=watermark)
