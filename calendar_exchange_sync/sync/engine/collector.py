"""Python's cyclic garbage collector, paused while a run works (``paused``).

A run holds two objects or so per entry of the mailbox for its whole length (the status rows,
what each side answered), and allocating them sets off the collector again and again: each
full collection walks every object of the process, the mailbox's calendars and all that the
run made so far, to find nothing. An initial pairing of 100,000 entries a side spent a quarter
of its time there (bench/engine.py).

Pausing it frees nothing later than it would have been freed: the run makes no reference
cycles of its own (tests/sync/test_engine_collector.py checks that a run leaves nothing for
the collector), and reference counting frees everything else at once, as always. Counted
with ``gc.callbacks`` over bench/graph.py and bench/ews.py (the simulator in the same process),
the Graph and EWS sides, with requests, msal and exchangelib, leave next to none either: 61
objects over a first import of 3,000 entries through Graph, none through EWS. Odoo pauses the
collector the same way around its own bulk work (``odoo.tools.gc.disabling_gc``, loading the
registry). What the collector would have found during a run (a cycle made by a side, an error
kept with its traceback) is found by its first pass after the run; a run in the cron is
bounded by its time budget.

The collector is process-wide: a pause asked for while it is already paused (by the caller,
or by a run in another thread) changes nothing, and only the pause that stopped it starts it
again, also when the run raises.
"""

import contextlib
import gc


@contextlib.contextmanager
def paused():
    """Pause the cyclic garbage collector inside the block, when it was running."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
