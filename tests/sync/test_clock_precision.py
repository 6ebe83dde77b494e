""" "Newest wins" compares last-modified times to the second (issue 13, point 7).

Graph writes them with seven fraction digits, EWS to the second, and the clock skew is
measured from HTTP Date headers, which have no fraction: the order of two edits within the
same second is not known, so it is a tie (Odoo keeps its value), whichever server says what.
"""

from datetime import datetime, timedelta, timezone

from calendar_exchange_sync.sync.engine import Fetched
from calendar_exchange_sync.sync.engine.decisions import winner
from calendar_exchange_sync.sync.items import CalendarItem

UTC = timezone.utc
ITEM = CalendarItem("x", datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 10, tzinfo=UTC))


def at(second, micro=0):
    return Fetched("v", ITEM, last_modified=datetime(2026, 3, 1, 10, 0, second, micro, tzinfo=UTC))


def test_edits_within_one_second_are_a_tie_odoo_keeps():
    # Graph says the Outlook edit came 0.8 s after Odoo's: below what the clocks can tell.
    assert winner("newest", at(0, 100000), at(0, 900000), timedelta(0)) == "local"
    assert winner("newest", at(0, 900000), at(0, 100000), timedelta(0)) == "local"


def test_a_whole_second_later_wins():
    assert winner("newest", at(0, 900000), at(1, 100000), timedelta(0)) == "remote"
    assert winner("newest", at(1, 100000), at(0, 900000), timedelta(0)) == "local"
    # EWS (whole seconds) against Odoo (microseconds): the same rule.
    assert winner("newest", at(0, 700000), at(1), timedelta(0)) == "remote"
    assert winner("newest", at(0, 700000), at(0), timedelta(0)) == "local"


def test_the_skew_counts_in_whole_seconds():
    # The server's clock runs two minutes (and a fraction nobody can measure) ahead.
    ahead = timedelta(minutes=2, microseconds=400000)
    remote = Fetched("v", ITEM, last_modified=datetime(2026, 3, 1, 10, 2, 1, 200000, tzinfo=UTC))
    assert winner("newest", at(0, 900000), remote, ahead) == "remote"
    assert winner("newest", at(1, 300000), remote, ahead) == "local"
