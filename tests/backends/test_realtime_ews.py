"""The product's EWS push notifications against the simulator through exchangelib: subscribing
under impersonation, reading and judging SendNotification calls, answering them."""

from datetime import datetime, timedelta, timezone

import pytest
from ews_support import ALICE, CAROL, assert_schema_clean, settings, start, utc
from lxml import etree

from calendar_exchange_sync.sync import errors
from calendar_exchange_sync.sync.ews import EwsSide, push
from calendar_exchange_sync.sync.items import CalendarItem
from exchange_simulator.ews.push import push_for
from exchange_simulator.schema import validator
from exchange_simulator.subscriber import Subscriber

UTC = timezone.utc


@pytest.fixture
def sim():
    simulator = start()
    push_for(simulator).poll_interval = 0.05
    try:
        yield simulator
        assert_schema_clean(simulator)
        assert push_for(simulator).invalid_messages == []
    finally:
        simulator.stop()


class Endpoint:
    """Odoo's side of the push URL in miniature: read, judge, answer."""

    def __init__(self, pending=True):
        self.subscription_id = None
        self.pending = pending  # a Subscribe under way: its first ping may come before its id
        self.verdicts = []

    def __call__(self, got):
        notices = push.read(got.body)
        verdict = push.judge(notices, self.subscription_id, self.pending)
        self.verdicts.append(verdict)
        return 200, "text/xml; charset=utf-8", push.answer(verdict.keep)


def test_subscribe_then_pings_and_changes(sim):
    endpoint = Endpoint()
    with Subscriber(endpoint) as receiver:
        sub = push.subscribe(settings(sim), ALICE, receiver.url + "/n/3/tok?db=odoo")
        endpoint.subscription_id, endpoint.pending = sub.id, False
        operations = [o for o in sim.journal.operations("ews") if o != "Authenticate"]
        assert operations == ["Subscribe"]  # no GetFolder first
        [entry] = sim.journal.entries("ews", "Subscribe")
        assert entry.mailbox == ALICE  # under impersonation
        [remote] = push_for(sim).active(ALICE)
        assert remote.status_frequency == push.STATUS_FREQUENCY
        assert remote.event_types == set(push.EVENT_TYPES)
        receiver.wait_for(lambda: endpoint.verdicts, timeout=5)
        assert endpoint.verdicts[0].keep and not endpoint.verdicts[0].changed  # a status ping
        item = CalendarItem(subject="Pushed", start=utc(2026, 3, 5, 9), end=utc(2026, 3, 5, 10))
        assert EwsSide(settings(sim), ALICE).create([(None, item)])[0].ok
        receiver.wait_for(lambda: any(v.changed for v in endpoint.verdicts), timeout=5)
        changed = [v for v in endpoint.verdicts if v.changed][0]
        assert changed.keep and changed.watermark
    # Our answers were schema-valid: the simulator accepted them as OK.
    assert {d.outcome for d in push_for(sim).callbacks.deliveries("ews")} == {"OK"}


def test_a_subscription_we_do_not_know_is_told_to_stop(sim):
    endpoint = Endpoint(pending=False)  # it knows no subscription id
    with Subscriber(endpoint) as receiver:
        push.subscribe(settings(sim), ALICE, receiver.url)
        receiver.wait_for(lambda: endpoint.verdicts, timeout=5)
        registry = push_for(sim)
        registry.callbacks.wait_for(lambda: not registry.active(), timeout=5)
    assert registry.ended[-1].ended == "unsubscribed"
    assert endpoint.verdicts == [push.PushVerdict(False, False, None)]


def test_impersonation_refused_is_a_plain_error(sim):
    with pytest.raises(errors.ImpersonationDenied):
        push.subscribe(settings(sim), CAROL, "http://127.0.0.1:9/n")


def test_a_bad_url_is_a_configuration_error(sim):
    with pytest.raises(errors.ConfigurationError) as refused:
        push.subscribe(settings(sim), ALICE, "notification-endpoint")
    assert "notification-endpoint" in str(refused.value)


def test_an_unreachable_server_is_a_connection_error():
    with pytest.raises(errors.ConnectionFailed):
        push.subscribe(
            settings(type("S", (), {"ews_url": "http://127.0.0.1:9/EWS/Exchange.asmx"})),
            ALICE,
            "http://127.0.0.1:9/n",
        )


def test_the_answers_are_valid_send_notification_results():
    for keep, status in ((True, "OK"), (False, "Unsubscribe")):
        envelope = etree.fromstring(push.answer(keep))
        result = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
        assert validator().errors(result) == []
        assert result.findtext("{*}SubscriptionStatus") == status


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage",
        b"<a/>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&e;'
        b"</s:Body></s:Envelope>",
        b"<x>" + b" " * push.MAX_BODY + b"</x>",
    ],
)
def test_malformed_calls_are_refused(raw):
    with pytest.raises(push.BadNotification):
        push.read(raw)


def test_a_call_mixing_subscriptions_is_not_ours():
    notices = [push.PushNotice("A", True, "w1"), push.PushNotice("B", True, "w2")]
    assert not push.judge(notices, "A").keep
    assert push.judge(notices[:1], "A") == push.PushVerdict(True, True, "w1")
    assert not push.judge(notices[:1], None).keep
    assert push.judge(notices, None, pending=True).keep  # a Subscribe under way


def test_pings_stopped():
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert push.pings_stopped(None, 15, now)
    assert not push.pings_stopped(now - timedelta(minutes=30), 15, now)
    assert push.pings_stopped(now - timedelta(minutes=32), 15, now)
