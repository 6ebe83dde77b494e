"""Shared set-up for the Graph backend tests: a seeded simulator over HTTPS and settings for it.

The simulator runs in-process on 127.0.0.1 with its own CA; the backend gets the simulator's
URLs as its login and Graph URLs and the CA file as ``verify``, exactly as Settings would give
a national cloud's URLs. A socket guard makes any connection outside 127.0.0.1 fail the test.
"""

import copy
import ipaddress
import socket
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from calendar_exchange_sync.sync.graph import GraphSettings, GraphSide
from exchange_simulator.seed import seed_data
from exchange_simulator.simulator import Simulator

UTC = timezone.utc
ALICE, BOB, CAROL = "alice@contoso.com", "bob@contoso.com", "carol@contoso.com"

# The shared test seed (exchange_simulator/seeds/contoso.json); this app also registers the
# consent redirect URI that test_graph_auth checks.
SEED = seed_data("contoso")
_APP = SEED["tenants"][0]["apps"][0]
_APP["redirect_uris"] = ["https://odoo.example.com/exchange/consent"]
TENANT = SEED["tenants"][0]["tenant_id"]
CLIENT_ID, SECRET = _APP["client_id"], _APP["client_secret"]


def seed(**app_changes):
    data = copy.deepcopy(SEED)
    data["tenants"][0]["apps"][0].update(app_changes)
    return data


@contextmanager
def running(data=None):
    with Simulator(data or seed(), https=True).start() as sim:
        yield sim


def settings_for(sim, **changes):
    values = {
        "tenant": "contoso.onmicrosoft.com",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "login_url": sim.https_url,
        "graph_url": sim.https_url,
        "verify": sim.ca_file,
        "max_wait": 2.0,
        "timeout": 10.0,
    }
    values.update(changes)
    return GraphSettings(**values)


def side_for(sim, mailbox=ALICE, **changes):
    return GraphSide(settings_for(sim, **changes), mailbox)


def when(day, hour=9, minute=0):
    """An aware UTC datetime on a day of March 2026 (a month with a DST change in Europe)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def window(days_back=30):
    from calendar_exchange_sync.sync.engine import Window

    return Window(datetime(2026, 3, 1, tzinfo=UTC) - timedelta(days=days_back))


@contextmanager
def loopback_only():
    """Fail on any TCP connection to an address that is not 127.0.0.1 / ::1."""
    original = socket.socket.connect
    attempts = []

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        attempts.append(host)
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise AssertionError("connection to %s attempted" % (address,))
        return original(sock, address)

    socket.socket.connect = guarded
    try:
        yield attempts
    finally:
        socket.socket.connect = original
