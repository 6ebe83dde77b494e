"""Where a workload of ``bench/vs_odoo.py`` spends its SQL (``--sql-top N``): its queries
grouped by statement and by the addon's line that led to them, the largest groups printed with
their count and the milliseconds PostgreSQL took for them.

A query hook on the current thread (Odoo's ``Cursor.execute`` calls every ``query_hooks``
entry of the thread) records each statement, its numbers and literals folded away so that one
statement run for many records is one group, and the innermost frames of this addon's ``bridge``
and ``models`` on the stack (the line to look at), outside Odoo's own ORM frames.
"""

import re
import sys
import threading
from collections import Counter

ADDON = "calendar_exchange_sync"
_NUMBERS = re.compile(r"\b\d+\b")
_STRINGS = re.compile(r"'(?:[^']|'')*'")
_LISTS = re.compile(r"\((?:\s*%s\s*,?)+\)")
_SPACES = re.compile(r"\s+")


def shape(query):
    """The statement without its values: one group for one statement run many times."""
    if isinstance(query, bytes):
        query = query.decode("utf-8", "replace")
    text = _SPACES.sub(" ", str(query)).strip()
    text = _STRINGS.sub("'?'", _NUMBERS.sub("N", text))
    return _LISTS.sub("(%s...)", text)[:170]


def callers(depth=3):
    """The innermost ``depth`` frames of the addon (file:line function), innermost first."""
    found = []
    frame = sys._getframe(2)
    while frame is not None and len(found) < depth:
        path = frame.f_code.co_filename
        if ADDON in path and "/tests/" not in path:
            short = path.split(ADDON + "/", 1)[1]
            found.append("%s:%d %s" % (short, frame.f_lineno, frame.f_code.co_name))
        frame = frame.f_back
    return " < ".join(found) or "(outside the addon)"


class SqlProfile:
    """Records the queries of the current thread between ``start`` and ``stop``."""

    def __init__(self, top):
        self.top = top
        self.shapes, self.places = Counter(), Counter()
        self.shape_ms, self.place_ms = Counter(), Counter()

    def _hook(self, cr, query, params, start, delay):
        text, place = shape(query), callers()
        self.shapes[text] += 1
        self.places[place] += 1
        self.shape_ms[text] += delay * 1000
        self.place_ms[place] += delay * 1000

    def start(self):
        for counter in (self.shapes, self.places, self.shape_ms, self.place_ms):
            counter.clear()
        thread = threading.current_thread()
        thread.query_hooks = [*getattr(thread, "query_hooks", ()), self._hook]

    def stop(self):
        thread = threading.current_thread()
        thread.query_hooks = [h for h in getattr(thread, "query_hooks", ()) if h != self._hook]

    def report(self, title):
        total = sum(self.shapes.values())
        print("\n## SQL of B, %s: %d queries, %.1f ms in PostgreSQL"
              % (title, total, sum(self.shape_ms.values())))  # fmt: skip
        for what, counts, ms in (("statement", self.shapes, self.shape_ms),
                                 ("the addon's lines", self.places, self.place_ms)):  # fmt: skip
            print("by %s (count, ms):" % what)
            for text, count in counts.most_common(self.top):
                print("  %6d %8.1f  %s" % (count, ms[text], text))
        sys.stdout.flush()
