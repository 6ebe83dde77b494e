"""The simulator's server: one WSGI app on cheroot (keep-alive, multi-threaded), on 127.0.0.1.

In-process use (tests, benchmarks)::

    with Simulator(seed).start() as sim:
        sim.http_url, sim.ews_url, sim.store, sim.faults, sim.journal, sim.seed

Change notifications go the other way, from the server to a client's URL: the Graph
subscriptions and EWS push subscriptions send them through ``sim.callbacks``
(:mod:`exchange_simulator.callbacks`), which records every call; ``sim.graph_subscriptions``
and ``sim.ews_push`` exist once a client subscribed (``subscriptions_for(sim)`` /
``push_for(sim)`` create them earlier).

``Simulator(seed, https=True)`` also serves the same app over TLS on a second port
(``sim.https_url``, ``sim.ca_file``) with cheroot's builtin SSL adapter.

Mounts: the dispatcher routes each request to the first mount whose matcher accepts the
path. A matcher is a path prefix (``"/EWS/"``) or a callable ``path -> bool``. A front end
joins in one of two ways, without editing this file:

- define ``MOUNTS = [(matcher, protocol_name, factory), ...]`` in one of the packages named
  in :data:`PLUGIN_PACKAGES` (``exchange_simulator.login``, ``exchange_simulator.graph``);
  ``factory(simulator)`` returns a WSGI app;
- or call :func:`register_mount` before ``start()``.

The app gets ``environ["simulator"]`` (this object), ``environ["simulator.entry"]`` (its
journal entry to fill in: protocol is preset to the mount's name) and
``environ["simulator.conn"]`` (the cheroot connection, stable across keep-alive requests, so
NTLM can keep its handshake state on it).
"""

import email.utils
import importlib
import logging
import threading
import time

from cheroot import wsgi

from .faults import ConnectionReset, FaultQueue, after_answer
from .journal import Journal
from .seed import Seed, load_seed
from .store import Store

_logger = logging.getLogger(__name__)

BUILTIN_MOUNTS = [("/EWS/", "ews", "exchange_simulator.ews.app:make_app")]
PLUGIN_PACKAGES = ("exchange_simulator.login", "exchange_simulator.graph")
_REGISTERED = []


def register_mount(matcher, protocol, factory):
    """Add a front end to every simulator started afterwards."""
    _REGISTERED.append((matcher, protocol, factory))


def _resolve(factory):
    if isinstance(factory, str):
        module, name = factory.split(":")
        return getattr(importlib.import_module(module), name)
    return factory


def _mount_specs():
    specs = list(BUILTIN_MOUNTS)
    for package in PLUGIN_PACKAGES:
        try:
            module = importlib.import_module(package)
        except ModuleNotFoundError as exc:
            if exc.name and package.startswith(exc.name):
                continue  # that front end is not written (yet)
            raise
        specs.extend(getattr(module, "MOUNTS", ()))
    return specs + _REGISTERED


class _Gateway(wsgi.Gateway_10):
    """WSGI gateway that also hands the connection to the app (NTLM state, resets)."""

    def get_environ(self):
        env = super().get_environ()
        env["simulator.conn"] = self.req.conn
        return env


class Dispatcher:
    """Routes by path to the mounted front ends and journals every request."""

    def __init__(self, simulator):
        self.simulator = simulator
        self.mounts = []
        for matcher, protocol, factory in _mount_specs():
            self.mounts.append((matcher, protocol, _resolve(factory)(simulator)))

    def _route(self, path):
        for matcher, protocol, app in self.mounts:
            ok = path.startswith(matcher) if isinstance(matcher, str) else matcher(path)
            if ok:
                return protocol, app
        return None, None

    def __call__(self, environ, start_response):
        sim = self.simulator
        entry = sim.journal.open(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
        began = time.monotonic()
        protocol, app = self._route(entry.path)
        entry.protocol = protocol or ""
        environ["simulator"] = sim
        environ["simulator.entry"] = entry
        date = email.utils.formatdate(sim.store.clock.now().timestamp(), usegmt=True)

        def recording_start_response(status, headers, exc_info=None):
            entry.status = int(status.split()[0])
            if not any(k.lower() == "date" for k, _ in headers):
                headers = [*headers, ("Date", date)]
            return start_response(status, headers, exc_info)

        try:
            if app is None:
                body = b"Not found"
                recording_start_response(
                    "404 Not Found",
                    [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
                )
                return [body]
            answer = list(app(environ, recording_start_response))
            after_answer(environ)  # a lost or late answer: the work is done by now
            return answer
        except ConnectionReset:
            entry.status, entry.fault = 0, entry.fault or "reset"
            raise
        finally:
            entry.seconds = time.monotonic() - began


class Simulator:
    def __init__(
        self,
        seed=None,
        host="127.0.0.1",
        port=0,
        https=False,
        https_port=0,
        certfile=None,
        keyfile=None,
        numthreads=10,
    ):
        self.seed = load_seed(seed) if seed is not None else Seed()
        self.store = self.seed.apply(Store())
        self.faults = FaultQueue()
        self.journal = Journal()
        self.host, self.port, self.https_port = host, port, https_port
        self.https, self.certfile, self.keyfile = https, certfile, keyfile
        self.ca_file = None
        self.numthreads = numthreads
        self.http_url = self.https_url = None
        self._servers, self._threads = [], []

    def mounted(self, protocol):
        """The running WSGI app of a front end ("ews", "graph" …), e.g. to read its state."""
        if not self._servers:
            return None
        for _, name, app in self._servers[0].wsgi_app.mounts:
            if name == protocol:
                return app
        return None

    @property
    def ews_url(self):
        return self.http_url + "/EWS/Exchange.asmx"

    @property
    def ews_https_url(self):
        return self.https_url + "/EWS/Exchange.asmx" if self.https_url else None

    def _serve(self, port, ssl_adapter=None):
        server = wsgi.Server(
            (self.host, port),
            Dispatcher(self) if not self._servers else self._servers[0].wsgi_app,
            numthreads=self.numthreads,
            server_name="exchange-simulator",
            timeout=30,
        )
        server.gateway = _Gateway
        # How often the accept loop looks up from select(): cheroot's 0.5 s makes every stop()
        # take half a second, which a test suite starting hundreds of simulators feels.
        server.expiration_interval = 0.05
        if ssl_adapter is not None:
            server.ssl_adapter = ssl_adapter
        server.prepare()
        thread = threading.Thread(target=server.serve, name="simulator-%d" % port, daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        return server.bind_addr[1]

    def _tls_files(self):
        """(cert, key, ca) from the arguments, else from ``exchange_simulator.tls``."""
        if self.certfile:
            return self.certfile, self.keyfile, None
        tls = importlib.import_module("exchange_simulator.tls")
        return tls.server_files(self.host)

    def start(self):
        port = self._serve(self.port)
        self.http_url = "http://%s:%d" % (self.host, port)
        if self.https:
            from cheroot.ssl.builtin import BuiltinSSLAdapter

            cert, key, self.ca_file = self._tls_files()
            port = self._serve(self.https_port, BuiltinSSLAdapter(cert, key))
            self.https_url = "https://%s:%d" % (self.host, port)
        _logger.info("exchange simulator on %s", self.http_url)
        return self

    def stop(self):
        callbacks = getattr(self, "callbacks", None)  # see exchange_simulator.callbacks
        if callbacks is not None:
            callbacks.stop()
            self.callbacks = None
        for server in self._servers:
            server.stop()
        for thread in self._threads:
            thread.join(5)
        self._servers, self._threads = [], []

    def __enter__(self):
        if not self._servers:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
