"""The settings of one engine run (``SyncOptions``), in the engine's own words.

The engine speaks of roles: "local" is Odoo, "remote" the Exchange mailbox, whatever the
caller calls them; the Odoo layer translates its settings ("Odoo wins") into these once.
"""

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from .. import span
from ..tz import UTC
from .decisions import POLICIES
from .matching import match_key


def _now():
    return datetime.now(UTC)


@dataclasses.dataclass
class SyncOptions:
    """Settings of a run, from the company settings and the measured clock skew."""

    policy: str = "newest"  # conflicts: "newest", "local" (Odoo wins) or "remote" (Exchange)
    clock_skew: timedelta = timedelta(0)  # remote clock minus local clock
    window_days: int = 30  # new entries that ended longer ago are left alone
    deletion_limit: float = 0.5  # stop when a run would delete more than this share of a side
    deletion_min: int = 5  # ... and at least this many (see guard.py for emptying a side)
    batch_size: int | None = None  # None: each side's own batch_size
    # item -> bool: may this new Odoo entry go to Exchange? (A pair, once formed, keeps
    # syncing both ways: an Exchange entry typed as a non-exported type must still get edits.)
    may_export: Callable | None = None
    classify: Callable | None = None  # item -> activity type of an untyped entry new from Exchange
    now: Callable = _now  # the local clock (tests freeze it)
    # Seconds a run may spend writing before it stops between two batches (None: no limit).
    # A stopped run stores no token, so the next run carries on where this one stopped.
    time_budget: float | None = None
    monotonic: Callable = time.monotonic  # the budget's clock (tests replace it)
    # Look for a twin (by identity) before creating any new entry on the other side. Needed
    # when the status store is not durable per save (``durable = False``: the Odoo store is
    # one transaction per run, so a killed worker loses the rows of creates that happened).
    # None: decided by the store's ``durable`` attribute.
    verify_creates: bool | None = None
    # What depends on the item kind (calendar entries, contacts):
    # item -> the key initial matching pairs on, or a list of keys tried in turn
    match_key: Callable = match_key
    ended_before: Callable = span.ended_before  # (item, moment) -> left out by the window?
    # local ids -> those whose content overrules Exchange's edits and deletions (see
    # ``master``); None: nobody is master, changes travel both ways.
    masters: Callable | None = None

    def __post_init__(self):
        if self.policy not in POLICIES:
            raise ValueError("policy must be one of %s, not %r" % (POLICIES, self.policy))
        if not 0 <= self.deletion_limit <= 1:
            raise ValueError("deletion_limit is a share between 0 and 1")
