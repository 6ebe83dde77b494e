"""The workloads of ``bench/vs_odoo.py``, how one is measured, and the table printed.

A workload prepares (not measured: events made in Odoo or in the simulator), clears the
simulator's journal, runs the measured part (the product's cron run, after the edits in Odoo
for that workload), reads the counts, then checks (not measured) that what should have
travelled did.
"""

import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta

import odoo


@dataclass
class Measure:
    requests: int
    operations: int
    sql: int
    seconds: float
    notes: list = field(default_factory=list)
    spread: str = ""  # a quiet run's samples (see Workload)


def share(total, boxes):
    """``total`` spread over the mailboxes, the first ones taking the remainder."""
    base, extra = divmod(total, len(boxes))
    return [(box, base + (1 if n < extra else 0)) for n, box in enumerate(boxes)]


class Workload:
    """``quiet``: a run with nothing to do, measured ``--samples`` times back to back (its
    median seconds; at a few hundredths of a second one sample is mostly the machine's noise).
    Its counts must repeat exactly, or a note says they did not."""

    def __init__(self, title, prepare=None, edit_in_odoo=False, check=None, quiet=False):
        self._title, self.prepare, self.edit_in_odoo, self.check, self.quiet = (
            title, prepare, edit_in_odoo, check, quiet,
        )  # fmt: skip

    def title(self, args):
        return self._title.format(events=args.events * args.users, edits=args.edits)

    def measure(self, driver, sim, boxes, day, args, profile=None):
        if self.prepare:
            self.prepare(driver, sim, boxes, day, args)
        samples = [self._sample(driver, sim, boxes, args, profile)]
        for _ in range(args.samples - 1 if self.quiet else 0):
            samples.append(self._sample(driver, sim, boxes, args))
        requests, operations, queries, _seconds, errors = samples[0]
        notes = ["Graph answered %s x%d" % (code, n) for code, n in sorted(errors.items())]
        if any(sample[:3] != samples[0][:3] for sample in samples):
            notes.append("counts differ between samples: %s" % sorted({s[:3] for s in samples}))
        notes += driver.problems()
        if self.check:
            notes += self.check(driver, sim, boxes, args)
        seconds = statistics.median(sample[3] for sample in samples)
        spread = ""
        if len(samples) > 1:
            # The median would hide a slow first sample: the spread is printed too.
            times = [sample[3] for sample in samples]
            spread = "%d samples: %.3f-%.3f s, the first %.3f s" % (
                len(times), min(times), max(times), times[0],
            )  # fmt: skip
        return Measure(requests, operations, queries, seconds, notes, spread)

    def _sample(self, driver, sim, boxes, args, profile=None):
        sim.ask("clear")
        if profile:
            profile.start()
        queries, started = odoo.sql_db.sql_counter, time.perf_counter()
        if self.edit_in_odoo:
            for box, count in share(args.edits, boxes):
                driver.edit(box, count)
        driver.sync()
        seconds = time.perf_counter() - started
        queries = odoo.sql_db.sql_counter - queries
        if profile:
            profile.stop()
        requests, operations, errors = sim.ask("count", driver.label)
        return requests, operations, queries, seconds, errors


def _create(driver, sim, boxes, day, args):
    for box in boxes:
        driver.create(box, args.events, day.replace(tzinfo=None))


def _fill(driver, sim, boxes, day, args):
    for box in boxes:
        sim.ask("fill", box, args.events, day + timedelta(days=1))


def _edit_outlook(driver, sim, boxes, day, args):
    for box, count in share(args.edits, boxes):
        sim.ask("edit", box, count)


def _expect(where, counts_of, wanted):
    def check(driver, sim, boxes, args):
        failed = []
        for box, number in wanted(boxes, args):
            counts = counts_of(driver, sim, box)
            for prefix, expected in number.items():
                if counts.get(prefix, 0) != expected:
                    failed.append(
                        "check: %s %s has %d '%s' entries, not %d"
                        % (where, box, counts.get(prefix, 0), prefix, expected)
                    )
        return failed[:3] + (["check: ... %d more" % (len(failed) - 3)] if len(failed) > 3 else [])

    return check


def _in_outlook(driver, sim, box):
    return sim.ask("subjects", box)


def _in_odoo(driver, sim, box):
    return driver.names(box)


WORKLOADS = [
    Workload(
        "export {events:,} new Odoo events",
        prepare=_create,
        check=_expect("Outlook", _in_outlook,
                      lambda boxes, args: [(b, {"Odoo entry": args.events}) for b in boxes]),
    ),
    Workload("the run after that export"),
    Workload(
        "import {events:,} new Outlook events",
        prepare=_fill,
        check=_expect("Odoo", _in_odoo,
                      lambda boxes, args: [(b, {"Outlook entry": args.events}) for b in boxes]),
    ),
    Workload("quiet run right after the import", quiet=True),
    Workload("quiet run", quiet=True),
    Workload(
        "{edits:,} events edited in Odoo (edit + sync)",
        edit_in_odoo=True,
        check=_expect("Outlook", _in_outlook,
                      lambda boxes, args: [(b, {"Odoo edit": n})
                                           for b, n in share(args.edits, boxes)]),
    ),
    Workload(
        "{edits:,} events edited in Outlook",
        prepare=_edit_outlook,
        check=_expect("Odoo", _in_odoo,
                      lambda boxes, args: [(b, {"Outlook edit": n})
                                           for b, n in share(args.edits, boxes)]),
    ),
]  # fmt: skip


class Table:
    COLUMNS = ("requests", "operations", "sql", "seconds")

    def __init__(self, args, labels):
        self.args, self.labels = args, labels
        self.rows = {}  # (workload title, label) -> [Measure per round]
        self.notes = []
        self.spreads = []

    def describe(self):
        a = self.args
        return "%d user(s) x %d events, %d edits, %s latency, %d round(s)%s" % (
            a.users, a.events, a.edits, "%g ms" % a.latency_ms if a.latency_ms else "no added",
            a.repeat, ", quiet runs: median of %d" % a.samples if a.samples > 1 else "",
        )  # fmt: skip

    def add(self, round_no, workload, driver, measure, warnings):
        title = workload.title(self.args)
        self.rows.setdefault((title, driver.label), []).append(measure)
        if measure.spread:
            self.spreads.append("%s, round %d, %s: %s"
                                % (driver.label, round_no + 1, title, measure.spread))  # fmt: skip
        for note in measure.notes + warnings[:5]:
            self.notes.append("%s, round %d, %s: %s" % (driver.label, round_no + 1, title, note))
        if len(warnings) > 5:
            self.notes.append("%s, round %d, %s: ... %d more warnings"
                              % (driver.label, round_no + 1, title, len(warnings) - 5))  # fmt: skip

    @staticmethod
    def span(values, seconds=False):
        low, high = min(values), max(values)
        # Milliseconds count below a second (a quiet run is a few hundredths).
        text = (lambda v: "%.3f" % v if v < 1 else "%.2f" % v) if seconds else (lambda v: f"{v:,}")
        return text(low) if text(low) == text(high) else "%s–%s" % (text(low), text(high))

    def cell(self, measures):
        return " / ".join(
            self.span([getattr(m, c) for m in measures], seconds=c == "seconds")
            for c in self.COLUMNS
        )

    def ratio(self, a, b):
        parts = []
        for column in self.COLUMNS:
            low_a = min(getattr(m, column) for m in a)
            low_b = min(getattr(m, column) for m in b)
            parts.append("%.2f" % (low_b / low_a) if low_a else "-")
        return " / ".join(parts)

    def print(self):
        names = {"A": "A: requests / Graph operations / SQL / s",
                 "B": "B: requests / operations / SQL / s"}  # fmt: skip
        header = ["workload"] + [names[label] for label in self.labels]
        both = self.labels == ["A", "B"]
        if both:
            header.append("B/A")
        print()
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for workload in WORKLOADS:
            title = workload.title(self.args)
            cells = [self.cell(self.rows[(title, label)]) for label in self.labels]
            if both:
                cells.append(self.ratio(self.rows[(title, "A")], self.rows[(title, "B")]))
            print("| " + " | ".join([title, *cells]) + " |")
        print()
        print(self.describe())
        for note in self.notes:
            print("- " + note)
        if not self.notes:
            print("- every check passed; no Graph error, no warning logged")
        for spread in self.spreads:
            print("- " + spread)
