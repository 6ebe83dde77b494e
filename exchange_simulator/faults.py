"""Faults on demand: a queue of misbehaviours the next matching requests will suffer.

A fault matches by protocol, operation and mailbox (each None = any) and fires ``count``
times, after letting the first ``skip`` matching requests through (a client's create ``$batch``
comes after its look-up ``$batch``: a test aims at the one it means). Generic kinds every
front end honours through :func:`apply_generic`:

- ``http_status``: answer ``status`` (500, 503 ...) with ``body`` and ``headers``;
- ``reset``: drop the TCP connection without an answer (RST);
- ``slow``: sleep ``seconds`` then answer normally;
- ``lost_answer``: carry the request out, then drop the connection (RST) instead of answering:
  what a client sees when a proxy or the network fails on the way back;
- ``late_answer``: carry the request out at once, then hold the answer ``seconds`` before
  sending it: what a client that gave up at its time-out never hears (the server did it).

The two last ones act on the whole HTTP request (a ``$batch`` member has no connection of its
own): the front end marks the request with :func:`apply_generic`, and the server applies the
mark once the answer is built (:func:`after_answer`).

Protocol-specific kinds are applied by their front end: EWS ``server_busy`` (ErrorServerBusy
with ``back_off_ms``); the Graph front end registers its own (``throttle`` with an optional
``retry_after`` ...). :data:`KINDS` lists every kind known; a front end adds its own with
:func:`register_kind` so a typo in a test fails loudly instead of never firing.

From the command line: ``--fault KIND[:key=value,...]`` (see ``__main__``).
"""

import socket
import struct
import threading
import time
from dataclasses import dataclass, field

KINDS = {"http_status", "reset", "slow", "server_busy", "lost_answer", "late_answer"}


def register_kind(name):
    KINDS.add(name)


class ConnectionReset(ConnectionResetError):
    """Raised inside the server to make cheroot drop the connection quietly."""


@dataclass
class Fault:
    kind: str
    protocol: str | None = None
    operation: str | None = None
    mailbox: str | None = None
    count: int = 1
    params: dict = field(default_factory=dict)
    fired: int = 0
    skip: int = 0  # matching requests let through before it fires

    def matches(self, protocol, operation, mailbox):
        return (
            (self.protocol is None or self.protocol == protocol)
            and (self.operation is None or self.operation == operation)
            and (self.mailbox is None or (mailbox or "").lower() == self.mailbox.lower())
        )


class FaultQueue:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, kind, protocol=None, operation=None, mailbox=None, count=1, skip=0, **params):
        if kind not in KINDS:
            raise ValueError("unknown fault kind %r (known: %s)" % (kind, sorted(KINDS)))
        fault = Fault(kind, protocol, operation, mailbox, count, params, skip=int(skip))
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, protocol, operation=None, mailbox=None):
        """The first pending fault matching this request (consuming one of its count)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(protocol, operation, mailbox):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.count -= 1
                    fault.fired += 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self):
        with self._lock:
            return list(self._faults)

    def clear(self):
        with self._lock:
            self._faults.clear()


def reset_connection(environ):
    """Abort the connection with a TCP RST (SO_LINGER 0), as a crashed proxy would."""
    conn = environ.get("simulator.conn")
    if conn is not None:
        sock = conn.socket
        try:
            raw = getattr(sock, "_sock", sock)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    raise ConnectionReset(104, "connection reset by the simulator")


LOSE_ANSWER = "simulator.lose_answer"
ANSWER_DELAY = "simulator.answer_delay"


def after_answer(environ):
    """Apply a ``lost_answer`` or ``late_answer`` mark once the request has been carried out."""
    if environ.get(LOSE_ANSWER):
        reset_connection(environ)  # done, but the client never hears of it
    delay = environ.get(ANSWER_DELAY)
    if delay:
        time.sleep(delay)


def apply_generic(fault, environ, start_response):
    """Handle a generic fault. Returns a WSGI body, or None to go on normally (after ``slow``)."""
    if fault.kind == "slow":
        time.sleep(float(fault.params.get("seconds", 1.0)))
        return None
    if fault.kind == "lost_answer" and environ is not None:
        environ[LOSE_ANSWER] = True
        return None
    if fault.kind == "late_answer" and environ is not None:
        environ[ANSWER_DELAY] = float(fault.params.get("seconds", 1.0))
        return None
    if fault.kind == "reset":
        reset_connection(environ)
    if fault.kind == "http_status":
        status = int(fault.params.get("status", 500))
        body = fault.params.get("body", "").encode()
        headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        headers += list(fault.params.get("headers", {}).items())
        start_response("%d %s" % (status, _REASONS.get(status, "Error")), headers)
        return [body]
    return None


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
