"""A stand-in for a subscriber's endpoint (the URL Exchange calls back), for tests and benchmarks.

``Subscriber(handler)`` listens on 127.0.0.1, records every request it gets and answers what
``handler(received)`` returns: ``(status, content type, body bytes)``. Without a handler it
plays a well-behaved Graph subscriber: it echoes ``validationToken`` as ``text/plain`` and
accepts everything else with 202. ::

    with Subscriber() as receiver:
        receiver.url            # http://127.0.0.1:PORT
        receiver.received       # [Received(method, path, query, headers, body, time)]
        receiver.wait_for(lambda: receiver.received, timeout=5)
"""

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    query: dict  # name -> last value (decoded)
    headers: dict  # lower-cased names
    body: bytes
    time: datetime


def graph_subscriber(received):
    """Echo the validation token; accept notifications."""
    token = received.query.get("validationToken")
    if token is not None:
        return 200, "text/plain; charset=utf-8", token.encode()
    return 202, "text/plain", b""


class Subscriber:
    def __init__(self, handler=None, host="127.0.0.1"):
        self.handler = handler or graph_subscriber
        self.received = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                got = Received(
                    "POST",
                    parts.path,
                    {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                    datetime.now(timezone.utc),
                )
                with outer._lock:
                    outer.received.append(got)
                status, content_type, body = outer.handler(got)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet: tests read ``received`` instead
                pass

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.url = "http://%s:%d" % (host, self._server.server_address[1])
        self._thread = None

    def start(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def requests(self, path=None):
        with self._lock:
            found = list(self.received)
        return [r for r in found if path is None or r.path == path]

    def wait_for(self, test, timeout=10.0, interval=0.02):
        deadline = time.monotonic() + timeout
        while True:
            value = test()
            if value or time.monotonic() > deadline:
                return value or None
            time.sleep(interval)
