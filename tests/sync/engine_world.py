"""Test helpers for the engine: a controllable clock, item factory, two in-memory sides."""

from datetime import datetime, timedelta, timezone

from calendar_exchange_sync.sync.engine import Engine
from calendar_exchange_sync.sync.items import CalendarItem
from calendar_exchange_sync.sync.testing import (
    IndexedMemoryStatusStore,
    MemorySide,
    MemoryStatusStore,
    SimulatedCrash,
)

UTC = timezone.utc
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    """A clock that moves only when told; ``offset`` makes a second clock run ahead."""

    def __init__(self, now=T0, offset=timedelta(0), base=None):
        self._now = now
        self.offset = offset
        self.base = base

    def __call__(self):
        return (self.base() if self.base else self._now) + self.offset

    def advance(self, **delta):
        self._now += timedelta(**delta)

    def skewed(self, **delta):
        return Clock(offset=timedelta(**delta), base=self)


def make_item(subject="Meeting", day=10, hour=10, hours=1, **fields):
    start = datetime(2026, 3, day, hour, 0, tzinfo=UTC)
    return CalendarItem(subject, start, start + timedelta(hours=hours), **fields)


class World:
    """Odoo ("local"), one mailbox ("remote"), a status store and an engine factory."""

    def __init__(self, remote_skew=timedelta(0), indexed=True, transactional=False):
        self.clock = Clock()
        self.remote_clock = Clock(offset=remote_skew, base=self.clock)
        self.local = MemorySide("odoo", "L", self.clock, batch_size=3)
        self.remote = MemorySide("exchange", "R", self.remote_clock, batch_size=3)
        # indexed: the store offers targeted look-ups (quiet runs load only what they touch)
        self.status = IndexedMemoryStatusStore() if indexed else MemoryStatusStore()
        # transactional: like Odoo, a run's status and Odoo-side writes are one transaction
        # that a crash rolls back (Exchange-side writes stay: they happened on the server)
        self.transactional = transactional
        self.status.durable = not transactional
        self.local.writes_with_status = transactional

    def engine(self, **settings):
        settings.setdefault("now", self.clock)
        return Engine(self.local, self.remote, self.status, **settings)

    def sync(self, **settings):
        force = settings.pop("force_deletions", False)
        before = (self.local.snapshot(), self.status.snapshot())
        try:
            return self.engine(**settings).run(force_deletions=force)
        except SimulatedCrash:
            if self.transactional:
                self.local.restore(before[0])
                self.status.restore(before[1])
            raise

    def pair_of(self, local_id):
        """The remote id paired with a local id, from the status."""
        for row in self.status.rows.values():
            if row.local_id == local_id:
                return row.remote_id
        raise KeyError(local_id)

    def subjects(self):
        return (
            sorted(i.subject for i in self.local.contents()),
            sorted(i.subject for i in self.remote.contents()),
        )
