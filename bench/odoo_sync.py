"""Benchmark: the Odoo sync cron against the simulated Exchange, many mailboxes at once.

    python3 bench/odoo_sync.py                        # 200 mailboxes x 500 entries (minutes)
    python3 bench/odoo_sync.py --mailboxes 10 --entries 50
    python3 bench/odoo_sync.py --mailboxes 1 --entries 5000 [--full-load]

Needs an Odoo 19 (importable, or ODOO_PATH) and starts the private PostgreSQL of scripts/pg.sh.
It creates a throwaway database with the addon, seeds the simulator with the mailboxes (half of
each mailbox's entries already in Exchange, half created in Odoo), and times the cron runs:
the initial one (everything travels), the one that reads the new pairs again, a no-change one,
one after ``--changed`` of each mailbox's entries were edited (half in Odoo, half in Exchange)
and a no-change one again. Printed per run: seconds, SQL queries and HTTP requests per mailbox,
entries stored per second. ``--full-load`` hides the status store's targeted look-ups, so that
every run reads all the bindings of a mailbox (what the store did before it had them). Targets
(issue 6): a no-change run costs at most 5 SQL queries and 1 request per mailbox; the initial
import stores at least 300 entries a second. Numbers, not pass/fail.

Between two runs every event's write date is moved an hour back, as if the cron passed that much
later: where PostgreSQL hides the open transactions (no ``written_floor``), the Odoo side lists
again what was written less than ``TOKEN_MARGIN`` (10 minutes) before the last run, which, back
to back, would be the whole import.
"""

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UTC = timezone.utc
DELEGATE, PASSWORD = "svc-sync", "S3rvice!"


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs).stdout


def odoo_setup():
    """(addons path, PostgreSQL port) from the project's own scripts."""
    env = dict(os.environ, PY=sys.executable)
    probe = run(
        [
            "bash",
            "-c",
            "source scripts/odoo_env.sh; echo $ODOO_FOUND; echo $ODOO_ADDONS_PATH;"
            " echo $ODOO_MISSING",
        ],
        cwd=ROOT,
        env=env,
    ).splitlines()
    if probe[0] != "1":
        sys.exit("no Odoo 19: %s" % probe[2])
    port = run(["scripts/pg.sh", "start"], cwd=ROOT).strip()
    return probe[1], port


def seed(mailboxes):
    users = [
        {
            "smtp": "svc-sync@contoso.com",
            "username": DELEGATE,
            "password": PASSWORD,
            "mailbox": False,
        }
    ]
    users += [{"smtp": box, "password": "pw"} for box in mailboxes]
    return {
        "server": {"version": "Exchange2016", "domain": "CONTOSO"},
        "users": users,
        "impersonation": {"svc-sync@contoso.com": ["*"]},
    }


def fill(store, mailbox, count, now):
    for n in range(count):
        start = now + timedelta(days=1 + n // 8, hours=n % 8)
        store.create_item(
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


def simulator_process(conn, seed_data, boxes, half, now):
    """The simulated Exchange in a process of its own, as a real server is: it would otherwise
    share Odoo's interpreter lock and slow both down. Answers "count", "clear" and "stop"."""
    from exchange_simulator.simulator import Simulator

    sim = Simulator(seed_data).start()
    for box in boxes:
        fill(sim.store, box, half, now)
    conn.send(sim.ews_url)
    edits = 0
    while True:
        command = conn.recv()
        if command == "count":
            conn.send(len([e for e in sim.journal.entries("ews") if e.status != 401]))
        elif command[0] == "edit":  # ("edit", n): n entries of every mailbox, as in Outlook
            edits += 1
            for box in boxes:
                for item in sim.store.items(box)[: command[1]]:
                    sim.store.update_item(box, item.id, {"location": "Moved (%d)" % edits})
            conn.send(True)
        elif command == "clear":
            sim.journal.clear()
            conn.send(True)
        else:
            sim.stop()
            conn.send(True)
            return


def show_sql(cr):
    """Print every query of this cursor (to see where a no-change run spends them)."""
    execute = cr.execute

    def traced(query, params=None, log_exceptions=True):
        print("   SQL", " ".join(str(query).split())[:160])
        return execute(query, params, log_exceptions)

    cr.execute = traced


def age_events(registry):
    """Every event written an hour earlier than it was (see the module docstring)."""
    with registry.cursor() as cr:
        cr.execute("UPDATE calendar_event SET write_date = write_date - interval '1 hour'")


def edit_in_odoo(registry, count):
    """Rename ``count`` synced events of every user, as the user would in the calendar."""
    import odoo

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        for mailbox in env["calendar.exchange.mailbox"].search([]):
            events = env["calendar.event"].search(
                [("user_id", "=", mailbox.user_id.id), ("name", "like", "Odoo entry")],
                limit=count,
                order="id",
            )
            for event in events:
                event.with_user(mailbox.user_id).name = event.name + " (edited)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailboxes", type=int, default=200)
    parser.add_argument("--entries", type=int, default=500, help="entries per mailbox")
    parser.add_argument("--show-sql", action="store_true", help="print the no-change run's SQL")
    parser.add_argument(
        "--changed", type=float, default=0.01, help="share of entries edited before the 4th run"
    )
    parser.add_argument(
        "--full-load", action="store_true", help="read every binding each run (no look-ups)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="how many times to edit and run, then run quietly"
    )
    args = parser.parse_args(argv)

    addons_path, pg_port = odoo_setup()
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    db = "cesync_bench_%d" % os.getpid()
    base = [
        "--db_host=127.0.0.1",
        "--db_port=%s" % pg_port,
        "--db_user=odoo",
        "--db_password=odoo",
        "--addons-path=%s" % addons_path,
        "--data-dir=%s" % (ROOT / ".run" / "odoo-data"),
    ]
    print("creating database %s with the addon ..." % db, flush=True)
    run(
        [
            sys.executable,
            "-m",
            "odoo",
            *base,
            "-d",
            db,
            "-i",
            "calendar_exchange_sync",
            "--stop-after-init",
            "--no-http",
            "--log-level=warn",
        ],
        cwd="/",
    )
    config.parse_config([*base, "-d", db, "--log-level=warn"])
    boxes = ["user%03d@contoso.com" % n for n in range(args.mailboxes)]
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    half = args.entries // 2
    context = multiprocessing.get_context("spawn")
    conn, child_conn = context.Pipe()
    server = context.Process(
        target=simulator_process, args=(child_conn, seed(boxes), boxes, half, now), daemon=True
    )
    server.start()
    ews_url = conn.recv()

    def ask(command):
        conn.send(command)
        return conn.recv()

    try:
        registry = Registry(db)
        if args.full_load:
            from odoo.addons.calendar_exchange_sync.bridge.binding_store import BindingStore

            for name in ("lookup", "unsettled", "totals"):  # the engine then calls load()
                if hasattr(BindingStore, name):
                    delattr(BindingStore, name)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env.ref("base.main_company").write(
                {
                    "exchange_enabled": True,
                    "exchange_version": "exchange2016",
                    "exchange_ews_url": ews_url,
                    "exchange_domain": "CONTOSO",
                    "exchange_username": DELEGATE,
                    "exchange_password": PASSWORD,
                }
            )
            Event = env["calendar.event"].with_context(
                no_mail_to_attendees=True, mail_create_nolog=True, tracking_disable=True
            )
            for n, box in enumerate(boxes):
                user = env["res.users"].create(
                    {
                        "name": "User %d" % n,
                        "login": box,
                        "email": box,
                        "exchange_sync_enabled": True,
                    }
                )
                values = []
                for k in range(args.entries - half):
                    start = now + timedelta(days=2 + k // 8, hours=k % 8, minutes=15)
                    values.append(
                        {
                            "name": "Odoo entry %d" % k,
                            "user_id": user.id,
                            "start": start.replace(tzinfo=None),
                            "stop": (start + timedelta(minutes=30)).replace(tzinfo=None),
                            "partner_ids": [(6, 0, user.partner_id.ids)],
                        }
                    )
                Event.create(values)
            cr.commit()
        total = args.mailboxes * args.entries
        print(
            "%d mailboxes x %d entries (%d in Exchange, %d in Odoo each)"
            % (args.mailboxes, args.entries, half, args.entries - half)
        )
        # The run after an import reads the new pairs once more (a deletion right after a
        # create must not go unseen); the run after that is the quiet one.
        edits = max(1, round(args.entries * args.changed / 2))  # per side and mailbox
        changed = "%g%% changed" % (args.changed * 100)
        for label in ("initial", "re-read", "no change", *(changed, "no change") * args.rounds):
            if label != "initial":
                age_events(registry)
            if label.endswith("changed"):
                edit_in_odoo(registry, edits)
                ask(("edit", edits))
            ask("clear")
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                queries = cr.sql_log_count
                if args.show_sql and label != "initial":
                    show_sql(cr)
                started = time.perf_counter()
                env["calendar.exchange.mailbox"]._cron_sync(time_budget=10**6)
                seconds = time.perf_counter() - started
                queries = cr.sql_log_count - queries
                mailboxes = env["calendar.exchange.mailbox"].search([])
                states = sorted({"error" if m.last_error else "ok" for m in mailboxes})
            requests = ask("count")
            print(
                "%-10s %8.3f s  %7.1f SQL queries/mailbox  %6.1f requests/mailbox  "
                "%7.0f entries/s  states %s"
                % (
                    label,
                    seconds,
                    queries / args.mailboxes,
                    requests / args.mailboxes,
                    total / seconds if label == "initial" else 0,
                    states,
                ),
                flush=True,
            )
    finally:
        ask("stop")
        server.join(10)
        odoo.sql_db.close_db(db)
        run(["dropdb", "-h", "127.0.0.1", "-p", pg_port, "-U", "odoo", "--if-exists", db])


if __name__ == "__main__":
    main()
