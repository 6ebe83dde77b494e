"""Property-based convergence: random histories on both sides, random faults (lost and late
answers, creates carried out twice, crashes, time budgets), then sync until quiet. Both sides
must hold the same entries, none twice, and no entry that nobody deleted may be lost.

Each entry carries a lineage tag in its location ("entry-7") that users never edit, so the test
can follow an entry through edits, moves, re-creations and re-matching. Run more examples with
``ENGINE_EXAMPLES=5000 pytest tests/sync/test_engine_convergence.py``; a failure prints the
shortest history found and a ``@reproduce_failure`` blob.
"""

import os
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from engine_model import expected
from engine_world import World
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from calendar_exchange_sync.sync.items import CalendarItem, Occurrence, Recurrence
from calendar_exchange_sync.sync.testing import SimulatedCrash

UTC = timezone.utc
EXAMPLES = int(os.environ.get("ENGINE_EXAMPLES", "1000"))
SIDES = st.sampled_from(["local", "remote"])
WORDS = st.sampled_from(["Lunch", "Review", "Standup", "Call"])
RULES = {
    "daily": ("FREQ=DAILY;COUNT=5", timedelta(days=1)),
    "weekly": ("FREQ=WEEKLY;COUNT=4", timedelta(weeks=1)),
}
# "*" (any call of that side) is listed thrice: most syncs have little to do, and a fault on
# an operation the sync never makes tests nothing.
SIDE_OPS = ["*", "*", "*", "create", "update", "delete", "fetch", "find_by_identity"]
ONE_FAULT = st.one_of(
    st.tuples(
        st.sampled_from(["local", "remote"]),
        st.sampled_from(SIDE_OPS),
        # lost: done, answer lost; dup: a create done twice (sent again blindly), answer lost;
        # late: done only when the next call comes (the answer came after the time-out).
        st.sampled_from(["fail", "lost", "dup", "late", "crash", "crash_before", "down"]),
        st.integers(0, 6),
    ),
    st.tuples(
        st.just("status"),
        st.sampled_from(["*", "*", "save", "remove", "set_token"]),
        st.sampled_from(["crash", "crash_before"]),
        st.integers(0, 4),
    ),
)
# A tight time budget (the run stops between batches) counts as a fault too.
BUDGET = st.tuples(st.just("budget"), st.just(""), st.just(""), st.integers(0, 3))
FAULTS = st.lists(ONE_FAULT | BUDGET, max_size=2)


def tag_of(item):
    return item.location


class Convergence(RuleBasedStateMachine):
    """Two in-memory calendars edited at random and synchronised with faults."""

    @initialize(
        policy=st.sampled_from(["newest", "local", "remote"]),
        skew=st.integers(-30, 30),
        batch=st.integers(1, 4),
        strict=st.booleans(),
        indexed=st.booleans(),
        transactional=st.booleans(),
        idempotent=st.booleans(),
        every_removal=st.booleans(),
    )
    def setup(self, policy, skew, batch, strict, indexed, transactional, idempotent,
              every_removal):  # fmt: skip
        # strict: users act only between epochs (faulty syncs run to quiet), and each epoch's
        # outcome is checked against engine_model. Otherwise edits and faulty syncs interleave
        # freely and the checks are convergence, no duplicate and nothing lost.
        self.strict = strict
        self.agreed = {}  # strict mode: tag -> item both sides held at the end of the last epoch
        # indexed: a status store with targeted look-ups, else one that only loads everything
        # transactional: a crash rolls back the run's status and Odoo-side writes (Odoo)
        self.world = World(
            remote_skew=timedelta(minutes=skew), indexed=indexed, transactional=transactional
        )
        # idempotent: Exchange creates are carried out once per identity (Graph), so twins of
        # a rolled-back run are paired from the listing alone, without look-ups
        self.world.remote.idempotent_creates = idempotent
        # every_removal: the Odoo side's listing names every deletion of a bound entry, so the
        # entries a run creates there are settled at once instead of verified next run
        self.world.local.lists_every_removal = every_removal
        self.settings = {
            "policy": policy,
            "clock_skew": timedelta(minutes=skew),
            "batch_size": batch,
        }
        self.next_tag = 0
        self.deleted_tags = set()  # entries some user deleted at some point
        self.created_tags = set()

    # -- helpers ---------------------------------------------------------------------

    def side(self, name):
        self.world.clock.advance(minutes=1)  # every user action happens at a later moment
        return getattr(self.world, name)

    def draw_entry(self, data, name):
        # Users act on their entries; an extra copy a fault made is the sync's to remove. A
        # side may hold nothing but such copies: then there is nothing to act on (None).
        entries = self.entries(name)
        return data.draw(st.sampled_from(entries)) if entries else None

    def entries(self, name, series=False):
        side = getattr(self.world, name)
        return sorted(
            i
            for i, s in side.items.items()
            if i not in side.extra_copies and (not series or s.item.recurrence)
        )

    def sync(self, faults=(), force=False):
        self.world.clock.advance(minutes=1)
        settings = dict(self.settings)
        for target, op, mode, after in faults:
            if target == "budget":  # every look at the clock takes one second
                ticks = iter(range(10**6))
                settings.update(time_budget=after, monotonic=lambda t=ticks: next(t))
            else:
                getattr(self.world, target).faults.add(op, mode, after=after)
        try:
            report = self.world.sync(force_deletions=force, **settings)
        except SimulatedCrash:
            report = None
        for target in ("local", "remote", "status"):
            getattr(self.world, target).faults.clear()
        return report

    def sync_until_quiet(self):
        for _ in range(6):
            report = self.sync(force=True)
            if report.ok and report.writes == 0:
                return
        raise AssertionError("no quiet run after 6 runs: %s" % report.to_dict())

    # -- what users do -----------------------------------------------------------------

    @rule(
        name=SIDES,
        word=WORDS,
        day=st.integers(0, 20),
        hour=st.integers(6, 18),
        recurring=st.sampled_from([None, "daily", "weekly"]),
    )
    def create(self, name, word, day, hour, recurring):
        self.next_tag += 1
        tag = "entry-%d" % self.next_tag
        start = datetime(2026, 4, 1, hour, tzinfo=UTC) + timedelta(days=day)
        recurrence = Recurrence(RULES[recurring][0]) if recurring else None
        item = CalendarItem(
            "%s %s" % (word, tag),
            start,
            start + timedelta(hours=1),
            location=tag,
            recurrence=recurrence,
        )
        self.side(name).user_create(item)
        self.created_tags.add(tag)

    @precondition(lambda self: self.world.local.items or self.world.remote.items)
    @rule(
        data=st.data(), name=SIDES, word=WORDS, body=st.sampled_from(["", "<p>a</p>", "<p>b</p>"])
    )
    def edit(self, data, name, word, body):
        side = getattr(self.world, name)
        id_ = self.draw_entry(data, name)
        if id_ is None:
            return
        item = side.items[id_].item
        self.side(name).user_update(
            id_, item.replace(subject="%s %s" % (word, tag_of(item)), body=body)
        )

    @precondition(lambda self: self.world.local.items or self.world.remote.items)
    @rule(data=st.data(), name=SIDES, hours=st.integers(-30, 30).filter(bool))
    def move(self, data, name, hours):
        side = getattr(self.world, name)
        id_ = self.draw_entry(data, name)
        if id_ is None:
            return
        item = side.items[id_].item
        shift = timedelta(hours=hours)
        moved = item.replace(start=item.start + shift, end=item.end + shift)
        self.side(name).user_update(id_, moved)

    @precondition(lambda self: self.world.local.items or self.world.remote.items)
    @rule(data=st.data(), name=SIDES)
    def delete(self, data, name):
        side = getattr(self.world, name)
        id_ = self.draw_entry(data, name)
        if id_ is None:
            return
        self.deleted_tags.add(tag_of(side.items[id_].item))
        self.side(name).user_delete(id_)

    @precondition(lambda self: self.world.local.items or self.world.remote.items)
    @rule(
        data=st.data(), name=SIDES, k=st.integers(0, 3), drop=st.booleans(), hours=st.integers(1, 5)
    )
    def occurrence(self, data, name, k, drop, hours):
        """Modify or delete the k-th occurrence of a series (keyed by its original start)."""
        side = getattr(self.world, name)
        series = self.entries(name, series=True)
        if not series:
            return
        id_ = data.draw(st.sampled_from(series))
        item = side.items[id_].item
        rec = item.recurrence
        period = RULES["daily" if rec.rrule.startswith("FREQ=DAILY") else "weekly"][1]
        original = item.start + k * period
        exceptions = [e for e in rec.exceptions if e.original_start != original]
        deleted = set(rec.deleted) - {original}
        if drop:
            deleted.add(original)
        else:
            start = original + timedelta(hours=hours)
            changed = item.replace(
                subject=item.subject + " (moved)",
                start=start,
                end=start + (item.end - item.start),
                recurrence=None,
            )
            exceptions.append(Occurrence(original, changed))
        new = item.replace(recurrence=Recurrence(rec.rrule, tuple(exceptions), frozenset(deleted)))
        self.side(name).user_update(id_, new)

    # -- what the machinery does ---------------------------------------------------------

    @precondition(lambda self: not self.strict)
    @rule(faults=FAULTS)
    def run_sync(self, faults):
        report = self.sync(faults)
        if report is not None and report.held:
            # Held deletions are reported on the side that still has the entry.
            for held in report.held:
                assert held.item_id is None or held.item_id in getattr(self.world, held.side).items

    @precondition(lambda self: self.strict)
    @rule(runs=st.lists(FAULTS, max_size=3))
    def epoch(self, runs):
        """Faulty runs, then runs to quiet: the outcome must be what the model says."""
        want = self.expectation()
        for faults in runs:
            self.sync(faults)
        self.sync_until_quiet()
        got = {t: item for t, (item, _) in self.holdings(self.world.local).items()}
        assert got == {t: item for t, (item, _) in self.holdings(self.world.remote).items()}
        assert got == want
        self.agreed = want

    def holdings(self, side):
        return {tag_of(s.item): (s.item, s.last_modified) for s in side.items.values()}

    def expectation(self):
        local, remote = self.holdings(self.world.local), self.holdings(self.world.remote)
        policy, skew = self.settings["policy"], self.settings["clock_skew"]
        want = {}
        for tag in set(local) | set(remote) | set(self.agreed):
            item = expected(self.agreed.get(tag), local.get(tag), remote.get(tag), policy, skew)
            if item is not None:
                want[tag] = item
        return want

    @rule(name=SIDES)
    def expire_token(self, name):
        getattr(self.world, name).invalidate_tokens()

    @rule()
    def lose_status_after_quiet_sync(self):
        """A lost status table (reinstall) must re-pair everything by initial matching."""
        if self.strict:
            self.epoch([])
        else:
            self.sync_until_quiet()
        count = len(self.world.local.items)
        self.world.status.forget_everything()
        report = self.sync(force=True)
        assert report.ok and report.writes == 0, report.to_dict()
        assert report.matched == count

    # -- what must hold ------------------------------------------------------------------

    @invariant()
    def no_duplicates_on_a_side(self):
        # Between syncs a side may lag, but it never holds one entry twice (an extra copy a
        # server made of a create it was sent is the sync's to remove: see teardown).
        if not hasattr(self, "world"):
            return
        for side in (self.world.local, self.world.remote):
            tags = Counter(
                tag_of(s.item) for i, s in side.items.items() if i not in side.extra_copies
            )
            assert max(tags.values(), default=1) == 1, tags

    def teardown(self):
        if not hasattr(self, "world"):
            return
        self.sync_until_quiet()
        local = sorted(self.world.local.contents(), key=tag_of)
        remote = sorted(self.world.remote.contents(), key=tag_of)
        assert [i.to_json() for i in local] == [i.to_json() for i in remote]
        for side in (self.world.local, self.world.remote):
            assert len({tag_of(i) for i in side.contents()}) == len(side.items)  # no copy left
        tags = {tag_of(i) for i in local}
        lost = self.created_tags - self.deleted_tags - tags
        assert not lost, "entries nobody deleted were lost: %s" % sorted(lost)
        rows = self.world.status.rows.values()
        assert len(rows) == len(local) and not any(r.pending or r.recheck for r in rows)
        assert {r.local_id for r in rows} == set(self.world.local.items)
        assert {r.remote_id for r in rows} == set(self.world.remote.items)


Convergence.TestCase.settings = settings(
    max_examples=EXAMPLES,
    # CI replays one fixed exploration, so that whether a change lands does not depend on the
    # draw; everywhere else each run explores new histories (and prints what it finds).
    derandomize=os.environ.get("CI") == "true",
    stateful_step_count=50,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_convergence = Convergence.TestCase


class _NoDraw:
    """A ``data`` for calling a rule by hand that must draw nothing."""

    def draw(self, strategy):
        raise AssertionError("drew from %r" % strategy)


def test_a_side_holding_only_extra_copies_gives_users_nothing_to_act_on():
    # Found by Hypothesis: ``delete`` drew from the empty list of a side's own entries.
    machine = Convergence()
    machine.setup("newest", 0, 1, False, True, False, False, False)
    machine.create("remote", "Lunch", 0, 9, None)
    machine.sync([("local", "create", "dup", 0)])  # the copy the sync later removes
    (own,) = machine.entries("local")
    machine.world.local.user_delete(own)
    assert machine.world.local.items and not machine.entries("local")  # only the copy is left
    before = dict(machine.world.local.items)
    machine.delete(data=_NoDraw(), name="local")
    machine.edit(data=_NoDraw(), name="local", word="Call", body="")
    machine.move(data=_NoDraw(), name="local", hours=1)
    assert machine.world.local.items == before
    machine.teardown()


def test_a_create_done_twice_before_the_status_was_lost_leaves_no_copy():
    # Found by Hypothesis: the export's create is carried out twice, then the run dies before
    # its status commits. The next run, a first sync again, pairs the Odoo entry with one of
    # the two items by content; the other, carrying the same identity, is an extra copy to
    # remove, not a new entry to import.
    machine = Convergence()
    machine.setup("newest", 0, 1, True, False, True, False, False)
    machine.create("local", "Lunch", 0, 6, None)
    machine.epoch([[("status", "*", "crash", 1), ("remote", "*", "dup", 2)]])
    machine.no_duplicates_on_a_side()
    machine.teardown()


class _Draws:
    """A ``data`` for calling a rule by hand: answers the given values in turn."""

    def __init__(self, *values):
        self.values = list(values)

    def draw(self, strategy):
        return self.values.pop(0)


@pytest.mark.xfail(
    strict=True,
    reason="known, not fixed: an extra copy holding content agreed before a later edit of its "
    "original is kept as somebody's work (copies.py), and then travels as a new entry",
)
def test_an_extra_copy_of_content_edited_since_is_kept_as_a_new_entry():
    # Found by Hypothesis at 3,000 examples; the code at the start of this work fails it too.
    # The Odoo entry is re-created after a deletion that lost to an Exchange edit, and the
    # create is done twice (L3, and the copy L4); the user edits L3; a run crashes after it
    # saved L3's new content as agreed. The copy L4 now equals neither: it is imported again.
    machine = Convergence()
    machine.setup("newest", 0, 1, False, False, False, False, False)
    machine.create("local", "Lunch", 0, 6, "daily")
    machine.create("local", "Standup", 0, 6, None)
    machine.run_sync([])
    machine.delete(_Draws("L1"), "local")
    machine.move(_Draws("R1"), "remote", 1)
    machine.expire_token("local")
    machine.run_sync([("local", "*", "dup", 3)])
    machine.create("local", "Lunch", 0, 6, None)
    machine.occurrence(_Draws("L3"), "local", 0, False, 1)
    machine.run_sync([("status", "*", "crash", 3)])
    machine.teardown()


def test_an_export_whose_status_was_lost_waits_for_its_odoo_entry_to_be_read():
    # Found by Hypothesis at 1,000 examples (the code before fails it too): two exports are
    # carried out, the run crashes before its status commits, and the next run, with a time
    # budget, reads only one of the two Odoo entries. The Exchange item of the other carries
    # its identity, but its Odoo entry was left unread: the item was imported as a new entry,
    # the Odoo entry then held twice. An incremental run that leaves Odoo entries unread now
    # imports nothing; the next one reads them and pairs them by identity.
    machine = Convergence()
    machine.setup("newest", 0, 1, False, False, True, False, False)
    machine.run_sync([])
    machine.run_sync([])
    machine.create("local", "Lunch", 0, 6, None)
    machine.create("local", "Lunch", 0, 6, None)
    machine.run_sync([("status", "set_token", "crash", 0), ("local", "*", "fail", 3)])
    machine.no_duplicates_on_a_side()
    machine.run_sync([("budget", "", "", 0)])
    machine.no_duplicates_on_a_side()
    machine.teardown()
