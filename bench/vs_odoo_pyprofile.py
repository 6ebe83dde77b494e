"""Where a workload of ``bench/vs_odoo.py`` spends B's Python time (``--py-top N``): a cProfile
of the measured part, the N functions with the most cumulative time printed, then the N with
the most time of their own. It answers "why is B slower than A with fewer queries" where the
SQL profile cannot.
"""

import cProfile
import io
import pstats
import sys


class PyProfile:
    """Profiles the current thread between ``start`` and ``stop``."""

    def __init__(self, top):
        self.top = top
        self.profile = None

    def start(self):
        self.profile = cProfile.Profile()
        self.profile.enable()

    def stop(self):
        self.profile.disable()

    def report(self, title):
        for order, what in (("cumulative", "cumulative"), ("tottime", "own")):
            text = io.StringIO()
            stats = pstats.Stats(self.profile, stream=text)
            stats.sort_stats(order).print_stats(self.top)
            body = text.getvalue().split("\n")
            start = next((n for n, line in enumerate(body) if "ncalls" in line), 0)
            print("\n## Python time of B, %s, by %s time" % (title, what))
            print("\n".join(line[:200] for line in body[start:] if line.strip()))
        sys.stdout.flush()
