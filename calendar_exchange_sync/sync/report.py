"""What one synchronisation run did, as plain data for the sync log.

Counts per side ("local" is Odoo, "remote" is the Exchange mailbox) and action, every error with
the item it concerns, and the mailbox-wide error that stopped the run, if any.
"""

import dataclasses
from collections import Counter

ACTIONS = ("create", "update", "delete")
# The log lists at most this many individual actions per run (an initial import of a large
# mailbox would otherwise carry thousands); the counts stay exact.
MAX_DETAILS = 500


@dataclasses.dataclass
class ItemError:
    """One item that could not be synchronised this run (it is retried next run)."""

    side: str  # where the operation failed: "local" or "remote"
    action: str  # "create", "update", "delete" or "fetch"
    error: Exception
    item_id: str | None = None  # the id on that side, when it exists
    identity: str | None = None
    subject: str = ""

    def to_dict(self):
        return {
            "side": self.side,
            "action": self.action,
            "item_id": self.item_id,
            "identity": self.identity,
            "subject": self.subject,
            "error": type(self.error).__name__,
            "message": str(self.error),
        }


@dataclasses.dataclass
class SyncReport:
    """The outcome of ``Engine.run``; ``ok`` is False when anything needs attention."""

    counts: Counter = dataclasses.field(default_factory=Counter)  # (side, action) -> n
    errors: list = dataclasses.field(default_factory=list)  # ItemError
    aborted: Exception | None = None  # the mailbox-wide error that stopped the run
    conflicts: int = 0  # pairs changed on both sides (merged; the policy chose some fields)
    matched: int = 0  # pairs formed by initial matching instead of creating duplicates
    skipped_old: int = 0  # new entries left alone because they ended before the window
    skipped_filtered: int = 0  # local entries whose activity type does not go to Exchange
    rebaselined: list = dataclasses.field(default_factory=list)  # sides whose token was reset
    unfinished: bool = False  # the time budget ran out; the next run carries on
    # items whose Exchange edit or deletion Odoo overruled (Odoo is master), by subject
    overruled: list = dataclasses.field(default_factory=list)
    details: list = dataclasses.field(default_factory=list)  # the first MAX_DETAILS actions

    def count(self, side, action, n=1):
        if n:
            self.counts[(side, action)] += n

    def record(self, side, action, item_id=None, identity=None, subject=""):
        """Count one successful action and remember which entry it concerned."""
        self.count(side, action)
        if len(self.details) < MAX_DETAILS:
            self.details.append(
                {
                    "side": side,
                    "action": action,
                    "item_id": item_id,
                    "identity": identity,
                    "subject": subject,
                }
            )

    def get(self, side, action):
        return self.counts.get((side, action), 0)

    @property
    def writes(self):
        """How many create/update/delete operations succeeded on either side."""
        return sum(self.counts.values())

    @property
    def ok(self):
        return self.aborted is None and not self.errors

    def to_dict(self):
        return {
            "counts": {
                side: {action: self.get(side, action) for action in ACTIONS}
                for side in ("local", "remote")
            },
            "errors": [e.to_dict() for e in self.errors],
            "aborted": (
                {"error": type(self.aborted).__name__, "message": str(self.aborted)}
                if self.aborted
                else None
            ),
            "conflicts": self.conflicts,
            "matched": self.matched,
            "skipped_old": self.skipped_old,
            "skipped_filtered": self.skipped_filtered,
            "rebaselined": list(self.rebaselined),
            "unfinished": self.unfinished,
            "overruled": list(self.overruled),
            "details": list(self.details),
        }
