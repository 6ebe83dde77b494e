"""What the Graph backend reads again after an incremental delta, and what it takes as listed.

A delta gives single events in full but never expands extended properties: a single with
neither a transactionId nor categories is taken from the delta (one request for an import),
read exactly as ``GET /events/{id}`` would read it; our own creates (transactionId) and
entries with categories (the activity type's category) are read again with the properties.
"""

from graph_support import ALICE, running, side_for, when, window

from calendar_exchange_sync.sync.items import CalendarItem


def _reads(sim):
    """How many members the $batch requests since the last clear carried (all reads here)."""
    return sum(e.items for e in sim.journal.entries(operation="POST /$batch"))


def _outlook(sim, subject, day, **values):
    return sim.store.create_item(
        ALICE, {"subject": subject, "start": when(day, 8), "end": when(day, 9), **values}
    )


def test_singles_the_delta_gave_in_full_are_not_read_again():
    with running() as sim:
        side = side_for(sim)
        baseline = side.list_changes(None, window())
        for n in range(3):
            _outlook(sim, "Outlook %d" % n, 2 + n, location="Room %d" % n)
        _outlook(sim, "Tagged", 6, categories=["Blue"])
        [ours] = side.create([("calendar.event,7", CalendarItem("Ours", when(7, 8), when(7, 9)))])
        changes = side.list_changes(baseline.token, window())
        assert len(changes.changed) == 5 and not changes.complete
        sim.journal.clear()
        listed = side.fetch(sorted(changes.changed))
        # Only the entry with categories and our own create (transactionId) are read.
        assert _reads(sim) == 2
        assert listed[ours.remote.id].identity == "calendar.event,7"
        # What the delta gave reads exactly as a GET reads it.
        sim.journal.clear()
        again = side.fetch(sorted(changes.changed))
        assert _reads(sim) == 5
        assert again == listed
        assert {f.item.subject for f in listed.values()} == {
            "Outlook 0", "Outlook 1", "Outlook 2", "Tagged", "Ours"
        }  # fmt: skip


def test_a_complete_listing_reads_every_entry_with_its_identity():
    with running() as sim:
        side = side_for(sim)
        _outlook(sim, "Outlook", 2)
        changes = side.list_changes(None, window())
        sim.journal.clear()
        side.fetch(sorted(changes.changed))
        assert _reads(sim) == 1
