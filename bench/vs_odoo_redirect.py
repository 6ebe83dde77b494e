"""Sends Odoo's own ``microsoft_calendar`` (A) to the simulator instead of graph.microsoft.com.

A makes every HTTP call through ``requests.request`` in ``microsoft.service._do_request``, to
``https://graph.microsoft.com/v1.0/me/...`` with the user's delegated token, and follows the
absolute ``@odata.nextLink`` it is given (after asserting its host is Microsoft's). Nothing of
Odoo is edited: a ``requests`` transport adapter, mounted on every session for Microsoft's two
hosts, rewrites each request on its way out:

- scheme and address become the simulator's HTTPS listener (its CA is used to verify it);
  the ``Host`` header stays ``graph.microsoft.com``, so the links the simulator writes into its
  answers point at Graph again, as real Graph's do, and A's host assertion holds;
- ``/v1.0/me/...`` becomes ``/v1.0/users/{mailbox}/...``: the simulator, like Graph, refuses
  ``/me`` with an app-only token, and the delegated flow (browser consent) has no place in a
  benchmark;
- the bearer token A sends is the placeholder the benchmark stored as the user's access token
  (``bench-token:{mailbox}``, valid for a year, so A never refreshes it): it names the mailbox
  and is replaced by an app-only token from the simulator's login, fetched once and renewed
  before it expires. That login request is the benchmark's, not A's: it is not counted.

A therefore runs its own code path unchanged, one TLS connection per request as it does in
production (``requests.request`` opens a new session every time).
"""

import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

MICROSOFT_HOSTS = ("https://graph.microsoft.com/", "https://login.microsoftonline.com/")
PLACEHOLDER = "bench-token:"


def placeholder_token(mailbox):
    return PLACEHOLDER + mailbox


class AppToken:
    """An app-only Graph token from the simulator's login (client credentials grant)."""

    def __init__(self, login_url, tenant, client_id, secret, ca_file):
        self.url = "%s/%s/oauth2/v2.0/token" % (login_url, tenant)
        self.form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "https://graph.microsoft.com/.default",
        }
        self.ca_file = ca_file
        self._lock = threading.Lock()
        self._token, self._expires = None, 0.0

    def get(self):
        with self._lock:
            if self._token is None or time.monotonic() > self._expires - 120:
                answer = requests.post(self.url, data=self.form, verify=self.ca_file, timeout=30)
                answer.raise_for_status()
                body = answer.json()
                self._token = body["access_token"]
                self._expires = time.monotonic() + int(body["expires_in"])
            return self._token


class SimulatorAdapter(HTTPAdapter):
    """Rewrites a request meant for Microsoft into one for the simulator, then sends it."""

    def __init__(self, redirect):
        super().__init__()
        self.redirect = redirect

    def send(self, request, **kwargs):
        redirect = self.redirect
        parts = urlsplit(request.url)
        if parts.netloc != "graph.microsoft.com":
            # A token refresh would go to login.microsoftonline.com: the benchmark's tokens
            # never expire, so such a request is a bug of the benchmark, not something to fake.
            raise requests.ConnectionError("benchmark: unexpected request to %s" % request.url)
        auth = request.headers.get("Authorization", "")
        mailbox = auth[len("Bearer ") :].removeprefix(PLACEHOLDER) if PLACEHOLDER in auth else ""
        if not mailbox:
            raise requests.ConnectionError("benchmark: request without a benchmark token")
        path = parts.path
        if path.lower().startswith("/v1.0/me/") or path.lower() == "/v1.0/me":
            path = "/v1.0/users/%s%s" % (mailbox, path[len("/v1.0/me") :])
        request.url = urlunsplit((redirect.scheme, redirect.netloc, path, parts.query, ""))
        request.headers["Host"] = parts.netloc
        request.headers["Authorization"] = "Bearer %s" % redirect.token.get()
        kwargs["verify"] = redirect.ca_file
        return super().send(request, **kwargs)


def loopback_only():
    """From now on, refuse any TCP connection of this process outside 127.0.0.1 / ::1: proof
    that nothing of A (or B) reached Microsoft, and the house rule for benchmarks."""
    connect = socket.socket.connect

    def guarded(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise ConnectionRefusedError("benchmark: connection to %s refused" % (address,))
        return connect(sock, address)

    socket.socket.connect = guarded


class GraphRedirect:
    """Installs the adapter on every ``requests`` session made from now on (``install``)."""

    def __init__(self, https_url, ca_file, token):
        target = urlsplit(https_url)
        self.scheme, self.netloc = target.scheme, target.netloc
        self.ca_file, self.token = ca_file, token
        self._original = None

    def install(self):
        original = self._original = requests.Session.__init__
        redirect = self

        def init(session, *args, **kwargs):
            original(session, *args, **kwargs)
            adapter = SimulatorAdapter(redirect)
            for prefix in MICROSOFT_HOSTS:
                session.mount(prefix, adapter)

        requests.Session.__init__ = init
        return self

    def uninstall(self):
        if self._original is not None:
            requests.Session.__init__ = self._original
            self._original = None
