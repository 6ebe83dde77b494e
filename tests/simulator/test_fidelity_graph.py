"""The Graph front end as strict as Exchange Online (issue 13, points 1-7), spoken to in raw HTTP.

One test per point; each describes what Microsoft documents (Microsoft Learn "event: delta",
"Get incremental changes to events in a calendar view", "Combine multiple HTTP requests using
JSON batching", "Microsoft Graph throttling guidance", the ``event`` resource) and would fail
on a simulator kinder than the real service.
"""

import re
import threading
import time

import pytest
import requests

from exchange_simulator.simulator import Simulator

ALICE = "alice@contoso.com"
WINDOW = {"startDateTime": "2026-02-01T00:00:00Z", "endDateTime": "2026-05-01T00:00:00Z"}
SINGLE = {
    "subject": "Review",
    "body": {"contentType": "html", "content": "<p>Hello<br/>there</p>"},
    "start": {"dateTime": "2026-03-10T10:00:00", "timeZone": "W. Europe Standard Time"},
    "end": {"dateTime": "2026-03-10T11:00:00", "timeZone": "W. Europe Standard Time"},
}


@pytest.fixture
def sim(seed):
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
    session.trust_env = False
    session.headers["Authorization"] = "Bearer " + token
    session.base = sim.https_url + "/v1.0"
    return session


def url(api, path):
    return api.base + path


def delta_round(api, link=None):
    """(every event of one delta round, the deltaLink)."""
    first = link or url(api, "/users/%s/calendarView/delta" % ALICE)
    page = api.get(first, params=None if link else WINDOW,
                   headers={"Prefer": "odata.maxpagesize=3"}).json()  # fmt: skip
    seen = list(page["value"])
    while "@odata.nextLink" in page:
        page = api.get(page["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=3"}).json()
        seen += page["value"]
    return seen, page["@odata.deltaLink"]


def test_1_delta_lists_occurrences_and_exceptions_never_the_series_master(api):
    seen, link = delta_round(api)
    kinds = {e["type"] for e in seen}
    assert "seriesMaster" not in kinds
    assert kinds == {"occurrence", "singleInstance"}
    masters = {e["seriesMasterId"] for e in seen if e["type"] == "occurrence"}
    assert len(masters) == 1
    # The series itself is read by id, as a client must.
    [master_id] = masters
    master = api.get(url(api, "/users/%s/events/%s" % (ALICE, master_id))).json()
    assert master["type"] == "seriesMaster" and master["recurrence"]["pattern"]["type"] == "weekly"
    # A change of the series shows again as its instances, never as the master.
    api.patch(url(api, "/users/%s/events/%s" % (ALICE, master_id)), json={"subject": "Daily"})
    changed, _ = delta_round(api, link)
    assert changed and {e["type"] for e in changed} == {"occurrence"}
    assert {e["seriesMasterId"] for e in changed} == {master_id}


def test_2_each_occurrence_has_its_own_icaluid(api):
    seen, _ = delta_round(api)
    master_id = next(e["seriesMasterId"] for e in seen if e["type"] == "occurrence")
    master = api.get(url(api, "/users/%s/events/%s" % (ALICE, master_id))).json()
    instances = api.get(
        url(api, "/users/%s/events/%s/instances" % (ALICE, master_id)), params=WINDOW
    ).json()["value"]
    uids = [i["iCalUId"] for i in instances]
    assert len(uids) == len(set(uids)) == 10
    assert master["iCalUId"] not in uids
    # The same occurrence keeps its iCalUId once it becomes an exception.
    api.patch(url(api, "/users/%s/events/%s" % (ALICE, instances[2]["id"])),
              json={"location": {"displayName": "Room 9"}})  # fmt: skip
    again = api.get(url(api, "/users/%s/events/%s" % (ALICE, instances[2]["id"]))).json()
    assert again["type"] == "exception" and again["iCalUId"] == uids[2]


def test_3_html_bodies_come_back_as_exchange_stores_them(api):
    created = api.post(url(api, "/users/%s/events" % ALICE), json=SINGLE).json()
    content = created["body"]["content"]
    assert content.startswith("<html><head>") and "<meta http-equiv" in content
    assert "<body>" in content and content.rstrip().endswith("</html>")
    assert "<p>Hello<br>there</p>" in content  # Exchange's HTML writer, not the client's
    assert created["body"]["contentType"] == "html"
    # A text body is kept as text: asked for as HTML it is converted, as text it is as sent.
    text = dict(SINGLE, body={"contentType": "text", "content": "a < b\r\nsecond line"})
    made = api.post(url(api, "/users/%s/events" % ALICE), json=text).json()
    assert "a &lt; b" in made["body"]["content"] and "<br>" in made["body"]["content"]
    plain = api.get(url(api, "/users/%s/events/%s" % (ALICE, made["id"])),
                    headers={"Prefer": 'outlook.body-content-type="text"'}).json()  # fmt: skip
    assert plain["body"] == {"contentType": "text", "content": "a < b\r\nsecond line"}


def test_4_batch_shuffles_answers_throttles_members_and_wants_content_type(api, sim):
    members = [{"id": str(n), "method": "GET", "url": "/users/%s/calendar" % ALICE}
               for n in range(1, 13)]  # fmt: skip
    answer = api.post(url(api, "/$batch"), json={"requests": members}).json()["responses"]
    ids = [r["id"] for r in answer]
    assert sorted(ids, key=int) == [m["id"] for m in members] and ids != sorted(ids, key=int)
    # One member throttled on its own, with its own Retry-After; the others answer.
    sim.faults.add("throttle", protocol="graph", operation="GET /users/{id}/events/{id}")
    mixed = [
        {"id": "a", "method": "GET", "url": "/users/%s/calendar" % ALICE},
        {"id": "b", "method": "GET", "url": "/users/%s/events/AAkALnope" % ALICE},
        {"id": "c", "method": "GET", "url": "/users/%s/calendar" % ALICE},
    ]
    got = {r["id"]: r for r in api.post(url(api, "/$batch"), json={"requests": mixed})
           .json()["responses"]}  # fmt: skip
    assert got["b"]["status"] == 429 and "Retry-After" in got["b"]["headers"]
    assert got["a"]["status"] == got["c"]["status"] == 200
    # Four requests per mailbox at once: a batch next to three slow calls gets 429 members.
    sim.faults.add("slow", protocol="graph", mailbox=ALICE, count=3, seconds=1.0)
    workers = [threading.Thread(target=api.get, args=(url(api, "/users/%s/calendar" % ALICE),))
               for _ in range(3)]  # fmt: skip
    for worker in workers:
        worker.start()
    while sim.faults.pending():
        time.sleep(0.01)
    busy = api.post(url(api, "/$batch"), json={"requests": members[:6]}).json()["responses"]
    for worker in workers:
        worker.join()
    statuses = sorted(r["status"] for r in busy)
    assert 429 in statuses and 200 in statuses
    assert all("Retry-After" in r["headers"] for r in busy if r["status"] == 429)
    # A member with a body but no Content-Type: the whole batch is refused.
    bare = {"requests": [{"id": "1", "method": "POST", "url": "/users/%s/events" % ALICE,
                          "body": SINGLE}]}  # fmt: skip
    refused = api.post(url(api, "/$batch"), json=bare)
    assert refused.status_code == 400
    assert "Content-Type" in refused.json()["error"]["message"]
    assert not [i for i in sim.store.items(ALICE) if i.subject == "Review"]


def test_5_transaction_id_makes_a_retried_create_return_the_first_event(api, sim):
    body = dict(SINGLE, transactionId="7e1c8f9a-1111-4c0d-9f00-000000000001")
    first = api.post(url(api, "/users/%s/events" % ALICE), json=body)
    retried = api.post(url(api, "/users/%s/events" % ALICE), json=body)
    assert first.status_code == 201 and retried.status_code in (200, 201)
    assert retried.json()["id"] == first.json()["id"]
    assert first.json()["transactionId"] == body["transactionId"]
    assert [i.subject for i in sim.store.items(ALICE)].count("Review") == 1
    other = api.post(url(api, "/users/%s/events" % ALICE),
                     json=dict(body, transactionId="another"))  # fmt: skip
    assert other.json()["id"] != first.json()["id"]


def test_6_every_429_and_503_carries_retry_after(api, sim):
    sim.faults.add("throttle", protocol="graph")
    sim.faults.add("unavailable", protocol="graph")
    throttled = api.get(url(api, "/users/%s/calendar" % ALICE))
    unavailable = api.get(url(api, "/users/%s/calendar" % ALICE))
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 0
    assert unavailable.status_code == 503 and int(unavailable.headers["Retry-After"]) >= 0
    # The concurrency limit's own 429 too.
    sim.faults.add("slow", protocol="graph", mailbox=ALICE, count=4, seconds=0.6)
    workers = [threading.Thread(target=api.get, args=(url(api, "/users/%s/calendar" % ALICE),))
               for _ in range(4)]  # fmt: skip
    for worker in workers:
        worker.start()
    while sim.faults.pending():
        time.sleep(0.01)
    fifth = api.get(url(api, "/users/%s/calendar" % ALICE))
    for worker in workers:
        worker.join()
    assert fifth.status_code == 429 and int(fifth.headers["Retry-After"]) >= 0


def test_7_last_modified_has_seven_fraction_digits_and_orders_quick_edits(api):
    made = api.post(url(api, "/users/%s/events" % ALICE), json=SINGLE).json()
    event_url = url(api, "/users/%s/events/%s" % (ALICE, made["id"]))
    stamps = [api.patch(event_url, json={"subject": "v%d" % n}).json()["lastModifiedDateTime"]
              for n in range(3)]  # fmt: skip
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", s) for s in stamps)
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert any(not s.endswith(".0000000Z") for s in stamps)
