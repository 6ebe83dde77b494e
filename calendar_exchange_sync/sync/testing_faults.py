"""Fault injection of the in-memory sides and stores (``testing``, ``testing_store``).

``Faults`` is a queue of (operation, mode) a test adds to; ``before`` and ``after`` apply a
mode around one operation (see ``testing`` for what each mode does).
"""

from .errors import ConnectionFailed, TransientError


class SimulatedCrash(Exception):
    """The worker died at this point (deliberately not a SyncError)."""


class Faults:
    """A queue of faults, each hitting the ``after``-th next call of ``op`` ``count`` times.

    ``op`` ``"*"`` matches any operation of that side or store.
    """

    def __init__(self):
        self.queue = []  # [op, mode, after, count]

    def add(self, op, mode, after=0, count=1):
        self.queue.append([op, mode, after, count])

    def clear(self):
        self.queue.clear()

    def take(self, op):
        """The mode of the fault hitting this call of ``op``, or None."""
        for fault in self.queue:
            if fault[0] not in (op, "*"):
                continue
            if fault[2] > 0:
                fault[2] -= 1
                return None
            fault[3] -= 1
            if fault[3] <= 0:
                self.queue.remove(fault)
            return fault[1]
        return None


def before(mode, op):
    if mode == "crash_before":
        raise SimulatedCrash("crash before %s" % op)
    if mode == "down":
        raise ConnectionFailed("The simulated server is unreachable (%s)." % op)


def after(mode, op):
    if mode in ("lost", "dup"):
        raise TransientError("The answer to %s was lost on the way back." % op)
    if mode == "crash":
        raise SimulatedCrash("crash after %s" % op)
