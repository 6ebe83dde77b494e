"""Benchmark: Odoo 19's own ``microsoft_calendar`` (A) beside this addon in Office 365 mode (B).

    ODOO_PATH=/work/odoo19 /work/odoo-venv/bin/python bench/vs_odoo.py --events 1000
    ... bench/vs_odoo.py --users 10 --events 200 --repeat 2 --latency-ms 50

Needs an Odoo 19 (importable, or ODOO_PATH) and starts the private PostgreSQL of scripts/pg.sh
(PGPORT_TEST picks its port). A is the ``microsoft_calendar`` module found in that Odoo; when it
is absent, one line says so and only B is measured (``--products B`` measures only B anyway).
``--sql-top N`` prints, per workload, where B's queries went (see vs_odoo_sqlprofile.py);
``--py-top N`` where its Python time went (vs_odoo_pyprofile.py). ``--samples K`` measures each
quiet run K times back to back and prints its median seconds (the first sample is the one
right after the import; the others still fall within the Odoo listing's token margin).

Both products run against one simulator (``exchange_simulator``: login and Graph over HTTPS on
127.0.0.1, in a process of its own, see vs_odoo_sim.py), each in a database of its own served
by this one Odoo process (see vs_odoo_products.py for why). Each gets ``--users`` users with a
mailbox each, and these workloads, in this order, per round:

1. export ``--events`` new Odoo events per user (made beforehand, outside the measure);
2. the run after that export;
3. import ``--events`` new Outlook events per user (made in the simulator beforehand);
4. the quiet run right after the import, then 5. a quiet run;
6. ``--edits`` events renamed in Odoo, one save each by their user, then a run (both timed);
7. ``--edits`` events renamed in Outlook, then a run.

A workload is measured for A, then for B, before the next one starts. A run is the product's
cron entry point: A's ``res.users._sync_all_microsoft_calendar`` (its own sync code, its HTTP
sent to the simulator by the transport adapter of vs_odoo_redirect.py, which maps ``/me`` to
the user's mailbox and swaps its token for an app-only one), B's
``calendar.exchange.mailbox._cron_sync``. Before the first workload each product makes one
unmeasured run, as a user connecting their calendar would. The events to export are queued
for A's run (``no_calendar_sync`` at their creation) rather than sent at their creation's
commit: the same ``_microsoft_insert`` per event, measured in A's run as B's export is in B's.
The edits in Odoo are saves, one transaction each, timed with the run that follows: A sends
its PATCH right after each commit, B marks the mailbox and sends in its run.

Printed per workload and product: Graph HTTP requests the simulator received from that
product's app (its journal; requests to the login, B's for its tokens and the benchmark's for
A's, are not counted), Graph operations (a ``$batch`` counts its members), SQL queries Odoo
ran in this process during the workload (``odoo.sql_db.sql_counter``, which every
``Cursor.execute`` counts, including in the cursors A opens after each commit to send its
changes), and wall seconds. With ``--repeat N`` every number is the min-max of N rounds, each
on fresh databases (copies of a template made once per source version) and a fresh
simulator; the B/A column divides the minima. Checks after each workload (not measured) say
whether every entry arrived; failed checks, Graph errors and warnings logged during a
workload are listed under the table. Numbers, not pass/fail. The process refuses any
connection outside 127.0.0.1.
"""

import argparse
import hashlib
import logging
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UTC = timezone.utc


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs).stdout


def odoo_setup():
    """(Odoo's root folder, addons path, PostgreSQL port) from the project's own scripts."""
    env = dict(os.environ, PY=sys.executable)
    probe = run(
        ["bash", "-c", "source scripts/odoo_env.sh; echo $ODOO_FOUND; echo $ODOO_ROOT;"
         " echo $ODOO_ADDONS_PATH; echo $ODOO_MISSING"],
        cwd=ROOT, env=env,
    ).splitlines()  # fmt: skip
    if probe[0] != "1":
        sys.exit("no Odoo 19: %s" % probe[3])
    port = run(["scripts/pg.sh", "start"], cwd=ROOT).strip()
    return probe[1], probe[2], port


def source_hash(*folders):
    digest = hashlib.sha1()
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


class Cluster:
    """The private PostgreSQL: template databases with one product installed, and copies."""

    def __init__(self, odoo_root, addons_path, port):
        self.root, self.addons_path, self.port = odoo_root, addons_path, port
        self.base = [
            "--db_host=127.0.0.1", "--db_port=%s" % port, "--db_user=odoo",
            "--db_password=odoo", "--addons-path=%s" % addons_path,
            "--data-dir=%s" % (ROOT / ".run" / "odoo-data"),
        ]  # fmt: skip

    def psql(self, *args):
        return run(["psql", "-h", "127.0.0.1", "-p", self.port, "-U", "odoo", "-d", "postgres",
                    "-tAc", *args], env=dict(os.environ, PGPASSWORD="odoo"))  # fmt: skip

    def databases(self):
        return set(self.psql("SELECT datname FROM pg_database").split())

    def template(self, module, module_path):
        """A database with ``module`` installed, made once per version of its source."""
        name = "vsodoo_tpl_%s_%s" % (module, source_hash(module_path, Path(self.root, "odoo")))
        existing = self.databases()
        if name in existing:
            return name
        for stale in existing:
            if stale.startswith("vsodoo_tpl_%s_" % module):
                self.drop(stale)
        print("installing %s in a template database (once per source version) ..." % module,
              flush=True)  # fmt: skip
        started = time.monotonic()
        run([sys.executable, "-m", "odoo", *self.base, "-d", name, "-i", module,
             "--stop-after-init", "--no-http", "--log-level=warn"],
            cwd="/", env=dict(os.environ, PYTHONPATH=self.root))  # fmt: skip
        print("  done in %.0f s" % (time.monotonic() - started), flush=True)
        return name

    def copy(self, template, name):
        self.drop(name)
        self.psql('CREATE DATABASE "%s" TEMPLATE "%s"' % (name, template))
        return name

    def drop(self, name):
        self.psql('DROP DATABASE IF EXISTS "%s"' % name)


class Warnings(logging.Handler):
    """Warnings and errors logged while a workload runs, for the notes under the table."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append("%s: %s" % (record.name, record.getMessage().splitlines()[0][:200]))

    def take(self):
        taken, self.records = self.records, []
        return taken


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1, help="users, one mailbox each")
    parser.add_argument("--events", type=int, default=1000, help="events per user and workload")
    parser.add_argument("--edits", type=int, default=100, help="edits in all (spread over users)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; numbers become min-max")
    parser.add_argument("--latency-ms", type=float, default=0, help="added to every request")
    parser.add_argument(
        "--samples",
        type=int,
        default=1,
        help="times each quiet run is measured (its median seconds)",
    )
    parser.add_argument("--products", default="AB", help="which to measure: A, B or AB")
    parser.add_argument(
        "--sql-top",
        type=int,
        default=0,
        help="print B's N largest groups of SQL per workload (vs_odoo_sqlprofile)",
    )
    parser.add_argument(
        "--py-top",
        type=int,
        default=0,
        help="print B's N costliest Python functions per workload (vs_odoo_pyprofile)",
    )
    parser.add_argument(
        "--profile-only",
        default="",
        metavar="WORDS",
        help="profile (--sql-top, --py-top) only the workloads whose title contains WORDS",
    )
    args = parser.parse_args(argv)
    if args.edits > args.users * args.events:
        parser.error("--edits cannot exceed --users x --events")

    odoo_root, addons_path, port = odoo_setup()
    sys.path.insert(0, odoo_root)
    from vs_odoo_products import PRODUCTS
    from vs_odoo_pyprofile import PyProfile
    from vs_odoo_redirect import AppToken, GraphRedirect, loopback_only
    from vs_odoo_sim import APPS, TENANT, SimulatorProcess, mailboxes
    from vs_odoo_sqlprofile import SqlProfile
    from vs_odoo_workloads import WORKLOADS, Table

    import odoo
    from odoo.tools import config

    loopback_only()
    cluster = Cluster(odoo_root, addons_path, port)
    config.parse_config([*cluster.base, "--http-interface=127.0.0.1", "--log-level=warn"])
    found = {}
    for product in PRODUCTS:
        if product.label not in args.products.upper():
            continue
        path = next((Path(p, product.module) for p in addons_path.split(",")
                     if Path(p, product.module, "__manifest__.py").is_file()), None)  # fmt: skip
        if path is None and product.label == "A":
            print("A: Odoo's %s is not in this Odoo (addons path %s): only B is measured."
                  % (product.module, addons_path))  # fmt: skip
            continue
        if path is None:
            sys.exit("%s is not on the addons path %s" % (product.module, addons_path))
        found[product] = cluster.template(product.module, path)
    products = list(found)
    warnings = Warnings()
    logging.getLogger().addHandler(warnings)

    table = Table(args, [p.label for p in products])
    print("Odoo %s; %s" % (odoo.release.version, table.describe()), flush=True)
    for round_no in range(args.repeat):
        boxes = {p.label: mailboxes(p.label, args.users, round_no) for p in products}
        sim = SimulatorProcess([b for bs in boxes.values() for b in bs], args.latency_ms)
        token = AppToken(sim.https_url, TENANT, *APPS["A"], sim.ca_file)
        redirect = GraphRedirect(sim.https_url, sim.ca_file, token).install()
        day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        drivers = []
        try:
            for product in products:
                name = "vsodoo_%s_%d" % (product.label.lower(), os.getpid())
                db = cluster.copy(found[product], name)
                driver = product(db)
                driver.connect(sim, boxes[product.label])
                driver.sync()  # the user connects the calendar: nothing to send yet
                drivers.append(driver)
            warnings.take()
            for workload in WORKLOADS:
                for driver in drivers:
                    profile = None
                    profiled = driver.label == "B" and args.profile_only in workload.title(args)
                    if profiled and args.sql_top:
                        profile = SqlProfile(args.sql_top)
                    elif profiled and args.py_top:
                        profile = PyProfile(args.py_top)
                    table.add(round_no, workload, driver,
                              workload.measure(driver, sim, boxes[driver.label], day, args,
                                               profile),
                              warnings.take())  # fmt: skip
                    if profile:
                        profile.report(workload.title(args))
                print("  round %d: %s done" % (round_no + 1, workload.title(args)), flush=True)
        finally:
            redirect.uninstall()
            sim.stop()
            for driver in drivers:
                odoo.sql_db.close_db(driver.db)
                odoo.modules.registry.Registry.delete(driver.db)
                cluster.drop(driver.db)
    table.print()


if __name__ == "__main__":
    main()
