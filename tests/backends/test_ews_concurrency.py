"""Several workers syncing several mailboxes at once over NTLM keep-alive connections."""

from concurrent.futures import ThreadPoolExecutor

from ews_support import ALICE, BOB, ews_sim_fixture, meeting, settings, utc  # noqa: F401

from calendar_exchange_sync.sync.engine import Window
from calendar_exchange_sync.sync.ews import EwsSide


def test_parallel_mailboxes(ews_sim):
    def work(mailbox, n):
        side = EwsSide(settings(ews_sim), mailbox)
        items = [("w%d,%d" % (n, k), meeting("w%d-%d" % (n, k), attendees=())) for k in range(30)]
        results = side.create(items)
        assert all(r.ok for r in results)
        listing = side.list_changes(None, Window(utc(2026, 1, 1)))
        fetched = side.fetch(list(listing.changed))
        return {f.identity for f in fetched.values()}

    jobs = [(ALICE, 0), (BOB, 1), (ALICE, 2), (BOB, 3)]
    with ThreadPoolExecutor(4) as pool:
        seen = list(pool.map(lambda job: work(*job), jobs))
    assert ews_sim.store.count(ALICE) == 60 and ews_sim.store.count(BOB) == 60
    for (_mailbox, n), identities in zip(jobs, seen, strict=True):
        assert {"w%d,%d" % (n, k) for k in range(30)} <= identities
    statuses = [e.status for e in ews_sim.journal.entries("ews")]
    assert set(statuses) <= {200, 401}
