"""Benchmark of the contacts sync: the real engine and backends against the simulator.

    python bench/contacts.py [--contacts 5000] [--backend ews|graph|both]

Workloads (one mailbox; Odoo is played by the in-memory side, with a store that is not durable
per save, as Odoo's, so every create is first looked up by identity):

1. initial sync: Odoo holds ``contacts`` contacts, the "Odoo" folder does not exist; they all
   go to Exchange (the folder is created);
2. the run after it (the new contacts are read once more: a create is verified);
3. a run with no change anywhere: the target is one request for the mailbox's contacts;
4. initial import the other way: the Exchange folder holds ``contacts`` contacts, Odoo none.

Printed per workload: requests (EWS operations, or Graph HTTP requests), seconds, and what the
engine did.
"""

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import conftest  # noqa: E402,F401  (registers the addon folder as a bare package)
from calendar_exchange_sync.sync.contacts import Address, ContactItem, contact_options  # noqa: E402
from calendar_exchange_sync.sync.engine import Engine  # noqa: E402
from calendar_exchange_sync.sync.testing import IndexedMemoryStatusStore, MemorySide  # noqa: E402
from exchange_simulator.simulator import Simulator  # noqa: E402

MAILBOX = "alice@contoso.com"
EWS_SEED = {
    "server": {"version": "Exchange2016", "domain": "CONTOSO"},
    "users": [
        {"smtp": "svc@contoso.com", "username": "svc", "password": "pw", "mailbox": False},
        {"smtp": MAILBOX, "password": "x"},
    ],
    "impersonation": {"svc@contoso.com": [MAILBOX]},
}
GRAPH_SEED = {
    "users": [{"smtp": MAILBOX, "password": "x"}],
    "tenants": [
        {
            "tenant_id": "7a1c0e52-3b4d-4f6e-8a9b-0c1d2e3f4a5b",
            "domains": ["contoso.com"],
            "apps": [{"client_id": "bench-app", "client_secret": "bench-secret",
                      "consented": True,
                      "permissions": ["Calendars.ReadWrite", "Contacts.ReadWrite"]}],
        }
    ],
}  # fmt: skip


def contact(n):
    return ContactItem(
        name="Person %d Example" % n,
        company="Company %d" % (n % 200),
        job_title="Buyer",
        emails=("person%d@example.com" % n,),
        business_phone="+46 8 %06d" % n,
        address=Address(street="Street %d" % n, city="Lund", zip="22222", country="Sweden"),
        notes="Customer since %d" % (2000 + n % 25),
        categories=("Customer",),
    )


class Ews:
    name = "EWS"

    def __init__(self, sim):
        from calendar_exchange_sync.sync.ews import EwsSettings
        from calendar_exchange_sync.sync.ews.contacts import EwsContactsSide

        self.sim = sim
        settings = EwsSettings(endpoint=sim.ews_url, username="CONTOSO\\svc", password="pw")
        self.side = lambda: EwsContactsSide(settings, MAILBOX)

    def requests(self):
        return len(self.sim.journal.entries("ews"))


class Graph:
    name = "Graph"

    def __init__(self, sim):
        from calendar_exchange_sync.sync.graph import GraphSettings
        from calendar_exchange_sync.sync.graph.contacts import GraphContactsSide

        self.sim = sim
        settings = GraphSettings(
            tenant="contoso.com",
            client_id="bench-app",
            client_secret="bench-secret",
            login_url=sim.https_url,
            graph_url=sim.https_url,
            verify=sim.ca_file,
        )
        self.side = lambda: GraphContactsSide(settings, MAILBOX)

    def requests(self):
        return len(self.sim.journal.entries("graph"))


def run(backend, local, store, label):
    before = backend.requests()
    began = time.monotonic()
    report = Engine(local, backend.side(), store, contact_options()).run()
    seconds = time.monotonic() - began
    did = {"%s %s" % k: v for k, v in sorted(report.counts.items())}
    print(
        "  %-34s %6d requests %8.2f s  matched=%d %s%s"
        % (label, backend.requests() - before, seconds, report.matched, did,
           "" if report.ok else " NOT OK: %s" % (report.aborted or report.errors[:1]))
    )  # fmt: skip
    return report


def bench(kind, count):
    seed = EWS_SEED if kind is Ews else GRAPH_SEED
    with Simulator(seed, https=kind is Graph).start() as sim:
        backend = kind(sim)
        print("%s, %d contacts" % (backend.name, count))
        local = MemorySide("odoo", "L", batch_size=200)
        local.filter_window = False
        store = IndexedMemoryStatusStore()
        store.durable = False  # as Odoo's: the engine verifies creates by identity
        for n in range(count):
            local.user_create(contact(n))
        run(backend, local, store, "1. initial sync, Odoo -> Exchange")
        run(backend, local, store, "2. next run (verifies the creates)")
        run(backend, local, store, "3. no change")
        # 4. the other way: a full folder, an empty Odoo (another mailbox's first sync).
        empty = MemorySide("odoo", "M", batch_size=200)
        empty.filter_window = False
        run(backend, empty, IndexedMemoryStatusStore(), "4. initial import, Exchange -> Odoo")
        if len(empty.items) != count:
            print("  imported %d of %d contacts" % (len(empty.items), count))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--backend", choices=("ews", "graph", "both"), default="both")
    args = parser.parse_args()
    print("started %s" % datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    if args.backend in ("ews", "both"):
        bench(Ews, args.contacts)
    if args.backend in ("graph", "both"):
        bench(Graph, args.contacts)


if __name__ == "__main__":
    main()
