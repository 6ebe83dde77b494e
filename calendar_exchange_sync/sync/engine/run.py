"""The reconciliation of one mailbox: Odoo ("local") against one Exchange mailbox ("remote").

One ``Engine.run()``:

1. lists the changes of each side since its token (a full listing, ``complete``, when there is
   no token or it expired) and loads the status rows (what both sides last agreed on): all of
   them, or only those the listings touch when the store can look rows up;
2. finishes creates left pending by an earlier run: a row without the other side's id is looked
   up with ``find_by_identity``, so a create whose answer was lost is never repeated;
3. reads (``fetch``) what changed, judges each known pair unchanged / changed / gone against the
   agreed content hash and decides with the table in ``decisions``;
4. handles new entries: when a listing is complete, pairs them by subject, start, end and
   recurrence (initial matching, see ``matching``) instead of duplicating; leaves alone entries
   that ended before the window (except series still recurring); sends local entries out only
   when ``may_export`` allows it; gives entries new from Exchange an activity type with
   ``classify`` (an Exchange entry without a type later keeps the agreed type: Exchange only
   knows types Odoo wrote);
5. holds back the deletions the guard does not let through (see ``guard``: the rest of the run
   goes on), then applies the plans in batches (``apply.Applier``), saving the status after
   each batch, and stores the new tokens only when the run was not interrupted.

An item a side cannot read (``Unreadable``) is an error of that item: logged, left alone with
its pair, never taken for a deletion. An item carrying the identity of an entry paired with
another item is an extra copy (see ``copies``): removed when it holds nothing more, never
imported as a new entry.

Crash safety comes from the order of writes: a status row is saved *before* the create it
announces, a row is only marked agreed after every write for it succeeded (otherwise it is
flagged ``recheck``), and tokens move last. A run interrupted anywhere is redone by the next:
what was already applied shows up with the agreed content and is a no-op.
"""

from datetime import timedelta

from ..errors import SyncError, SyncStateInvalid
from ..report import ItemError, SyncReport
from . import collector, copies, master
from .apply import Applier
from .decisions import CHANGED, GONE, UNCHANGED, Decision, Plan, Seen, decide
from .guard import hold_deletions, read_restored, record_held
from .matching import pair_by_identity, pair_new, typed
from .options import SyncOptions
from .rows import RunRows
from .sides import ROLES, SidePair, StatusRow, Unreadable, Window


class Engine:
    """Synchronises one mailbox; create one per run or reuse, it keeps no state between runs."""

    def __init__(self, local, remote, status, options=None, **settings):
        self.local = local
        self.remote = remote
        self.status = status
        self.options = options or SyncOptions(**settings)

    def run(self, force_deletions=False):
        """Run once and return a ``SyncReport``; a mailbox-wide error ends up in ``aborted``.

        ``force_deletions`` lets every deletion through the guard (scripts, tests; people
        decide entry by entry through ``SyncOptions``). Exceptions that are not ``SyncError``
        (bugs, a killed worker) propagate: the next run recovers from whatever was saved.
        """
        report = SyncReport()
        try:
            with collector.paused():  # a run makes no reference cycles: see collector.py
                _Run(self, report, force_deletions).execute()
        except SyncError as error:
            report.aborted = error
        return report


class _Run:
    """The state of one run (kept out of ``Engine`` so an engine can be reused)."""

    def __init__(self, engine, report, force_deletions):
        opt = engine.options
        self.started = None  # when writing began: the time budget counts from there
        verify = opt.verify_creates
        self.verify_creates = (
            not getattr(engine.status, "durable", True) if verify is None else verify
        )
        self.opt = opt
        self.store = engine.status
        self.report = report
        self.force = force_deletions
        self.sides = SidePair(engine.local, engine.remote, opt.batch_size)
        self.rows = RunRows(self.store, {role: self.sides.name(role) for role in ROLES})
        self.removals = []  # decisions removing extra copies (see copies.py)
        self.deferred = False  # new Odoo entries left unread for the next run (time budget)

    # -- 1. status and listings ----------------------------------------------------------

    def execute(self):
        self.window = Window(self.opt.now() - timedelta(days=self.opt.window_days))
        changes = {role: self._list(role) for role in ROLES}
        self.rows.load(changes)
        self.unsettled = [r for r in self.rows.all() if r.recheck or r.pending]
        self._resolve_pending()
        seen = {role: self._observe(role, changes[role]) for role in ROLES}
        self._adopt(seen)
        self._keep_activity_types(seen)
        decisions = self._plan_known(seen)
        complete = changes["local"].complete or changes["remote"].complete
        decisions += self._plan_new(seen, complete) + self.removals
        if self.opt.restored_deletions:
            decisions = read_restored(decisions, self.sides, self.opt.restored_deletions)
        decisions, held = hold_deletions(decisions, changes, self.rows.total, self.opt, self.force)
        record_held(held, self.sides, self.rows, self.report)
        self.started = self.opt.monotonic()
        applier = Applier(decisions, self.sides, self.rows, self.report, self.out_of_time)
        applier.apply()
        if self.deferred:
            self.report.unfinished = True  # the entries left unread are the next run's
        if self.report.unfinished:
            return  # out of time: keep the old tokens, the next run continues
        for role in ROLES:
            self.store.set_token(role, changes[role].token)
        applier.release()

    def out_of_time(self):
        budget = self.opt.time_budget
        return budget is not None and self.opt.monotonic() - self.started > budget

    def _list(self, role):
        side, token = self.sides[role], self.store.get_token(role)
        try:
            changes = side.list_changes(token, self.window)
        except SyncStateInvalid:
            if token is None:
                raise
            self.report.rebaselined.append(role)
            token, changes = None, side.list_changes(None, self.window)
        if token is None:
            changes.complete = True
        return changes

    # -- 2. creates left pending by an earlier run ---------------------------------------

    def _resolve_pending(self):
        for role in ("remote", "local"):
            waiting = [r for r in self.unsettled if r.id_on(role) is None]
            for batch in self.sides.batches(role, waiting):
                found = self.sides[role].find_by_identity([r.identity for r in batch])
                self.rows.more_on(role, [remote.id for remote in found.values()])
                settled = []
                for row in batch:
                    remote = found.get(row.identity)
                    if remote is not None and remote.id not in self.rows.known(role):
                        # No version: the one found is the item's version now, which proves
                        # nothing (the user may have edited it since the create). Unknown, it
                        # makes the item be read this run, and the hashes tell.
                        row.set_on(role, item_id=remote.id, version=None)
                        row.recheck, row.verify_side = True, None
                        self.rows.index(row)
                        settled.append(row)
                if settled:
                    self.rows.save(settled)

    # -- 3. what changed ----------------------------------------------------------------

    def _observe(self, role, changes):
        """Fetch what may have changed; answer ``(fetched: id -> Fetched, gone: set of ids)``."""
        known = self.rows.known(role)
        wanted = {
            id_
            for id_, version in changes.changed.items()
            if id_ not in known or known[id_].version_on(role) != version
        }
        gone = {id_ for id_ in changes.removed if id_ in known}
        if changes.complete:
            # Known but not listed: deleted, or merely outside the window. Reading tells.
            wanted |= known.keys() - changes.changed.keys() - gone
        for row in self.unsettled:
            id_ = row.id_on(role)
            verifying_other_side = row.verify_side not in (None, role) and not row.pending
            # A complete listing that shows the item as agreed is as good as reading it (a
            # large first sync carried on over several runs would read its work again).
            listed_as_agreed = (
                changes.complete
                and not row.pending
                and changes.changed.get(id_) == row.version_on(role)
            )
            # Verifying a create (see ``Applier.release``): an incremental listing taken after
            # the create that names the entry with the version we wrote proves it still exists
            # unchanged. Only an entry the listing is silent about is read again (it may have
            # been created and deleted since the token, which no listing reports).
            verified_by_listing = (
                row.verify_side == role
                and not row.pending
                and not changes.complete
                and changes.changed.get(id_, None) == row.version_on(role)
            )
            if id_ is None or verifying_other_side or listed_as_agreed or verified_by_listing:
                continue
            wanted.add(id_)
        fetched, unreadable = {}, set()
        deferrable = set()
        if role == "local" and self.opt.time_budget is not None:
            deferrable = wanted - known.keys()  # new Odoo entries: a budget bounds their reading
        began = None  # when reading the new entries began
        order = sorted(wanted - deferrable) + sorted(deferrable) if deferrable else sorted(wanted)
        for batch in self.sides.batches(role, order):
            if deferrable and deferrable.issuperset(batch):
                # A large first sync writes a budget's worth of creates per run: reading all
                # of its backlog in every run would cost each run the whole calendar. The
                # rest is read by the next runs (this one stores no token). At least one
                # batch is read, whatever reading the known entries took: each run moves on.
                if began is None:
                    began = self.opt.monotonic()
                elif self.opt.monotonic() - began > self.opt.time_budget:
                    self.deferred = True
                    break
            answer = self.sides[role].fetch(batch)
            for id_ in batch:  # only what was asked
                got = answer.get(id_)
                if isinstance(got, Unreadable):
                    unreadable.add(id_)
                    self._unreadable(role, id_, got, known.get(id_))
                elif got is not None:
                    fetched[id_] = got
        if known:  # (a first sync knows nothing: no pass over every id for it)
            gone |= {id_ for id_ in wanted if id_ in known and id_ not in fetched}
        if gone:
            gone -= fetched.keys()
            gone -= unreadable
        return fetched, gone

    def _unreadable(self, role, item_id, got, row):
        """An item this side cannot read: its error, and nothing else happens to it (it is not
        gone, and its pair is left as it was)."""
        self.report.errors.append(
            ItemError(
                side=role,
                action="read",
                error=got.error,
                item_id=item_id,
                identity=row.identity if row is not None else None,
                subject=got.subject,
            )
        )

    def _keep_activity_types(self, seen):
        """An Exchange entry without an activity type keeps the type agreed for the pair.

        Exchange only knows the type when Odoo wrote it (an extended property); entries made in
        Outlook have none. "None" from Exchange therefore means "unknown", not "cleared".
        """
        remote_fetched = seen["remote"][0]
        known = self.rows.known("remote")
        for remote_id, got in remote_fetched.items() if known else ():  # (none in a first sync)
            row = known.get(remote_id)
            if got.item.activity_type is None and row is not None and row.activity_type:
                remote_fetched[remote_id] = typed(got, row.activity_type)

    @staticmethod
    def _seen(role, row, seen):
        fetched, gone = seen[role]
        id_ = row.id_on(role)
        if id_ in gone:
            return Seen(GONE)
        got = fetched.get(id_)
        if got is None:
            return Seen(UNCHANGED)
        same = got.item.content_hash() == row.item_hash
        return Seen(UNCHANGED if same else CHANGED, got)

    # -- 4. decisions -------------------------------------------------------------------

    def _plan_known(self, seen):
        touched = []
        for role in ROLES:
            fetched, gone = seen[role]
            known = self.rows.known(role)
            if known:  # (a first sync knows nothing: no set of every id read)
                touched += [known[i] for i in fetched.keys() | gone if i in known]
        touched += self.unsettled
        overruled = master.mastered(self, touched, seen, self._seen)
        decisions, done = [], set()
        for row in touched:
            if row.identity in done:
                continue
            done.add(row.identity)
            local, remote = self._seen("local", row, seen), self._seen("remote", row, seen)
            if row.pending:
                plan = self._plan_pending(row, local, remote)
            elif row.identity in overruled:
                plan = master.plan(local, remote, self.report)
            else:
                plan = decide(row.field_hashes, local, remote, self.opt.policy, self.opt.clock_skew)
            decisions.append(Decision(row, plan, local, remote))
        return decisions

    @staticmethod
    def _plan_pending(row, local, remote):
        """A create decided earlier whose target was not found: do it again, or drop it."""
        if row.remote_id is None:
            if local.fetched is None:  # the source is gone (or unreadable): nothing to create
                return Plan(forget=True)
            return Plan(remote_op="create", item=local.fetched.item)
        if remote.fetched is None:
            return Plan(forget=True)
        return Plan(local_op="create", item=remote.fetched.item)

    def _plan_new(self, seen, complete):
        new = {}
        for role in ROLES:
            fetched = seen[role][0]
            known = self.rows.known(role)
            fresh = {}
            ended_before, window_start = self.opt.ended_before, self.window.start
            for id_, got in fetched.items():
                if id_ in known:
                    continue
                if ended_before(got.item, window_start):
                    self.report.skipped_old += 1
                    continue
                fresh[id_] = got
            new[role] = fresh
        # Identities the new rows may take must be checked against rows not loaded yet (none
        # when every row is loaded: a complete listing).
        if self.rows.targeted:
            candidates = [got.identity for got in new["local"].values() if got.identity]
            for role in ROLES:
                candidates += ["%s:%s" % (self.sides.name(role), i) for i in new[role]]
            self.rows.more(identities=candidates + list(new["local"]))
        policy, skew = self.opt.policy, self.opt.clock_skew
        decisions = pair_new(new, self.rows, self.opt.match_key, policy, skew) if complete else []
        outgoing = {}  # new local id -> the identity its create will carry
        for id_ in sorted(new["local"]):
            got = new["local"][id_]
            if self.opt.may_export and not self.opt.may_export(got.item):
                self.report.skipped_filtered += 1
                continue
            outgoing[id_] = self.rows.identity_for(got.identity or id_, "local", id_)
        incoming = {
            id_: self.rows.identity_for(None, "remote", id_) for id_ in sorted(new["remote"])
        }
        if self.deferred:
            # An Exchange entry left unpaired may be the twin of an Odoo entry not read yet (by
            # content in a first sync, by the identity it carries in any run: an export whose
            # status a crash lost): it is imported once every Odoo entry has been read, never
            # doubled.
            incoming = {}
        if self.verify_creates:
            decisions += pair_by_identity(
                new, outgoing, incoming, self.sides, self.rows, policy, skew
            )
        self.report.matched += len(decisions) + len(self.rows.agreed)
        self.removals += copies.of_new_pairs(new, seen, self.rows, self.sides)
        for id_, identity in outgoing.items():
            if id_ in new["local"]:
                got = new["local"][id_]
                row = StatusRow(identity, local_id=id_)
                plan = Plan(remote_op="create", item=got.item)
                decisions.append(Decision(row, plan, local=Seen(CHANGED, got)))
        for id_, identity in incoming.items():
            if id_ in new["remote"]:
                got = new["remote"][id_]
                if got.item.activity_type is None and self.opt.classify:
                    got = typed(got, self.opt.classify(got.item))
                row = StatusRow(identity, remote_id=id_)
                plan = Plan(local_op="create", item=got.item)
                decisions.append(Decision(row, plan, remote=Seen(CHANGED, got)))
        return decisions

    def _adopt(self, seen):
        """A listed item carrying the identity of a known row is that row's item when the row
        is missing it: a pending create whose answer was lost (``find_by_identity`` normally
        finds it first), or an item that came back under a new id while its old id vanished
        (EWS gives an item a new ItemId when it is moved between folders). Re-pointing the row
        keeps the Odoo event instead of deleting and re-creating it."""
        unknown = []
        for role in ROLES:
            known = self.rows.known(role)
            unknown += [
                got.identity
                for id_, got in seen[role][0].items()
                if got.identity and id_ not in known
            ]
        self.rows.more(identities=unknown)
        for role in ROLES:
            fetched, gone = seen[role]
            known = self.rows.known(role)
            # Only items carrying an identity can be adopted (most new entries carry none).
            for id_, got in [(i, g) for i, g in fetched.items() if g.identity]:
                row = self.rows.get(got.identity)
                if id_ in known or row is None:
                    continue
                old_id = row.id_on(role)
                if old_id is not None and old_id not in gone:
                    # The original still exists: this is a copy of it (see copies.py).
                    if copies.is_extra_copy(got, row, fetched.get(old_id)):
                        del fetched[id_]
                        name = self.sides.name(role)
                        self.removals.append(copies.removal(role, name, id_, got))
                    continue
                if old_id is not None:
                    gone.discard(old_id)
                    self.rows.unindex(role, old_id)
                row.set_on(role, item_id=id_, version=got.version)
                row.recheck, row.verify_side = True, None
                self.rows.index(row)
                if row not in self.unsettled:
                    self.unsettled.append(row)
                self.rows.save([row])
