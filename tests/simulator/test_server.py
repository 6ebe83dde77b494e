"""The simulator's server core: mounts, keep-alive, journal, generic faults, skewed Date."""

import email.utils
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from exchange_simulator import simulator as simulator_module
from exchange_simulator.faults import apply_generic
from exchange_simulator.simulator import Simulator


def echo_factory(sim):
    def app(environ, start_response):
        entry = environ["simulator.entry"]
        entry.operation, entry.mailbox = "Echo", "alice@contoso.com"
        fault = sim.faults.take("echo", "Echo", entry.mailbox)
        if fault is not None:
            entry.fault = fault.kind
            body = apply_generic(fault, environ, start_response)
            if body is not None:
                return body
        body = ("%s %d" % (environ["PATH_INFO"], id(environ["simulator.conn"]))).encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    return app


@pytest.fixture
def sim(seed, monkeypatch):
    monkeypatch.setattr(simulator_module, "_REGISTERED", [])
    simulator_module.register_mount("/echo/", "echo", echo_factory)
    with Simulator(seed).start() as running:
        yield running


def test_mount_keep_alive_and_journal(sim):
    with requests.Session() as session:
        first = session.get(sim.http_url + "/echo/a")
        second = session.get(sim.http_url + "/echo/b")
    assert first.text.startswith("/echo/a") and second.text.startswith("/echo/b")
    # The same cheroot connection served both requests: keep-alive works.
    assert first.text.split()[1] == second.text.split()[1]
    assert requests.get(sim.http_url + "/nothing").status_code == 404
    entries = sim.journal.entries(protocol="echo")
    assert [(e.path, e.status, e.operation) for e in entries] == [
        ("/echo/a", 200, "Echo"),
        ("/echo/b", 200, "Echo"),
    ]
    assert sim.journal.count(mailbox="ALICE@contoso.com") == 2
    assert sim.journal.entries()[-1].status == 404


def test_generic_faults(sim):
    sim.faults.add(
        "http_status", protocol="echo", status=503, count=2, headers={"Retry-After": "3"}
    )
    sim.faults.add("slow", protocol="echo", seconds=0.3)
    sim.faults.add("reset", protocol="echo")
    url = sim.http_url + "/echo/x"
    answers = [requests.get(url) for _ in range(2)]
    assert [a.status_code for a in answers] == [503, 503]
    assert answers[0].headers["Retry-After"] == "3"
    began = time.monotonic()
    assert requests.get(url).status_code == 200
    assert time.monotonic() - began >= 0.3
    with pytest.raises(requests.ConnectionError):
        requests.get(url)
    assert requests.get(url).status_code == 200  # the queue is empty again
    assert [e.fault for e in sim.journal.entries()] == [
        "http_status",
        "http_status",
        "slow",
        "reset",
        "",
    ]
    with pytest.raises(ValueError):
        sim.faults.add("no_such_fault")


def test_date_header_follows_the_skewed_clock(sim):
    sim.store.clock.shift(timedelta(minutes=-10))
    answer = requests.get(sim.http_url + "/echo/d")
    served = email.utils.parsedate_to_datetime(answer.headers["Date"])
    skew = served - datetime.now(timezone.utc)
    assert timedelta(minutes=-11) < skew < timedelta(minutes=-9)


def test_stop_releases_the_port(seed):
    sim = Simulator(seed).start()
    url = sim.http_url
    sim.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/EWS/Exchange.asmx", timeout=2)


def test_a_lost_answer_is_carried_out_then_the_connection_drops(sim):
    sim.faults.add("lost_answer", protocol="echo")
    with pytest.raises(requests.ConnectionError):
        requests.get(sim.http_url + "/echo/lost")
    [entry] = sim.journal.entries(protocol="echo")
    # The app answered (status set) before the connection was dropped.
    assert (entry.operation, entry.fault, entry.status) == ("Echo", "lost_answer", 0)
    assert requests.get(sim.http_url + "/echo/again").status_code == 200


def test_a_late_answer_is_carried_out_at_once_and_answered_after_the_timeout(sim):
    sim.faults.add("late_answer", protocol="echo", seconds=1.0)
    began = time.monotonic()
    with pytest.raises(requests.Timeout):
        requests.get(sim.http_url + "/echo/late", timeout=0.3)
    assert time.monotonic() - began < 0.9  # the client gave up on its own time-out
    [entry] = sim.journal.entries(protocol="echo")
    assert (entry.operation, entry.fault) == ("Echo", "late_answer")
    time.sleep(1.0)  # the server thread finishes its late answer to nobody
    assert requests.get(sim.http_url + "/echo/after").status_code == 200


def test_a_fault_can_let_the_first_matching_requests_through(sim):
    sim.faults.add("http_status", protocol="echo", status=500, skip=2)
    url = sim.http_url + "/echo/s"
    assert [requests.get(url).status_code for _ in range(4)] == [200, 200, 500, 200]
    assert [e.fault for e in sim.journal.entries()] == ["", "", "http_status", ""]
