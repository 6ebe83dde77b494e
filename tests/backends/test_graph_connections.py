"""The Graph clients of one thread share their connections: the cron's pass over many mailboxes
opens one TLS connection to Graph, not one per mailbox, and never reuses a connection left idle
long enough for the server to be closing it. Counted where urllib3 opens a connection."""

import http.server
import threading

import pytest
from graph_support import ALICE, BOB, running, side_for, window
from urllib3.connectionpool import HTTPSConnectionPool

from calendar_exchange_sync.sync.graph import client as graph_client


@pytest.fixture
def connections(monkeypatch):
    """The number of TLS connections opened, by any client, while the test runs."""
    opened = []
    new_conn = HTTPSConnectionPool._new_conn

    def counting(pool):
        opened.append(pool.host)
        return new_conn(pool)

    monkeypatch.setattr(HTTPSConnectionPool, "_new_conn", counting)
    # Sessions of earlier tests (other simulators, other ports) are not this test's.
    graph_client._SESSIONS.__dict__.clear()
    return opened


def _quiet_runs(sim, mailboxes):
    for mailbox in mailboxes:
        side = side_for(sim, mailbox)
        side.list_changes(None, window())


def test_mailboxes_one_after_another_share_one_connection(connections):
    with running() as sim:
        _quiet_runs(sim, [ALICE, BOB])  # token and first listing of each
        before = len(connections)
        _quiet_runs(sim, [ALICE, BOB, ALICE, BOB])
        assert len(connections) == before  # every request went over a connection kept open
        assert before <= 2  # the login server's and Graph's (one host here, two pools at most)


def test_a_connection_idle_too_long_is_not_reused(connections, monkeypatch):
    with running() as sim:
        _quiet_runs(sim, [ALICE])
        first = len(connections)
        monkeypatch.setattr(graph_client, "IDLE_REUSE", -1.0)  # every session is "too old"
        _quiet_runs(sim, [ALICE])
        assert len(connections) > first


def test_each_thread_has_its_own_session():
    with running() as sim:
        mine = side_for(sim).client.session
        assert side_for(sim, BOB).client.session is mine
        theirs = []
        worker = threading.Thread(target=lambda: theirs.append(side_for(sim).client.session))
        worker.start()
        worker.join()
        assert theirs and theirs[0] is not mine


def test_the_shared_session_keeps_no_cookie():
    """One tenant's answer never rides along with another tenant's request."""

    class SetsCookie(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Set-Cookie", "affinity=tenant-a; Path=/")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), SetsCookie)
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    try:
        url = "http://127.0.0.1:%d/v1.0" % server.server_port
        session = graph_client.shared_session(url, True)
        response = session.get(url + "/users", timeout=5)
        assert response.cookies.get("affinity") == "tenant-a"  # the server did set it
        assert not session.cookies  # and the session did not keep it
    finally:
        server.shutdown()
        server.server_close()
