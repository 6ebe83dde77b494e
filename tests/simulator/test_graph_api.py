"""The simulator's Graph front end spoken to with plain requests: shapes, Prefer, ids, errors,
$batch rules, extended properties, the gate (tokens, /me, policy, concurrency) and faults."""

import threading
import uuid
from datetime import timedelta

import pytest
import requests

from exchange_simulator.simulator import Simulator

ALICE = "alice@contoso.com"
PROP = "String {3c8d2a51-7f0e-4d6b-9a41-0c5e2f7b9d13} Name OdooIdentity"
EVENT = {
    "subject": "Review",
    "body": {"contentType": "html", "content": "<p>Hello <b>there</b></p>"},
    "start": {"dateTime": "2026-03-10T10:00:00", "timeZone": "W. Europe Standard Time"},
    "end": {"dateTime": "2026-03-10T11:00:00", "timeZone": "W. Europe Standard Time"},
    "location": {"displayName": "Room 1"},
    "sensitivity": "private",
    "showAs": "tentative",
    "isReminderOn": True,
    "reminderMinutesBeforeStart": 10,
    "categories": ["Blue"],
    "attendees": [
        {"emailAddress": {"address": "bob@contoso.com", "name": "Bob"}, "type": "required"}
    ],
    "singleValueExtendedProperties": [{"id": PROP, "value": "calendar.event,9"}],
}


@pytest.fixture
def sim(seed):
    seed["tenants"][0]["apps"][0]["mailbox_policy"] = {"deny": ["carol@contoso.com"]}
    with Simulator(seed, https=True).start() as running:
        yield running


@pytest.fixture
def api(sim):
    token = requests.post(
        "%s/contoso.com/oauth2/v2.0/token" % sim.https_url,
        data={"grant_type": "client_credentials", "client_id": "app-1",
              "client_secret": "secret-1", "scope": sim.https_url + "/.default"},
        verify=sim.ca_file, timeout=5,
    ).json()["access_token"]  # fmt: skip
    session = requests.Session()
    session.verify = sim.ca_file
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment wins over verify
    session.headers["Authorization"] = "Bearer " + token
    session.base = sim.https_url + "/v1.0"
    return session


def _url(api, path):
    return api.base + path


def test_event_shape_and_preferences(api):
    created = api.post(_url(api, "/users/%s/calendar/events" % ALICE), json=EVENT)
    assert created.status_code == 201
    event = created.json()
    assert event["id"].startswith("AAMkA")  # a regular id unless ImmutableId is asked
    assert event["type"] == "singleInstance" and event["@odata.etag"].startswith('W/"')
    assert event["start"] == {"dateTime": "2026-03-10T09:00:00.0000000", "timeZone": "UTC"}
    assert event["sensitivity"] == "private" and event["showAs"] == "tentative"
    assert event["organizer"]["emailAddress"]["address"] == ALICE
    assert event["attendees"][0]["status"]["response"] == "none"
    assert "singleValueExtendedProperties" not in event  # only when expanded
    prefer = ('outlook.timezone="Pacific Standard Time", odata.maxpagesize=7, '
              'outlook.body-content-type="text", IdType="ImmutableId"')  # fmt: skip
    got = api.get(_url(api, "/users/%s/events/%s" % (ALICE, event["id"])),
                  headers={"Prefer": prefer})  # fmt: skip
    assert got.status_code == 200
    assert set(got.headers["Preference-Applied"].split(", ")) == {
        'outlook.timezone="Pacific Standard Time"', "odata.maxpagesize=7",
        'outlook.body-content-type="text"', 'IdType="ImmutableId"',
    }  # fmt: skip
    body = got.json()
    assert body["start"] == {
        "dateTime": "2026-03-10T02:00:00.0000000", "timeZone": "Pacific Standard Time"
    }  # fmt: skip
    assert body["body"] == {"contentType": "text", "content": "Hello there"}
    assert body["id"].startswith("AAkAL") and body["id"][5:] == event["id"][5:]


def test_extended_properties_need_expand_and_filter(api):
    api.post(_url(api, "/users/%s/events" % ALICE), json=EVENT)
    api.post(_url(api, "/users/%s/events" % ALICE), json=dict(EVENT, subject="Other",
             singleValueExtendedProperties=[]))  # fmt: skip
    found = api.get(
        _url(api, "/users/%s/events" % ALICE),
        params={
            "$filter": "singleValueExtendedProperties/Any(ep: ep/id eq '%s' and ep/value eq "
            "'calendar.event,9')" % PROP,
            "$expand": "singleValueExtendedProperties($filter=id eq '%s')" % PROP,
        },
    ).json()["value"]
    assert [e["subject"] for e in found] == ["Review"]
    assert found[0]["singleValueExtendedProperties"] == [{"id": PROP, "value": "calendar.event,9"}]
    bad = api.get(_url(api, "/users/%s/events" % ALICE),
                  params={"$expand": "singleValueExtendedProperties"})  # fmt: skip
    assert bad.status_code == 400


def test_if_match_and_missing_items(api):
    event = api.post(_url(api, "/users/%s/events" % ALICE), json=EVENT).json()
    url = _url(api, "/users/%s/events/%s" % (ALICE, event["id"]))
    ok = api.patch(url, json={"subject": "v2"}, headers={"If-Match": event["@odata.etag"]})
    assert ok.status_code == 200 and ok.json()["subject"] == "v2"
    stale = api.patch(url, json={"subject": "v3"}, headers={"If-Match": event["@odata.etag"]})
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "ErrorIrresolvableConflict"
    assert api.delete(url).status_code == 204
    missing = api.get(url)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ErrorItemNotFound"


def test_instances_need_a_window_and_list_occurrences(api, sim):
    master = [i for i in sim.store.items(ALICE) if i.recurrence][0]
    from exchange_simulator.graph.events import to_graph_id

    url = _url(api, "/users/%s/events/%s/instances" % (ALICE, to_graph_id(master.id, True)))
    assert api.get(url).json()["error"]["code"] == "ErrorInvalidParameter"
    got = api.get(url, params={"startDateTime": "2026-03-01T00:00:00Z",
                               "endDateTime": "2026-03-08T00:00:00Z"}).json()  # fmt: skip
    assert [(e["type"], e["originalStart"]) for e in got["value"]] == [
        ("occurrence", "2026-03-02T08:00:00.0000000Z"),
        ("occurrence", "2026-03-04T08:00:00.0000000Z"),
    ]


def test_batch_limits_and_dependencies(api):
    too_many = {"requests": [{"id": str(n), "method": "GET", "url": "/users/%s" % ALICE}
                             for n in range(21)]}  # fmt: skip
    answer = api.post(_url(api, "/$batch"), json=too_many)
    assert answer.status_code == 400
    batch = {
        "requests": [
            {"id": "1", "method": "GET", "url": "/users/%s/events/AAkALnope" % ALICE},
            {"id": "2", "method": "POST", "url": "/users/%s/events" % ALICE, "body": EVENT,
             "headers": {"Content-Type": "application/json"}, "dependsOn": ["1"]},
            {"id": "3", "method": "GET", "url": "/me/events"},
            {"id": "4", "method": "GET", "url": "/users/%s/calendar" % ALICE},
        ]
    }  # fmt: skip
    answers = {r["id"]: r for r in api.post(_url(api, "/$batch"), json=batch).json()["responses"]}
    assert answers["1"]["status"] == 404
    assert answers["2"]["status"] == 424  # never ran: nothing created
    assert answers["3"]["status"] == 400
    assert answers["4"]["status"] == 200 and answers["4"]["body"]["name"] == "Calendar"


def test_the_gate(api, sim):
    assert api.get(_url(api, "/me/events")).json()["error"]["message"].startswith("/me request")
    denied = api.get(_url(api, "/users/carol@contoso.com/events"))
    assert denied.status_code == 403 and "AccessPolicy" in denied.json()["error"]["message"]
    unknown = api.get(_url(api, "/users/zed@contoso.com/events"))
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "ErrorInvalidUser"
    no_token = requests.get(_url(api, "/users/%s/events" % ALICE), verify=sim.ca_file, timeout=5)
    assert no_token.status_code == 401 and "WWW-Authenticate" in no_token.headers
    sim.store.clock.shift(timedelta(hours=2))
    expired = api.get(_url(api, "/users/%s/events" % ALICE))
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_mailbox_concurrency_limit(api, sim):
    sim.faults.add("slow", protocol="graph", mailbox=ALICE, count=4, seconds=0.6)
    statuses = []

    def call():
        statuses.append(api.get(_url(api, "/users/%s/calendar" % ALICE)).status_code)

    workers = [threading.Thread(target=call) for _ in range(4)]
    for worker in workers:
        worker.start()
    # Wait until the four slow calls are inside, then a fifth one is refused.
    for _ in range(50):
        if len(sim.faults.pending()) == 0:
            break
        threading.Event().wait(0.02)
    fifth = api.get(_url(api, "/users/%s/calendar" % ALICE))
    for worker in workers:
        worker.join()
    assert fifth.status_code == 429
    assert fifth.json()["error"]["message"].endswith("MailboxConcurrency limit.")
    assert fifth.headers["Retry-After"] == "1"  # Graph's 429s always say when to come back
    assert statuses == [200] * 4


def test_throttle_fault_with_and_without_retry_after(api, sim):
    sim.faults.add("throttle", protocol="graph", retry_after=7)
    sim.faults.add("throttle", protocol="graph", retry_after=None)
    first = api.get(_url(api, "/users/%s/calendar" % ALICE))
    second = api.get(_url(api, "/users/%s/calendar" % ALICE))
    assert (first.status_code, first.headers.get("Retry-After")) == (429, "7")
    assert (second.status_code, second.headers.get("Retry-After")) == (429, None)
    assert first.json()["error"]["code"] == "ApplicationThrottled"
    assert api.get(_url(api, "/users/%s/calendar" % ALICE)).status_code == 200
    assert [e.fault for e in sim.journal.entries(protocol="graph")] == ["throttle", "throttle", ""]


def test_delta_rounds_removed_and_410(api, sim):
    url = _url(api, "/users/%s/calendarView/delta" % ALICE)
    window = {"startDateTime": "2026-02-01T00:00:00Z", "endDateTime": "2026-05-01T00:00:00Z"}
    page = api.get(url, params=window, headers={"Prefer": "odata.maxpagesize=2"}).json()
    seen, pages = [], 1
    while "@odata.nextLink" in page:
        seen += page["value"]
        page = api.get(page["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=2"}).json()
        pages += 1
    seen += page["value"]
    assert pages >= 2
    kinds = sorted({e["type"] for e in seen})
    assert kinds == ["occurrence", "singleInstance"]  # a calendar view holds no master
    dentist = next(e for e in seen if e.get("subject") == "Dentist")
    delta = page["@odata.deltaLink"]
    api.delete(_url(api, "/users/%s/events/%s" % (ALICE, dentist["id"])))
    after = api.get(delta).json()
    assert after["value"] == [
        {"@odata.type": "#microsoft.graph.event", "id": dentist["id"],
         "@removed": {"reason": "deleted"}}
    ]  # fmt: skip
    sim.store.expire_change_log(ALICE)
    gone = api.get(after["@odata.deltaLink"])
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "SyncStateNotFound"


def test_users_by_object_id_or_upn(api):
    # A directory read needs a directory permission (User.Read.All …), not a calendar one.
    refused = api.get(_url(api, "/users/%s" % ALICE))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "Authorization_RequestDenied"
    owner = api.get(_url(api, "/users/%s/calendar" % ALICE)).json()["owner"]
    assert owner["address"] == ALICE
    user_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, ALICE))
    by_id = api.get(_url(api, "/users/%s/calendar" % user_id))
    assert by_id.status_code == 200 and by_id.json()["owner"]["address"] == ALICE
