"""Starts Odoo's server for bench/latency.py (as odoo-bin does), without its gevent process.

In prefork mode Odoo starts ``argv[0] gevent`` for the bus's websockets, which the benchmark
does not use and which would fail (and be restarted every second, taking CPU from what is
measured) where gevent's dependencies are missing. That child sleeps here instead.
"""

import sys
import time

if __name__ == "__main__":
    if sys.argv[1:2] == ["gevent"]:
        while True:
            time.sleep(3600)
    import odoo.cli

    odoo.cli.main()
