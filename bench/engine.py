"""Benchmark of the reconciliation engine alone, on two in-memory sides (no network, no Odoo).

    python bench/engine.py [--sizes 10000 100000] [--changed 0.01] [--no-memory] [--full-load]

For each size N (entries per side):

1. initial sync: both sides hold the same N entries (a tenth of them weekly series) and there
   is no status: every entry is paired by initial matching, nothing is written;
2. incremental run with nothing changed;
3. incremental run after ``changed`` x N edits (half in Odoo, half in Exchange), plus as many
   new entries and deletions on each side (each a tenth of the edits);

Printed: seconds per run (best of a few repetitions for the fast runs), what the engine did,
and the peak memory (tracemalloc, measured in a separate pass because it slows Python down).
When vdirsyncer is importable, its ``sync`` runs on the same data (an in-memory storage per
side, the entries as iCalendar with one UID per entry on both sides: it pairs by UID, we by
content) and the initial pairings are compared; otherwise one line says it was skipped.
Targets from the issue: 10,000 entries with 1% changed under one second, linear growth; an
initial pairing under half of vdirsyncer's time; 100,000 a side under 5 s and 300 MB.
"""

import argparse
import asyncio
import inspect
import sys
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import conftest  # noqa: E402,F401  (registers the addon folder as a bare package)
from calendar_exchange_sync.sync.engine import Engine  # noqa: E402
from calendar_exchange_sync.sync.items import Attendee, CalendarItem, Recurrence  # noqa: E402
from calendar_exchange_sync.sync.testing import (  # noqa: E402
    IndexedMemoryStatusStore,
    MemorySide,
    MemoryStatusStore,
)

UTC = timezone.utc
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def entry(n):
    start = NOW + timedelta(days=n % 300, hours=n % 9)
    return CalendarItem(
        "Entry %d" % n,
        start,
        start + timedelta(minutes=30 + n % 4 * 15),
        timezone="Europe/Stockholm",
        body="<p>Agenda for entry %d</p><ul><li>one</li><li>two</li></ul>" % n,
        location="Room %d" % (n % 40),
        reminder_minutes=15,
        organizer="owner@example.com",
        attendees=(Attendee("a%d@example.com" % (n % 50), response="accepted"),),
        categories=("Work",),
        recurrence=Recurrence("FREQ=WEEKLY;COUNT=10") if n % 10 == 0 else None,
    )


STORE = IndexedMemoryStatusStore  # --full-load: a store that can only load every row


def world(size):
    clock = lambda: NOW  # noqa: E731
    local = MemorySide("odoo", "L", clock, batch_size=100)
    remote = MemorySide("exchange", "R", clock, batch_size=100)
    for n in range(size):
        item = entry(n)
        local.user_create(item)
        remote.user_create(item)
    return local, remote, STORE()


def edit(local, remote, size, share):
    edits = max(2, int(size * share))
    local_ids, remote_ids = list(local.items), list(remote.items)
    for k in range(edits // 2):
        lid = local_ids[(k * 7919) % size]
        local.user_update(lid, local.items[lid].item.replace(subject="Edited in Odoo %d" % k))
        rid = remote_ids[(k * 104729) % size]
        item = remote.items[rid].item
        remote.user_update(rid, item.replace(location="Moved %d" % k))
    for k in range(edits // 10):
        local.user_create(entry(size + 2 * k))
        remote.user_create(entry(size + 2 * k + 1))
        local.user_delete(local_ids[-1 - k])
        remote.user_delete(remote_ids[-2 - edits - k])


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def describe(report):
    counts = report.to_dict()["counts"]
    parts = [
        "%s %s %d" % (side, action, n) for side, c in counts.items() for action, n in c.items() if n
    ]
    extra = ["matched %d" % report.matched] if report.matched else []
    if report.conflicts:
        extra.append("conflicts %d" % report.conflicts)
    return ", ".join(parts + extra) or "nothing to do"


def run(size, share, repeat=3):
    local, remote, status = world(size)
    engine = Engine(local, remote, status, now=lambda: NOW, policy="newest")
    cpu = time.process_time()
    seconds, report = timed(engine.run)
    cpu = time.process_time() - cpu
    assert report.ok and report.matched == size, report.to_dict()
    print(
        "  initial sync, matching %7d pairs   %7.3f s   %s  (cpu %.3f s: on a busy machine the"
        " wall clock also counts the others)" % (size, seconds, describe(report), cpu)
    )
    initial = seconds
    best = min(timed(engine.run)[0] for _ in range(repeat))
    print("  incremental, nothing changed         %7.3f s" % best)
    edit(local, remote, size, share)
    seconds, report = timed(engine.run)
    assert report.ok, report.to_dict()
    print(
        "  incremental, %.0f%% changed            %7.3f s   %s"
        % (share * 100, seconds, describe(report))
    )
    assert len(local.items) == len(remote.items)
    return initial


def _ics(n):
    """Entry ``n`` as the iCalendar object vdirsyncer stores (its UID is the same on both
    sides, which is how vdirsyncer pairs)."""
    item = entry(n)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//bench//engine//EN",
        "BEGIN:VEVENT",
        "UID:entry-%d@bench" % n,
        "DTSTAMP:20260301T080000Z",
        "DTSTART:%s" % item.start.strftime("%Y%m%dT%H%M%SZ"),
        "DTEND:%s" % item.end.strftime("%Y%m%dT%H%M%SZ"),
        "SUMMARY:%s" % item.subject,
        "LOCATION:%s" % item.location,
        "DESCRIPTION:%s" % item.body,
        "CATEGORIES:%s" % ",".join(item.categories),
        "ORGANIZER:mailto:%s" % item.organizer,
    ]
    lines += ["ATTENDEE;PARTSTAT=ACCEPTED:mailto:%s" % a.email for a in item.attendees]
    if item.recurrence:
        lines.append("RRULE:%s" % item.recurrence.rrule)
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines)


async def _call(value):
    """vdirsyncer's API is asynchronous from 0.19 on, synchronous before."""
    return await value if inspect.isawaitable(value) else value


async def _vdirsyncer_pairing(size):
    from vdirsyncer.storage.memory import MemoryStorage
    from vdirsyncer.sync import sync
    from vdirsyncer.sync.status import SqliteStatus
    from vdirsyncer.vobject import Item

    sides = [MemoryStorage(), MemoryStorage()]
    for n in range(size):
        raw = _ics(n)
        for storage in sides:
            await _call(storage.upload(Item(raw)))
    status = SqliteStatus()
    if hasattr(status, "create"):
        status.create()
    start = time.perf_counter()
    await _call(sync(sides[0], sides[1], status, conflict_resolution="a wins"))
    return time.perf_counter() - start


def vdirsyncer_comparison(size, ours):
    """vdirsyncer's initial sync of the same entries, against ours (``ours`` seconds)."""
    try:
        import vdirsyncer
    except ImportError:
        print("  vdirsyncer: not installed here, comparison skipped")
        return
    seconds = asyncio.run(_vdirsyncer_pairing(size))
    print(
        "  vdirsyncer %s initial sync             %7.3f s   ours %.2f of it (target < 0.5)"
        % (getattr(vdirsyncer, "__version__", "?"), seconds, ours / seconds)
    )


def peak_memory(size, share):
    """Peak traced memory during a run, above what was allocated before it (the data set)."""
    tracemalloc.start()
    local, remote, status = world(size)
    engine = Engine(local, remote, status, now=lambda: NOW)
    data = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    engine.run()
    current, peak = tracemalloc.get_traced_memory()
    initial, kept = peak - data, current - data
    edit(local, remote, size, share)
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    engine.run()
    incremental = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    print(
        "  memory: both calendars %.0f MB; initial run peak +%.0f MB (status kept +%.0f MB); "
        "incremental run peak +%.1f MB"
        % (data / 2**20, initial / 2**20, kept / 2**20, incremental / 2**20)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--full-load", action="store_true", help="status store without look-ups")
    args = parser.parse_args()
    global STORE
    if args.full_load:
        STORE = MemoryStatusStore
    for size in args.sizes:
        print("%d entries per side" % size)
        initial = run(size, args.changed)
        vdirsyncer_comparison(size, initial)
        if not args.no_memory:
            peak_memory(size, args.changed)


if __name__ == "__main__":
    main()
