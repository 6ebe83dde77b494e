"""Graph change notifications in the simulator, spoken to with plain requests as an app would:
the validation handshake, expiry and renewal, notifications, lifecycle events, retries."""

import json
from datetime import datetime, timedelta, timezone

import pytest
import requests

from exchange_simulator.callbacks import callbacks_for
from exchange_simulator.graph.subscriptions import MAX_MINUTES, subscriptions_for
from exchange_simulator.seed import seed_data
from exchange_simulator.simulator import Simulator
from exchange_simulator.subscriber import Subscriber, graph_subscriber

ALICE, BOB = "alice@contoso.com", "bob@contoso.com"
APP = seed_data("contoso")["tenants"][0]["apps"][0]
EVENT = {
    "subject": "Review",
    "start": {"dateTime": "2026-03-10T10:00:00", "timeZone": "UTC"},
    "end": {"dateTime": "2026-03-10T11:00:00", "timeZone": "UTC"},
}


@pytest.fixture
def sim(seed):
    seed["tenants"][0]["apps"].append(
        {"client_id": "app-2", "client_secret": "secret-2", "consented": True}
    )
    seed["tenants"][0]["apps"][0]["mailbox_policy"] = {"deny": ["carol@contoso.com"]}
    with Simulator(seed, https=True).start() as running:
        callbacks_for(running).allow_http = True  # the receiver below speaks plain HTTP
        subscriptions_for(running).delay = 0.05
        yield running


def session_for(sim, client_id=None, secret=None):
    app = APP  # the shared seed's app, unless another one is asked for
    client_id, secret = client_id or app["client_id"], secret or app["client_secret"]
    token = requests.post(
        "%s/contoso.com/oauth2/v2.0/token" % sim.https_url,
        data={"grant_type": "client_credentials", "client_id": client_id,
              "client_secret": secret, "scope": sim.https_url + "/.default"},
        verify=sim.ca_file, timeout=5,
    ).json()["access_token"]  # fmt: skip
    session = requests.Session()
    session.verify, session.trust_env = sim.ca_file, False
    session.headers["Authorization"] = "Bearer " + token
    session.base = sim.https_url + "/v1.0"
    return session


@pytest.fixture
def api(sim):
    return session_for(sim)


@pytest.fixture
def receiver():
    with Subscriber() as running:
        yield running


def stamp(delta):
    moment = datetime.now(timezone.utc) + delta
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def subscribe(api, receiver, mailbox=ALICE, **changes):
    body = {
        "changeType": "created,updated,deleted",
        "notificationUrl": receiver.url + "/notify/1?db=odoo",
        "lifecycleNotificationUrl": receiver.url + "/notify/1?db=odoo",
        "resource": "users/%s/events" % mailbox,
        "expirationDateTime": stamp(timedelta(days=2)),
        "clientState": "s3cret-state",
    }
    body.update(changes)
    return api.post(api.base + "/subscriptions", json=body)


def notifications(receiver):
    out = []
    for got in receiver.requests("/notify/1"):
        if "validationToken" not in got.query:
            out.extend(v for v in json.loads(got.body)["value"] if "changeType" in v)
    return out


def test_the_handshake_is_made_against_both_urls_before_the_subscription_exists(api, receiver):
    created = subscribe(api, receiver)
    assert created.status_code == 201, created.text
    sub = created.json()
    assert sub["changeType"] == "created,updated,deleted" and sub["clientState"] == "s3cret-state"
    assert sub["applicationId"] == APP["client_id"] and sub["resource"] == "users/%s/events" % ALICE
    handshakes = receiver.requests("/notify/1")
    assert len(handshakes) == 2  # notificationUrl, then lifecycleNotificationUrl
    for got in handshakes:
        # The token comes URL-encoded (it holds spaces and colons) and is given back decoded.
        assert got.query["validationToken"].startswith("Validation: Testing client")
        assert got.query["db"] == "odoo"  # the URL's own query travels with it
        assert got.headers["content-type"].startswith("text/plain")
    listed = api.get(api.base + "/subscriptions").json()["value"]
    assert [s["id"] for s in listed] == [sub["id"]]


@pytest.mark.parametrize(
    "answer",
    [
        (200, "text/plain", b"not the token"),
        (500, "text/plain", b""),
        (202, "text/plain", b""),
        ("echo-json", "application/json", None),
    ],
)
def test_a_failed_handshake_refuses_the_subscription(sim, api, answer):
    def handler(got):
        status, content_type, body = answer
        if status == "echo-json":  # the right token, the wrong content type
            return 200, content_type, got.query["validationToken"].encode()
        return status, content_type, body

    with Subscriber(handler) as receiver:
        refused = subscribe(api, receiver)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "ValidationError"
    assert api.get(api.base + "/subscriptions").json()["value"] == []


def test_an_unreachable_url_refuses_the_subscription(api):
    refused = subscribe(
        api,
        type("R", (), {"url": "http://127.0.0.1:9"}),  # nothing listens on port 9
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "ValidationError"


def test_plain_http_urls_are_refused_as_graph_refuses_them(sim, api, receiver):
    callbacks_for(sim).allow_http = False
    refused = subscribe(api, receiver)
    assert refused.status_code == 400 and "https" in refused.json()["error"]["message"]
    assert receiver.requests() == []  # refused before any call


def test_expiry_limits(sim, api, receiver):
    too_far = subscribe(api, receiver, expirationDateTime=stamp(timedelta(minutes=MAX_MINUTES + 5)))
    assert too_far.status_code == 400
    assert too_far.json()["error"]["code"] == "ExtensionError"
    assert "%d minutes" % MAX_MINUTES in too_far.json()["error"]["message"]
    soon = subscribe(api, receiver, expirationDateTime=stamp(timedelta(minutes=5)))
    expires = datetime.fromisoformat(soon.json()["expirationDateTime"][:19] + "+00:00")
    assert expires - datetime.now(timezone.utc) > timedelta(minutes=44)  # raised to 45 minutes


def test_changes_of_the_mailbox_are_notified_with_the_client_state(sim, api, receiver):
    sub = subscribe(api, receiver).json()
    event = api.post(api.base + "/users/%s/events" % ALICE, json=EVENT).json()
    api.post(api.base + "/users/%s/events" % BOB, json=EVENT)  # another mailbox: not notified
    got = receiver.wait_for(lambda: notifications(receiver), timeout=5)
    assert len(got) == 1
    note = got[0]
    assert note["subscriptionId"] == sub["id"] and note["clientState"] == "s3cret-state"
    assert note["changeType"] == "created" and note["tenantId"]
    assert note["resourceData"]["id"] == event["id"]
    assert note["resource"].endswith("/Events/" + event["id"])
    url = api.base + "/users/%s/events/%s" % (ALICE, event["id"])
    api.patch(url, json={"subject": "Changed"})
    api.delete(url)
    receiver.wait_for(lambda: len(notifications(receiver)) >= 3, timeout=5)
    assert [n["changeType"] for n in notifications(receiver)] == ["created", "updated", "deleted"]


def test_a_change_type_filter_and_a_burst_in_one_post(sim, api, receiver):
    subscriptions_for(sim).delay = 0.3
    subscribe(api, receiver, changeType="deleted")
    ids = [api.post(api.base + "/users/%s/events" % ALICE, json=EVENT).json()["id"] for _ in "ab"]
    for event_id in ids:
        api.delete(api.base + "/users/%s/events/%s" % (ALICE, event_id))
    receiver.wait_for(lambda: len(notifications(receiver)) >= 2, timeout=5)
    posts = [r for r in receiver.requests("/notify/1") if "validationToken" not in r.query]
    assert len(posts) == 1  # both deletions travelled together
    assert [n["changeType"] for n in notifications(receiver)] == ["deleted", "deleted"]


def test_renewal_deletion_and_other_apps(sim, api, receiver):
    sub = subscribe(api, receiver).json()
    url = api.base + "/subscriptions/" + sub["id"]
    renewed = api.patch(url, json={"expirationDateTime": stamp(timedelta(days=2, hours=5))})
    assert renewed.status_code == 200
    assert renewed.json()["expirationDateTime"] > sub["expirationDateTime"]
    other = session_for(sim, "app-2", "secret-2")
    assert other.get(url).status_code == 404  # another app's subscription does not exist
    assert other.delete(url).status_code == 404
    assert api.delete(url).status_code == 204
    api.post(api.base + "/users/%s/events" % ALICE, json=EVENT)
    assert receiver.wait_for(lambda: notifications(receiver), timeout=0.5) is None
    assert api.patch(url, json={"expirationDateTime": stamp(timedelta(days=1))}).status_code == 404


def test_an_expired_subscription_is_gone(sim, api, receiver):
    sub = subscribe(api, receiver).json()
    sim.store.clock.shift(timedelta(days=3))
    api = session_for(sim)  # the old token expired too
    assert api.get(api.base + "/subscriptions/" + sub["id"]).status_code == 404
    api.post(api.base + "/users/%s/events" % ALICE, json=EVENT)
    assert receiver.wait_for(lambda: notifications(receiver), timeout=0.5) is None


def test_the_gate_applies_to_the_subscribed_mailbox(api, receiver):
    denied = subscribe(api, receiver, mailbox="carol@contoso.com")
    assert denied.status_code == 403  # the tenant's application access policy
    unknown = subscribe(api, receiver, mailbox="nobody@contoso.com")
    assert unknown.status_code == 404
    me = subscribe(api, receiver, resource="me/events")
    assert me.status_code == 400
    assert receiver.requests() == []


def test_lifecycle_events(sim, api, receiver):
    registry = subscriptions_for(sim)
    sub = subscribe(api, receiver).json()
    delivery = registry.lifecycle(sub["id"], "reauthorizationRequired")
    assert delivery.status == 202
    lifecycle = json.loads(receiver.requests("/notify/1")[-1].body)["value"][0]
    assert lifecycle["lifecycleEvent"] == "reauthorizationRequired"
    assert lifecycle["clientState"] == "s3cret-state" and lifecycle["subscriptionId"] == sub["id"]
    # Delivery pauses until the app reauthorizes: a change meanwhile is lost.
    api.post(api.base + "/users/%s/events" % ALICE, json=EVENT)
    assert receiver.wait_for(lambda: notifications(receiver), timeout=0.4) is None
    assert api.post(api.base + "/subscriptions/%s/reauthorize" % sub["id"]).status_code == 204
    api.post(api.base + "/users/%s/events" % ALICE, json=EVENT)
    assert len(receiver.wait_for(lambda: notifications(receiver), timeout=5)) == 1
    registry.lifecycle(sub["id"], "missed")
    assert registry.active(ALICE)  # "missed" only tells
    registry.lifecycle(sub["id"], "subscriptionRemoved")
    assert registry.active(ALICE) == []
    events = [
        json.loads(r.body)["value"][0].get("lifecycleEvent")
        for r in receiver.requests("/notify/1")
        if "validationToken" not in r.query
    ]
    assert events[-2:] == ["missed", "subscriptionRemoved"]


def test_unaccepted_notifications_are_retried_then_reported_missed(sim, api):
    registry = subscriptions_for(sim)
    registry.retry_delay = 0.1
    answers = iter([500, 500])

    def handler(got):
        if "validationToken" in got.query:
            return graph_subscriber(got)
        body = json.loads(got.body)["value"][0]
        if "lifecycleEvent" in body:
            return 202, "text/plain", b""
        return next(answers, 202), "text/plain", b""

    cb = callbacks_for(sim)

    def judged(outcome):
        return [d for d in cb.deliveries("graph", "notification") if d.outcome == outcome]

    with Subscriber(handler) as receiver:
        subscribe(api, receiver)
        api.post(api.base + "/users/%s/events" % ALICE, json=EVENT)
        assert cb.wait_for(lambda: judged("accepted"), timeout=5)
        assert [d.status for d in cb.deliveries("graph", "notification")] == [500, 500, 202]
        # A receiver that never accepts: after four hours of retries, the change is dropped.
        refused = (503, "text/plain", b"")
        receiver.handler = lambda got: (
            graph_subscriber(got) if b"lifecycleEvent" in got.body else refused
        )
        api.post(api.base + "/users/%s/events" % ALICE, json=EVENT)
        assert cb.wait_for(lambda: len(judged("failed")) >= 3, timeout=5)
        sim.store.clock.shift(timedelta(hours=4, minutes=1))
        missed = cb.wait_for(lambda: cb.deliveries("graph", "lifecycle"), timeout=5)
        assert missed and missed[0].events == ["missed"]
