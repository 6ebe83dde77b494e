"""Benchmark of the Graph backend with the real engine, msal and requests against the simulator.

    python bench/graph.py [--items 5000] [--series 50] [--exports 1000]

Workloads (one Exchange Online mailbox, Odoo played by the in-memory side):

1. initial import: the mailbox holds ``items`` single entries and ``series`` weekly series,
   Odoo is empty; everything comes into Odoo;
2. a run with no change anywhere;
3. ``exports`` new Odoo entries go to Exchange;
4. 100 edits and 100 deletions in Odoo, then 100 edits in Outlook, then a quiet run.

Printed per workload: HTTP requests to Graph (and to the login server), seconds, and what the
engine did. Targets from the issue: a no-change run costs one request per mailbox; 1,000
exports take at most 50 requests.
"""

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import conftest  # noqa: E402,F401  (registers the addon folder as a bare package)
from calendar_exchange_sync.sync.engine import Engine  # noqa: E402
from calendar_exchange_sync.sync.graph import GraphSettings, GraphSide  # noqa: E402
from calendar_exchange_sync.sync.items import CalendarItem  # noqa: E402
from calendar_exchange_sync.sync.testing import MemorySide, MemoryStatusStore  # noqa: E402
from exchange_simulator.simulator import Simulator  # noqa: E402

UTC = timezone.utc
MAILBOX = "alice@contoso.com"
SEED = {
    "users": [{"smtp": MAILBOX, "password": "x", "display_name": "Alice"}],
    "tenants": [
        {
            "tenant_id": "7a1c0e52-3b4d-4f6e-8a9b-0c1d2e3f4a5b",
            "domains": ["contoso.com"],
            "apps": [{"client_id": "bench-app", "client_secret": "bench-secret",
                      "consented": True}],
        }
    ],
}  # fmt: skip


def fill(store, items, series, now):
    base = now.replace(hour=7, minute=0, second=0, microsecond=0) - timedelta(days=20)
    for n in range(items):
        start = base + timedelta(days=n % 320, hours=n % 9)
        store.create_item(
            MAILBOX,
            {
                "subject": "Entry %d" % n,
                "start": start,
                "end": start + timedelta(minutes=30),
                "start_tz": "W. Europe Standard Time",
                "end_tz": "W. Europe Standard Time",
                "location": "Room %d" % (n % 40),
                "body": "<p>Notes for entry %d</p>" % n,
            },
        )
    days = ["monday", "tuesday", "wednesday", "thursday", "friday"]
    for n in range(series):
        start = base + timedelta(days=n % 14, hours=2)
        store.create_item(
            MAILBOX,
            {
                "subject": "Series %d" % n,
                "start": start,
                "end": start + timedelta(hours=1),
                "start_tz": "UTC",
                "end_tz": "UTC",
                "recurrence": {
                    "pattern": {"type": "weekly", "interval": 1,
                                "daysOfWeek": [days[start.weekday() % 5]],
                                "firstDayOfWeek": "monday"},
                    "range": {"type": "numbered", "startDate": start.date().isoformat(),
                              "numberOfOccurrences": 20, "recurrenceTimeZone": "UTC"},
                },
            },
        )  # fmt: skip


def measure(label, sim, engine, side):
    sim.journal.clear()
    before = side.client.requests
    began = time.monotonic()
    report = engine.run()
    seconds = time.monotonic() - began
    graph = sim.journal.count(protocol="graph")
    login = sim.journal.count(protocol="login")
    batches = sim.journal.count(operation="POST /$batch")
    counts = ", ".join("%s %s %d" % (s, a, n) for (s, a), n in sorted(report.counts.items()))
    print(
        "%-16s %6d Graph requests (%d $batch) %3d login  %7.2f s   %s%s"
        % (label, graph, batches, login, seconds, counts or "no writes",
           "  ABORTED: %s" % report.aborted if report.aborted else "")
    )  # fmt: skip
    assert side.client.requests - before == graph, "client and server disagree on requests"
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--series", type=int, default=50)
    parser.add_argument("--exports", type=int, default=1000)
    parser.add_argument("--mailboxes", type=int, default=10, help="for the per-mailbox run")
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    with Simulator(SEED, https=True).start() as sim:
        began = time.monotonic()
        fill(sim.store, args.items, args.series, now)
        print("seeded %d entries + %d series in %.1f s" % (
            args.items, args.series, time.monotonic() - began))  # fmt: skip
        settings = GraphSettings(
            tenant="contoso.com",
            client_id="bench-app",
            client_secret="bench-secret",
            login_url=sim.https_url,
            graph_url=sim.https_url,
            verify=sim.ca_file,
        )
        side = GraphSide(settings, MAILBOX)
        odoo = MemorySide("odoo", batch_size=100)
        engine = Engine(odoo, side, MemoryStatusStore(), window_days=30, deletion_limit=1.0)
        measure("initial import", sim, engine, side)
        print("  Odoo now holds %d entries" % len(odoo.items))
        measure("no change", sim, engine, side)
        base = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        for n in range(args.exports):
            start = base + timedelta(days=n % 200, hours=n % 8)
            odoo.user_create(
                CalendarItem("Export %d" % n, start, start + timedelta(hours=1),
                             timezone="Europe/Berlin", location="Desk %d" % n)
            )  # fmt: skip
        measure("%d exports" % args.exports, sim, engine, side)
        measure("no change", sim, engine, side)
        exported = sorted(k for k, v in odoo.items.items() if v.item.subject.startswith("Export"))
        for key in exported[:100]:
            odoo.user_update(key, odoo.items[key].item.replace(location="Moved"))
        measure("100 Odoo edits", sim, engine, side)
        for key in exported[100:200]:
            odoo.user_delete(key)
        measure("100 Odoo deletes", sim, engine, side)
        for item in sim.store.items(MAILBOX)[:100]:
            sim.store.update_item(MAILBOX, item.id, {"subject": item.subject + " (edited)"})
        measure("100 Outlook edits", sim, engine, side)
        measure("no change", sim, engine, side)
        print("  Exchange now holds %d entries" % sim.store.count(MAILBOX))
        several_mailboxes(sim, settings, args.mailboxes)


def several_mailboxes(sim, settings, count):
    """A quiet run over ``count`` more mailboxes: the cost per mailbox of a cron tick."""
    from exchange_simulator.seed import User

    engines = []
    for n in range(count):
        smtp = "user%d@contoso.com" % n
        sim.seed.users.append(User(smtp, "x"))
        sim.store.add_mailbox(smtp)
        for k in range(50):
            start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            start += timedelta(days=1 + k % 30, hours=k % 6)
            sim.store.create_item(smtp, {"subject": "Box %d entry %d" % (n, k), "start": start,
                                         "end": start + timedelta(minutes=45)})  # fmt: skip
        engines.append(Engine(MemorySide("odoo"), GraphSide(settings, smtp), MemoryStatusStore()))
    for engine in engines:
        engine.run()
        engine.run()  # settle: the engine may re-read what it just created
    sim.journal.clear()
    began = time.monotonic()
    writes = sum(engine.run().writes for engine in engines)
    print(
        "no change x %d mailboxes: %d Graph requests, %d writes, %.2f s"
        % (count, sim.journal.count(protocol="graph"), writes, time.monotonic() - began)
    )


if __name__ == "__main__":
    main()
