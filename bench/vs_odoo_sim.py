"""The simulated Exchange Online of ``bench/vs_odoo.py``, in a process of its own.

One simulator (login + Graph over HTTPS on 127.0.0.1) serves both products: Odoo's
``microsoft_calendar`` (A) on the mailboxes ``a-userNN@contoso.com`` through one Entra app, and
``calendar_exchange_sync`` (B) on ``b-userNN@contoso.com`` through another, so the journal tells
their requests apart by the token's app id. It runs in a separate process, as a real server
does: in Odoo's process it would share the interpreter lock and slow both products down.

An optional latency is slept before every request is handled (the dispatcher is wrapped here,
the simulator's code is not changed), so A and B suffer it alike.

:class:`SimulatorProcess` is the parent's handle: ``ask(command, *args)`` runs one of
:data:`COMMANDS` in the child and returns its answer.
"""

import multiprocessing
import time
from collections import Counter
from datetime import timedelta

TENANT_ID = "3c7d2a51-9e4b-4c1f-8d2e-6a5b4c3d2e1f"
TENANT = "contoso.onmicrosoft.com"
APPS = {
    "A": ("0d5c4b3a-1111-4a2b-9c8d-7e6f5a4b3c2d", "odoo-ms-s3cret"),
    "B": ("0d5c4b3a-2222-4a2b-9c8d-7e6f5a4b3c2d", "cesync-s3cret"),
}


def mailboxes(product, users, round_no):
    return ["%s%d-user%02d@contoso.com" % (product.lower(), round_no, n) for n in range(users)]


def seed(boxes):
    return {
        "users": [
            {"smtp": box, "password": "pw", "display_name": box.split("@")[0]} for box in boxes
        ],
        "tenants": [
            {
                "tenant_id": TENANT_ID,
                "domains": ["contoso.com", TENANT],
                "apps": [
                    {
                        "client_id": client_id,
                        "client_secret": secret,
                        "name": "Benchmark app %s" % product,
                        "consented": True,
                        "permissions": ["Calendars.ReadWrite"],
                    }
                    for product, (client_id, secret) in APPS.items()
                ],
            }
        ],
    }


class _Child:
    """The commands the parent sends, run on the simulator object."""

    def __init__(self, sim):
        self.sim = sim
        self.made = {}  # mailbox -> store ids of the entries "Outlook" created, in order

    def fill(self, mailbox, count, first_day):
        """``count`` new single entries in a mailbox, as a user would make them in Outlook."""
        ids = self.made.setdefault(mailbox, [])
        for n in range(count):
            start = first_day + timedelta(days=n // 8, hours=n % 8)
            item = self.sim.store.create_item(
                mailbox,
                {
                    "subject": "Outlook entry %d" % n,
                    "start": start,
                    "end": start + timedelta(minutes=45),
                    "start_tz": "W. Europe Standard Time",
                    "end_tz": "W. Europe Standard Time",
                    "location": "Room %d" % (n % 12),
                    "body": "<p>Notes %d</p>" % n,
                },
            )
            ids.append(item.id)
        return len(ids)

    def edit(self, mailbox, count):
        """Change the subject of the first ``count`` entries made by :meth:`fill`."""
        for n, item_id in enumerate(self.made.get(mailbox, [])[:count]):
            self.sim.store.update_item(mailbox, item_id, {"subject": "Outlook edit %d" % n})
        return count

    def subjects(self, mailbox):
        """How many entries of the mailbox carry each subject prefix ("Odoo", "Outlook" ...)."""
        counts = Counter(" ".join(i.subject.split()[:2]) for i in self.sim.store.items(mailbox))
        return dict(counts)

    def count(self, product):
        """(HTTP requests, Graph operations) the product's app sent to Graph since ``clear``."""
        client_id = APPS[product][0]
        entries = [e for e in self.sim.journal.entries("graph") if e.user == client_id]
        operations = sum(e.items if e.operation == "POST /$batch" else 1 for e in entries)
        errors = Counter(code for e in entries for code in e.errors)
        return len(entries), operations, dict(errors)

    def clear(self):
        self.sim.journal.clear()
        return True


COMMANDS = ("fill", "edit", "subjects", "count", "clear")


def _serve(conn, boxes, latency):
    from exchange_simulator.simulator import Dispatcher, Simulator

    if latency:
        handle = Dispatcher.__call__

        def delayed(self, environ, start_response):
            time.sleep(latency)  # one round trip's worth, for every HTTP request
            return handle(self, environ, start_response)

        Dispatcher.__call__ = delayed
    sim = Simulator(seed(boxes), https=True, numthreads=16).start()
    child = _Child(sim)
    conn.send((sim.https_url, sim.ca_file))
    while True:
        command, args = conn.recv()
        if command == "stop":
            sim.stop()
            conn.send(True)
            return
        try:
            conn.send(("ok", getattr(child, command)(*args)))
        except Exception as exc:  # the parent prints it; the simulator keeps serving
            conn.send(("error", "%s: %s" % (type(exc).__name__, exc)))


class SimulatorProcess:
    """Starts the child; ``https_url`` and ``ca_file`` are the simulator's."""

    def __init__(self, boxes, latency_ms=0):
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child_conn, boxes, latency_ms / 1000.0), daemon=True
        )
        self._process.start()
        self.https_url, self.ca_file = self._conn.recv()

    def ask(self, command, *args):
        assert command in COMMANDS, command
        self._conn.send((command, args))
        status, answer = self._conn.recv()
        if status != "ok":
            raise RuntimeError("simulator: %s" % answer)
        return answer

    def stop(self):
        self._conn.send(("stop", ()))
        self._conn.recv()
        self._process.join(10)
