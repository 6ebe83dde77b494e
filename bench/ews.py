"""Benchmark of the EWS backend with the real engine and exchangelib against the simulator.

    python bench/ews.py [--items 5000] [--series 50] [--exports 1000] [--auth NTLM]

Workloads (one on-premises mailbox reached by impersonation, Odoo played by the in-memory
side):

1. initial import: the mailbox holds ``items`` entries, ``series`` of them weekly series with
   a modified and a deleted occurrence each; Odoo is empty; everything comes into Odoo;
2. a run with no change anywhere (after the engine's settling run, which reads the pairs
   made by the import once more);
3. ``exports`` new Odoo entries go to Exchange.

Printed per workload: EWS requests by operation (from the simulator's journal, 401 legs of
the NTLM handshake apart), seconds, and what the engine did. Targets from the issue (checked
at the end): SyncFolderItems pages of 512 changes (the import lists in ⌈n/512⌉ requests);
GetItem only for what the listing lacks (SyncFolderItems returns no body, so an import reads
each batch of 100 entries once, plus one read of the modified occurrences of the series in a
batch; the runs after it read nothing); one CreateItem per 100 exports; a no-change run is one
SyncFolderItems request.
"""

import argparse
import math
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import conftest  # noqa: E402,F401  (registers the addon folder as a bare package)
from calendar_exchange_sync.sync.engine import Engine, SyncOptions  # noqa: E402
from calendar_exchange_sync.sync.ews import EwsSettings, EwsSide  # noqa: E402
from calendar_exchange_sync.sync.items import CalendarItem  # noqa: E402
from calendar_exchange_sync.sync.testing import MemorySide, MemoryStatusStore  # noqa: E402
from exchange_simulator.simulator import Simulator  # noqa: E402

UTC = timezone.utc
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
MAILBOX = "alice@contoso.com"
SEED = {
    "server": {"version": "Exchange2016", "domain": "CONTOSO"},
    "users": [
        {
            "smtp": "svc-sync@contoso.com",
            "username": "svc-sync",
            "password": "S3rvice!",
            "mailbox": False,
        },
        {"smtp": MAILBOX, "password": "alice-pw", "display_name": "Alice"},
    ],
    "impersonation": {"svc-sync@contoso.com": [MAILBOX]},
}


def fill_mailbox(store, items, series):
    """``items`` entries over the coming months; ``series`` of them weekly series."""
    for n in range(items - series):
        start = NOW + timedelta(hours=3 * n)
        store.create_item(
            MAILBOX,
            {
                "subject": "Entry %d" % n,
                "start": start,
                "end": start + timedelta(minutes=45),
                "start_tz": "W. Europe Standard Time",
                "end_tz": "W. Europe Standard Time",
                "location": "Room %d" % (n % 12),
                "body": "<p>Notes %d</p>" % n,
                "categories": ["Customer"] if n % 3 == 0 else [],
            },
        )
    for n in range(series):
        start = NOW + timedelta(days=n % 7, hours=8 + n % 9)
        master = store.create_item(
            MAILBOX,
            {
                "subject": "Series %d" % n,
                "start": start,
                "end": start + timedelta(minutes=30),
                "start_tz": "W. Europe Standard Time",
                "end_tz": "W. Europe Standard Time",
                "recurrence": {
                    "pattern": {
                        "type": "weekly",
                        "interval": 1,
                        "daysOfWeek": [start.strftime("%A").lower()],
                        "firstDayOfWeek": "monday",
                    },
                    "range": {
                        "type": "numbered",
                        "startDate": start.date().isoformat(),
                        "numberOfOccurrences": 20,
                        "recurrenceTimeZone": "W. Europe Standard Time",
                    },
                },
            },
        )
        second = store.occurrence_by_index(MAILBOX, master.id, 2)
        store.update_item(MAILBOX, second, {"subject": "Series %d (moved)" % n})
        store.delete_item(MAILBOX, store.occurrence_by_index(MAILBOX, master.id, 3))


def measure(sim, label, run):
    sim.journal.clear()
    began = time.perf_counter()
    report = run()
    seconds = time.perf_counter() - began
    ops = Counter(e.operation for e in sim.journal.entries("ews") if e.status != 401)
    requests = sum(ops.values())
    detail = ", ".join("%s %d" % (op, n) for op, n in sorted(ops.items()))
    print("%-22s %6.2f s  %5d requests  (%s)" % (label, seconds, requests, detail))
    print(
        "%-22s engine: %s%s"
        % ("", dict(report.counts), "  ABORTED: %s" % report.aborted if report.aborted else "")
    )
    return report, ops


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--series", type=int, default=50)
    parser.add_argument("--exports", type=int, default=1000)
    parser.add_argument("--auth", default="NTLM", choices=("NTLM", "Basic"))
    args = parser.parse_args(argv)

    with Simulator(SEED).start() as sim:
        began = time.perf_counter()
        fill_mailbox(sim.store, args.items, args.series)
        print(
            "seeded %d entries (%d series) in %.2f s"
            % (sim.store.count(MAILBOX), args.series, time.perf_counter() - began)
        )
        settings = EwsSettings(sim.ews_url, "CONTOSO\\svc-sync", "S3rvice!", auth=args.auth)
        odoo = MemorySide("odoo", batch_size=200)
        engine = Engine(
            odoo, EwsSide(settings, MAILBOX), MemoryStatusStore(), SyncOptions(now=lambda: NOW)
        )

        report, imported = measure(sim, "1. initial import", engine.run)
        print("%-22s Odoo now holds %d entries" % ("", len(odoo.items)))
        # The engine reads the pairs it has just made once more on the next run (to notice a
        # deletion made right after the creation); only the run after that is quiet.
        _, settling = measure(sim, "1b. settling run", engine.run)
        _, quiet = measure(sim, "2. no-change run", engine.run)

        for n in range(args.exports):
            start = NOW + timedelta(days=1, minutes=20 * n)
            odoo.user_create(
                CalendarItem(
                    "Odoo activity %d" % n,
                    start,
                    start + timedelta(minutes=15),
                    timezone="Europe/Stockholm",
                    organizer=MAILBOX,
                    activity_type="Meeting",
                )
            )
        _, export = measure(sim, "3. export %d" % args.exports, engine.run)
        print("%-22s Exchange now holds %d entries" % ("", sim.store.count(MAILBOX)))

        print()
        batches = math.ceil(args.items / 100)
        targets = [
            (
                "import lists in pages of 512: %d SyncFolderItems" % math.ceil(args.items / 512),
                imported["SyncFolderItems"] <= math.ceil(args.items / 512),
                imported["SyncFolderItems"],
            ),
            (
                "import reads what the listing lacks only: <= %d GetItem "
                "(%d batches of entries, %d of occurrences at most)"
                % (batches + min(batches, args.series), batches, min(batches, args.series)),
                imported["GetItem"] <= batches + min(batches, args.series),
                imported["GetItem"],
            ),
            (
                "runs after the import read nothing: 0 GetItem",
                settling["GetItem"] + quiet["GetItem"] == 0,
                settling["GetItem"] + quiet["GetItem"],
            ),
            (
                "no-change run = 1 SyncFolderItems request",
                quiet == {"SyncFolderItems": 1},
                sum(quiet.values()),
            ),
            (
                "%d exports: one CreateItem per 100 (%d), no GetItem"
                % (args.exports, math.ceil(args.exports / 100)),
                export["CreateItem"] <= math.ceil(args.exports / 100) and not export["GetItem"],
                export["CreateItem"],
            ),
        ]
        for label, met, got in targets:
            print("target: %s: %s (%d)" % (label, "met" if met else "MISSED", got))
        errors = sim.mounted("ews").invalid_answers
        print("schema: %s" % ("every answer valid" if not errors else "%d INVALID" % len(errors)))


if __name__ == "__main__":
    main()
