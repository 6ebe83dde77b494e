"""Benchmark: the sync cron's quiet pass over many mailboxes (Office 365 mode).

    PGPORT_TEST=25610 ODOO_PATH=/work/odoo19 /work/odoo-venv/bin/python bench/cron_quiet.py
    ... bench/cron_quiet.py --mailboxes 100 --entries 5 --passes 3

Needs an Odoo 19 (importable, or ODOO_PATH) and starts the private PostgreSQL of scripts/pg.sh
(PGPORT_TEST picks its port). It uses the pieces of ``bench/vs_odoo.py``: a database copied from
a template with this addon installed, the simulator (login and Graph over HTTPS on 127.0.0.1,
in a process of its own), and the addon as it runs in production (``vs_odoo_products``).

``--mailboxes`` users switch their sync on, each mailbox holding ``--entries`` entries made in
Outlook; one cron pass (not measured) brings them in, and a second one (the run right after an
import, which vs_odoo.py measures) clears the new pairs' flags where there are any. The passes
come back to back: each Odoo listing's cursor is where the pass before it began, less
``written_floor.SLACK``, so a quiet pass may still meet the last pairs written, and leaves them
out in its query as already agreed on.
Then ``--passes`` quiet passes of the cron's entry point (``_cron_sync``) are measured, each
printed as: seconds, SQL queries in all and per mailbox (``odoo.sql_db.sql_counter``, every
query of this process), Graph requests per mailbox (the simulator's journal), and whether every
mailbox ended without an error. Target (issue 14): at most 3 SQL and 1 request per mailbox.
``--sql-top N`` prints where the queries of each pass went (vs_odoo_sqlprofile.py), ``--py-top N``
where its Python time went (vs_odoo_pyprofile.py). Numbers, not pass/fail.
"""

import argparse
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

UTC = timezone.utc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailboxes", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=5, help="Outlook entries per mailbox")
    parser.add_argument("--passes", type=int, default=2, help="quiet passes measured")
    parser.add_argument("--sql-top", type=int, default=0, help="print the N largest SQL groups")
    parser.add_argument("--py-top", type=int, default=0, help="print the N costliest functions")
    args = parser.parse_args(argv)

    from vs_odoo import Cluster, odoo_setup

    odoo_root, addons_path, port = odoo_setup()
    sys.path.insert(0, odoo_root)
    from vs_odoo_products import ExchangeSync
    from vs_odoo_pyprofile import PyProfile
    from vs_odoo_redirect import loopback_only
    from vs_odoo_sim import SimulatorProcess, mailboxes
    from vs_odoo_sqlprofile import SqlProfile

    import odoo
    from odoo.tools import config

    loopback_only()
    cluster = Cluster(odoo_root, addons_path, port)
    config.parse_config([*cluster.base, "--http-interface=127.0.0.1", "--log-level=warn"])
    template = cluster.template(ExchangeSync.module, ROOT.parent / ExchangeSync.module)
    boxes = mailboxes("B", args.mailboxes, 0)
    sim = SimulatorProcess(boxes)
    db = cluster.copy(template, "cronquiet_%d" % os.getpid())
    try:
        day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        for box in boxes:
            sim.ask("fill", box, args.entries, day)
        driver = ExchangeSync(db)
        started = time.perf_counter()
        driver.connect(sim, boxes)
        driver.sync()  # every mailbox's first run: its entries come in
        driver.sync()  # the run right after an import reads the new pairs' flags and clears them
        print(
            "%d mailboxes x %d entries: users and first two passes in %.0f s (not measured)"
            % (args.mailboxes, args.entries, time.perf_counter() - started),
            flush=True,
        )
        for number in range(1, args.passes + 1):
            sim.ask("clear")
            profile = None
            if args.sql_top:
                profile = SqlProfile(args.sql_top)
            elif args.py_top:
                profile = PyProfile(args.py_top)
            if profile:
                profile.start()
            queries, started = odoo.sql_db.sql_counter, time.perf_counter()
            driver.sync()
            seconds = time.perf_counter() - started
            queries = odoo.sql_db.sql_counter - queries
            if profile:
                profile.stop()
                profile.report("quiet pass %d" % number)
            requests, _operations, errors = sim.ask("count", "B")
            problems = driver.problems()
            print(
                "quiet pass %d: %.2f s, %d SQL (%.2f per mailbox), %.2f requests per mailbox, %s"
                % (
                    number,
                    seconds,
                    queries,
                    queries / args.mailboxes,
                    requests / args.mailboxes,
                    "errors: %s" % (problems or errors) if problems or errors else "no error",
                ),
                flush=True,
            )
    finally:
        sim.stop()
        odoo.sql_db.close_db(db)
        odoo.modules.registry.Registry.delete(db)
        cluster.drop(db)


if __name__ == "__main__":
    main()
