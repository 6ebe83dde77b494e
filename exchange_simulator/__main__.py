"""``python -m exchange_simulator --port 8765 --seed FILE.json``: run the simulator standalone.

``--fault KIND[:key=value,...]`` queues faults, e.g. ``--fault server_busy:back_off_ms=2000,
count=3,operation=SyncFolderItems`` or ``--fault http_status:status=503``; the keys
protocol, operation, mailbox and count select the requests, the others are the fault's
parameters. ``--save FILE.json`` writes the seed with the current items on exit, with their
ids and the change logs: ``--seed FILE.json`` then starts the same server again (ids, EWS
SyncStates and Graph delta tokens still valid; see persist.py).
"""

import argparse
import logging
import signal
import threading

from .seed import load_seed, save_seed
from .simulator import Simulator


def parse_fault(text):
    kind, _, rest = text.partition(":")
    options = {}
    for part in filter(None, rest.split(",")):
        key, _, value = part.partition("=")
        options[key.strip()] = int(value) if value.strip().lstrip("-").isdigit() else value
    selectors = {
        k: options.pop(k) for k in ("protocol", "operation", "mailbox", "count") if k in options
    }
    return kind, selectors, options


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m exchange_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", help="seed JSON file (users, mailboxes, items)")
    parser.add_argument("--https-port", type=int, help="also serve HTTPS on this port")
    parser.add_argument("--fault", action="append", default=[], help="KIND[:key=value,...]")
    parser.add_argument("--save", help="write the seed with the current items here on exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    seed = load_seed(args.seed) if args.seed else None
    sim = Simulator(
        seed,
        host=args.host,
        port=args.port,
        https=args.https_port is not None,
        https_port=args.https_port or 0,
    )
    # Start first: the front ends register their own fault kinds when they are mounted.
    sim.start()
    for text in args.fault:
        kind, selectors, params = parse_fault(text)
        sim.faults.add(kind, **selectors, **params)
    print("EWS:   %s" % sim.ews_url, flush=True)
    if sim.https_url:
        print("HTTPS: %s  (CA: %s)" % (sim.https_url, sim.ca_file), flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        if args.save:
            save_seed(sim.seed, args.save, sim.store)


if __name__ == "__main__":
    main()
