"""The calls the server makes to its clients: Graph change notifications, EWS push notifications.

Real Exchange calls the URL a client subscribed with; so does the simulator, from one
scheduler thread and a small pool of senders, never from the request thread that made the
change (the Graph validation handshake is the exception: Graph performs it inside the
``POST /subscriptions`` it answers). Front ends use it through :func:`callbacks_for`:

``cb.post(protocol, kind, url, data, headers, timeout, subscription)``
    One HTTP POST, recorded as a :class:`Delivery` (status 0 when nothing answered).
``cb.soon(delay, fn)``
    Run ``fn()`` in a sender thread after ``delay`` real seconds.
``cb.every(fn)``
    Run ``fn()`` on each tick (every :data:`TICK` seconds) of the scheduler thread: status
    pings, retries and expiry, which go by the store's clock so a test can shift time.
``cb.deliveries(protocol=None, kind=None, subscription=None)`` / ``cb.wait_for(test, timeout)``
    What was sent and how the client answered, for tests and benchmarks.

``cb.allow_http`` (False): Graph calls https URLs only; a local test whose receiver speaks
plain HTTP sets it. ``cb.verify``: the CA bundle for https receivers (requests' default).
"""

import heapq
import itertools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

import requests

_logger = logging.getLogger(__name__)
TICK = 0.05  # seconds between two looks at the clock-driven work
KEEP = 5000  # deliveries remembered (oldest dropped first)


@dataclass
class Delivery:
    """One call the server made to a client and what came back."""

    time: datetime
    protocol: str  # "graph" / "ews"
    kind: str  # graph: validation, notification, lifecycle; ews: SendNotification
    url: str
    subscription: str
    status: int = 0  # 0: no answer (refused, reset, timed out)
    answer: bytes = b""
    content_type: str = ""
    seconds: float = 0.0
    error: str = ""
    # Set by the front end once it has judged the answer (EWS: "OK", "Unsubscribe", "invalid").
    outcome: str = ""
    events: list = field(default_factory=list)  # what the call carried (change kinds …)


class Callbacks:
    def __init__(self, simulator):
        self.sim = simulator
        self.allow_http = False
        self.verify = True
        self._session = requests.Session()
        self._session.trust_env = False  # a proxy from the environment must not see these
        self._lock = threading.Lock()
        self._deliveries = []
        self._timers = []  # heap of (due monotonic, seq, fn)
        self._seq = itertools.count()
        self._periodic = []
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sim-callback")
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim-callbacks", daemon=True)
        self._thread.start()

    # -- sending ---------------------------------------------------------------------------

    def post(self, protocol, kind, url, data, headers, timeout, subscription, events=()):
        delivery = Delivery(
            datetime.now(timezone.utc), protocol, kind, url, subscription, events=list(events)
        )
        began = time.monotonic()
        try:
            response = self._session.post(
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                verify=self.verify,
                allow_redirects=False,  # a redirect is not an answer, as for Exchange
            )
            delivery.status = response.status_code
            delivery.answer = response.content[:65536]
            delivery.content_type = response.headers.get("Content-Type", "")
        except requests.RequestException as exc:
            delivery.error = "%s: %s" % (type(exc).__name__, exc)
        delivery.seconds = time.monotonic() - began
        with self._lock:
            self._deliveries.append(delivery)
            del self._deliveries[:-KEEP]
        return delivery

    def deliveries(self, protocol=None, kind=None, subscription=None):
        with self._lock:
            found = list(self._deliveries)
        return [
            d
            for d in found
            if (protocol is None or d.protocol == protocol)
            and (kind is None or d.kind == kind)
            and (subscription is None or d.subscription == subscription)
        ]

    def wait_for(self, test, timeout=10.0, interval=0.02):
        """Poll ``test()`` until it is true (returns its value) or ``timeout`` passes (None)."""
        deadline = time.monotonic() + timeout
        while True:
            value = test()
            if value or time.monotonic() > deadline:
                return value or None
            time.sleep(interval)

    # -- scheduling ------------------------------------------------------------------------

    def soon(self, delay, fn):
        with self._lock:
            heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), fn))
        self._wake.set()

    def every(self, fn):
        with self._lock:
            self._periodic.append(fn)

    def _run(self):
        while not self._stop.is_set():
            now = time.monotonic()
            due = []
            with self._lock:
                while self._timers and self._timers[0][0] <= now:
                    due.append(heapq.heappop(self._timers)[2])
                periodic = list(self._periodic)
                wait = min(TICK, self._timers[0][0] - now) if self._timers else TICK
            for fn in due:
                self._submit(fn)
            for fn in periodic:
                try:
                    fn()
                except Exception:  # a bug in one front end must not stop the others' calls
                    _logger.exception("simulator callback tick failed")
            self._wake.wait(max(wait, 0.001))
            self._wake.clear()

    def _submit(self, fn):
        def guarded():
            try:
                fn()
            except Exception:
                _logger.exception("simulator callback failed")

        try:
            self._pool.submit(guarded)
        except RuntimeError:  # the pool is shut down: the simulator is stopping
            pass

    def stop(self):
        self._stop.set()
        self._wake.set()
        self._thread.join(2)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._session.close()


def callbacks_for(simulator):
    """The simulator's :class:`Callbacks`, started on first use and stopped with it."""
    callbacks = getattr(simulator, "callbacks", None)
    if callbacks is None:
        callbacks = Callbacks(simulator)
        simulator.callbacks = callbacks
    return callbacks
