"""The product's Graph change notifications against the simulator through the real GraphClient:
subscribing (with the handshake), renewal, deletion, and judging what Graph POSTs back."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from graph_support import ALICE, BOB, loopback_only, running, settings_for, side_for, when

from calendar_exchange_sync.sync import errors
from calendar_exchange_sync.sync.graph import subscriptions as subs
from calendar_exchange_sync.sync.items import CalendarItem
from exchange_simulator.callbacks import callbacks_for
from exchange_simulator.graph.subscriptions import subscriptions_for
from exchange_simulator.subscriber import Subscriber

UTC = timezone.utc


@pytest.fixture
def sim():
    with running() as simulator:
        callbacks_for(simulator).allow_http = True  # the receiver speaks plain HTTP
        subscriptions_for(simulator).delay = 0.05
        yield simulator


@pytest.fixture
def receiver():
    with Subscriber() as running_receiver:
        yield running_receiver


def posted(receiver):
    """Every notification POST the receiver got, parsed by the product."""
    return [
        subs.read_notifications(got.body)
        for got in receiver.requests()
        if "validationToken" not in got.query
    ]


def test_subscribe_renew_delete(sim, receiver):
    api = subs.Subscriptions(settings_for(sim))
    secret = subs.new_secret()
    with loopback_only():
        sub = api.create(ALICE, receiver.url + "/n/1/tok?db=odoo", secret)
    assert sub.resource == "users/%s/events" % ALICE
    left = sub.expires - datetime.now(UTC)
    assert subs.LIFETIME - timedelta(minutes=2) < left <= subs.LIFETIME
    [graph_sub] = subscriptions_for(sim).active(ALICE)
    assert (
        graph_sub.client_state == secret and graph_sub.lifecycle_url == graph_sub.notification_url
    )
    assert graph_sub.change_type == "created,updated,deleted"
    renewed = api.renew(sub.id, ALICE)
    assert renewed.id == sub.id and renewed.expires >= sub.expires
    api.delete(sub.id, ALICE)
    assert subscriptions_for(sim).active() == []
    api.delete(sub.id, ALICE)  # already gone: fine
    with pytest.raises(subs.SubscriptionGone):
        api.renew(sub.id, ALICE)


def test_a_change_is_notified_and_judged(sim, receiver):
    api = subs.Subscriptions(settings_for(sim))
    secret = subs.new_secret()
    sub = api.create(ALICE, receiver.url + "/n", secret)
    item = CalendarItem(subject="Room booking", start=when(10, 9), end=when(10, 10))
    [result] = side_for(sim, ALICE).create([(None, item)])
    assert result.ok
    [notes] = receiver.wait_for(lambda: posted(receiver), timeout=5)
    verdict = subs.judge(notes, sub.id, secret)
    assert verdict.genuine == 1 and verdict.changed and not verdict.forged
    assert not (verdict.renew or verdict.recreate or verdict.missed)


def test_the_handshake_failing_says_so_plainly(sim):
    api = subs.Subscriptions(settings_for(sim))
    with Subscriber(lambda got: (404, "text/html", b"<h1>Not found</h1>")) as receiver:
        with pytest.raises(subs.SubscriptionRefused) as refused:
            api.create(ALICE, receiver.url + "/n", subs.new_secret())
    assert receiver.url in str(refused.value) and "10 seconds" in str(refused.value)
    assert isinstance(refused.value, errors.ConfigurationError)
    assert subscriptions_for(sim).active() == []


def test_graph_refuses_plain_http(sim, receiver):
    callbacks_for(sim).allow_http = False
    with pytest.raises(subs.SubscriptionRefused) as refused:
        subs.Subscriptions(settings_for(sim)).create(ALICE, receiver.url, subs.new_secret())
    assert "https" in str(refused.value)


def test_a_mailbox_outside_the_access_policy(sim, receiver):
    with pytest.raises(errors.ImpersonationDenied):
        subs.Subscriptions(settings_for(sim)).create(
            "carol@contoso.com", receiver.url, subs.new_secret()
        )


def note(sub_id="S1", state="secret", change="updated", lifecycle=None):
    value = {"subscriptionId": sub_id, "clientState": state, "tenantId": "t"}
    if change:
        value |= {"changeType": change, "resource": "Users/x/Events/y"}
    if lifecycle:
        value["lifecycleEvent"] = lifecycle
    return value


def body(*values):
    return json.dumps({"value": list(values)}).encode()


def test_judging_refuses_other_subscriptions_and_wrong_secrets():
    notes = subs.read_notifications(
        body(note(), note(state="guess"), note(sub_id="S2"), note(state=None))
    )
    verdict = subs.judge(notes, "S1", "secret")
    assert (verdict.genuine, verdict.forged, verdict.changed) == (1, 3, True)
    forged = subs.judge(subs.read_notifications(body(note(state="secreT"))), "S1", "secret")
    assert (forged.genuine, forged.changed) == (0, False)
    assert not subs.same_secret(None, "x") and not subs.same_secret("x", None)
    # While the subscription is being made its id is unknown: the clientState alone vouches.
    pending = subs.judge(notes, None, "secret")
    assert (pending.genuine, pending.forged) == (2, 2)


@pytest.mark.parametrize(
    "event, flags",
    [
        ("reauthorizationRequired", {"renew"}),
        ("subscriptionRemoved", {"recreate", "changed"}),
        ("missed", {"missed", "changed"}),
        ("somethingNew", set()),
    ],
)
def test_lifecycle_events_say_what_to_do(event, flags):
    notes = subs.read_notifications(body(note(change=None, lifecycle=event)))
    verdict = subs.judge(notes, "S1", "secret")
    assert verdict.genuine == 1
    assert {f for f in ("renew", "recreate", "missed", "changed") if getattr(verdict, f)} == flags


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"value": []}',
        b'{"value": [{"clientState": "x"}]}',
        b'{"value": [{"subscriptionId": 5}]}',
        b'{"value": [{"subscriptionId": "S1", "clientState": {"a": 1}}]}',
        body(*[note()] * (subs.MAX_ITEMS + 1)),
        b'{"value": [' + b" " * subs.MAX_BODY + b"]}",
    ],
)
def test_malformed_posts_are_refused(raw):
    with pytest.raises(subs.BadNotification):
        subs.read_notifications(raw)


def test_a_burst_of_changes_arrives_in_few_posts(sim, receiver):
    subscriptions_for(sim).delay = 0.3
    api = subs.Subscriptions(settings_for(sim))
    secret = subs.new_secret()
    sub = api.create(BOB, receiver.url + "/n", secret)
    items = [
        (None, CalendarItem(subject="Burst %d" % i, start=when(11, 9), end=when(11, 10)))
        for i in range(10)
    ]
    assert all(r.ok for r in side_for(sim, BOB).create(items))
    receiver.wait_for(lambda: sum(len(n) for n in posted(receiver)) >= 10, timeout=5)
    verdicts = [subs.judge(notes, sub.id, secret) for notes in posted(receiver)]
    assert sum(v.genuine for v in verdicts) == 10 and len(verdicts) <= 2
