"""Where the seconds of bench/latency.py go: each change's way to Odoo, hop by hop.

    python3 bench/latency.py --changes 20 --skip-off --hops

For every change of the real-time-on runs, from what the two processes recorded:

* ``notify``: from the change to the call Exchange made to Odoo about it (the simulator's
  first Graph notification / EWS ``SendNotification`` carrying a change of that mailbox,
  made after the change);
* ``answer``: how long Odoo's controller took to answer that call;
* ``cron``: from that answer to the next start of the sync cron (Odoo's log);
* ``run``: from that start to the moment the benchmark saw the event in the database.

Printed per protocol: p50 / p95 / max seconds of each hop. The hops are matched by time
(the first call and the first cron start after the hop before), so a change that an earlier
call or cron pass already carried shows a negative or short hop: good enough to see where the
seconds go, not a trace.
"""

import re
from datetime import datetime, timezone

UTC = timezone.utc
CRON_START = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*Job 'Calendar: synchronise with Microsoft "
    r"Exchange' \(\d+\) starting"
)


def timeline(callbacks):
    """The simulator's calls to Odoo that carried changes: [(epoch, subscription, seconds)]."""
    return [
        (d.time.timestamp(), d.subscription, d.seconds)
        for d in callbacks.deliveries()
        if d.kind in ("notification", "SendNotification") and d.events != ["status"]
    ]


def cron_starts(log_path):
    """Epoch seconds of each start of the sync cron in Odoo's log (its clock is UTC here)."""
    starts = []
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            found = CRON_START.match(line)
            if found:
                when = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f")
                starts.append(when.replace(tzinfo=UTC).timestamp())
    return starts


def subscriptions(db):
    """{Exchange's subscription id: mailbox address} from Odoo's database."""
    import odoo

    with odoo.sql_db.db_connect(db).cursor() as cr:
        cr.execute("SELECT remote_id, email FROM calendar_exchange_subscription")
        return {remote: email.lower() for remote, email in cr.fetchall() if remote}


def _first_after(values, moment, key=lambda v: v):
    for value in values:
        if key(value) >= moment:
            return value
    return None


def hops(changes, calls, starts, owners):
    """{protocol: {hop: [seconds]}} for ``changes`` [(protocol, box, epoch, latency)]."""
    calls = sorted(calls)
    starts = sorted(starts)
    found = {}
    for protocol, box, at, latency in changes:
        mine = [c for c in calls if owners.get(c[1]) == box.lower()]
        call = _first_after(mine, at, key=lambda c: c[0])
        if call is None:
            continue
        answered = call[0] + call[2]
        start = _first_after(starts, answered)
        done = at + latency
        row = found.setdefault(protocol, {"notify": [], "answer": [], "cron": [], "run": []})
        row["notify"].append(call[0] - at)
        row["answer"].append(call[2])
        if start is not None and start <= done:
            row["cron"].append(start - answered)
            row["run"].append(done - start)
    return found


def report(found, quantile):
    print("\n%-6s %-7s %7s %7s %7s %7s" % ("proto", "hop", "count", "p50 s", "p95 s", "max s"))
    for protocol in sorted(found):
        for hop, values in found[protocol].items():
            if values:
                print(
                    "%-6s %-7s %7d %7.2f %7.2f %7.2f"
                    % (
                        "EWS" if protocol == "ews" else "Graph",
                        hop,
                        len(values),
                        quantile(values, 0.5),
                        quantile(values, 0.95),
                        max(values),
                    )
                )
