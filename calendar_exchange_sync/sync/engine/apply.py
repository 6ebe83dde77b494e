"""Carrying out a run's plans in batches, and keeping the status rows truthful while doing so.

The rules that make a crash at any point harmless:

* a create is announced first: its status row is saved without the target id (pending) before
  the side is asked, so the next run looks the identity up instead of creating again (not on
  a side that ``writes_with_status``: a crash undoes its creates with their rows);
* a row is marked agreed (new versions, new content hash) only once every write for it
  succeeded; if one failed the row keeps the previous agreement and gets ``recheck`` so the
  next run reads both sides again and decides afresh;
* a delete forgets its row only after the side confirmed it (or said the item was already gone).

Errors for one item are recorded in the report and do not stop the others; a ``mailbox_wide``
error propagates and ends the run, also when a side answers one for an item of a batch (a
throttled ``$batch`` member): the batch's other results are recorded first.

Between two batches the run stops when its time is up, and the status store may make what was
saved durable (``checkpoint``: the Odoo store commits, in the cron), so that a large mailbox
is synchronised over several runs, each carrying on where the last one stopped.
"""

import dataclasses

from ..errors import ItemNotFound, SyncError
from ..report import ItemError
from .sides import OpResult, other

# Order of execution: creates first (they are announced), deletes last (the guard already ran).
_ORDER = (
    ("remote", "create"),
    ("local", "create"),
    ("remote", "update"),
    ("local", "update"),
    ("remote", "delete"),
    ("local", "delete"),
)


@dataclasses.dataclass(slots=True)
class _Job:
    """A ``Decision`` being carried out: the writes still to hear from and their outcome."""

    decision: object  # decisions.Decision
    left: int = 0  # writes still to hear from
    failed: bool = False
    results: dict | None = None  # role -> Remote, once a write answered
    subject: str = ""  # for the log, when the plan carries no item (deletes)

    @property
    def row(self):
        return self.decision.row

    @property
    def plan(self):
        return self.decision.plan

    def fetched_on(self, role):
        return self.decision.fetched_on(role)

    def version(self, role):
        """The version a write on ``role`` must name: what we read this run, else the agreed."""
        fetched = self.fetched_on(role)
        return fetched.version if fetched is not None else self.row.version_on(role)


class Applier:
    """Carries out one run's ``Decision`` list.

    ``sides`` is the run's ``SidePair`` (the two sides and their batching), ``rows`` its
    ``RunRows`` (the status rows and their store), ``report`` the run's ``SyncReport`` and
    ``out_of_time()`` says when the run's time budget is spent (checked between batches).
    """

    def __init__(self, decisions, sides, rows, report, out_of_time):
        self.sides = sides
        self.rows = rows
        self.report = report
        self.out_of_time = out_of_time
        # Decisions with nothing to write (most of an initial pairing) are settled as they
        # are, without a job each.
        self.quiet = [decision for decision in decisions if not decision.plan.writes]
        self.jobs = [
            _Job(decision, decision.plan.writes) for decision in decisions if decision.plan.writes
        ]
        self.written = 0  # batches of writes sent so far
        self.settled = []  # rows read again this run, to unflag once the tokens are stored
        self.created = []  # (row, side created on) of this run's creates

    def apply(self):
        quiet, self.quiet = self.quiet, None
        # Rows already settled without a decision (see ``RunRows.agreed``) are saved with
        # the quiet decisions, in the same call.
        agreed, self.rows.agreed = self.rows.agreed, []
        self._settle(quiet, agreed)
        del quiet, agreed
        by_op = {}  # (role, action) -> jobs, in decision order
        for job in self.jobs:
            plan = job.plan
            if plan.local_op is not None:
                by_op.setdefault(("local", plan.local_op), []).append(job)
            if plan.remote_op is not None:
                by_op.setdefault(("remote", plan.remote_op), []).append(job)
        for role, action in _ORDER:
            jobs = by_op.get((role, action), [])
            # A merge whose first write failed does not write the other side: the next run
            # decides again from both sides anyway.
            skipped = [j for j in jobs if j.failed]
            for job in skipped:
                job.left -= 1
            self._settle([j for j in skipped if not j.left])
            jobs = [j for j in jobs if not j.failed]
            side = self.sides[role]
            for batch in self.sides.batches(role, jobs):
                # At least one batch per run: reading a large mailbox may take longer than
                # the budget, and a run must still move the work on.
                if self.written and self.out_of_time():
                    self.report.unfinished = True
                    return
                self.written += 1
                if action == "create":
                    # Announced batch by batch, each made durable before it is sent: a run
                    # that stops at its budget leaves at most one batch for the next run to
                    # look up in Exchange, not every create it planned. A side that writes in
                    # the status store's transaction needs no announcing: a crash undoes its
                    # creates with their rows, which are saved once, with the results.
                    announce = not getattr(side, "writes_with_status", False)
                    self._announce(batch, save=announce)
                    if announce and not self._checkpoint():
                        return
                if action == "delete":
                    self._name_deleted(role, batch)
                self._execute(role, action, batch)
                if not self._checkpoint():
                    return

    def _checkpoint(self):
        """Let the store make the saved rows durable; False (the store says to stop) leaves
        the run unfinished, as when its time is up."""
        if self.rows.checkpoint():
            return True
        self.report.unfinished = True
        return False

    # -- bookkeeping --------------------------------------------------------------------

    def _settle(self, jobs, agreed=()):
        """Record the outcome of jobs whose writes are all done, or of decisions that needed
        none (``jobs`` holds ``_Job``s or, for those, the ``Decision``s themselves); the rows
        ``agreed`` are saved after them, in the same call (they need no settling, and are
        flagged ``recheck`` as every new pair is)."""
        save, forget = [], []
        for job in jobs:
            if type(job) is _Job:
                decision, failed, results = job.decision, job.failed, job.results or {}
            else:
                decision, failed, results = job, False, {}
            row, plan = decision.row, decision.plan
            if failed:
                row.recheck, row.verify_side = True, None
                save.append(row)
                continue
            if plan.conflicts:
                self.report.conflicts += 1
            if plan.forget:
                forget.append(row.identity)
                self.rows.drop(row.identity)
                continue
            # Spelled out (not fetched_on per role): an initial pairing settles every pair here.
            for role, seen in (("local", decision.local), ("remote", decision.remote)):
                fetched = None if seen is None else seen.fetched
                written = results.get(role) if results else None
                if written is not None:
                    row.set_on(role, item_id=written.id, version=written.version)
                    if fetched is not None:
                        row.set_on(role, modified=fetched.last_modified)
                elif fetched is not None:
                    row.set_on(role, version=fetched.version, modified=fetched.last_modified)
                if fetched is not None and fetched.uid:
                    row.uid = fetched.uid
            if plan.item is not None:
                row.agree(plan.item)
            # A pair created now is read again next run: the token this run stores was taken
            # before the create, and a delta from it may never report the entry's deletion
            # (created and deleted since the token: Graph and EWS both stay silent). For the
            # same reason a flag set earlier is only cleared once this run's tokens are stored
            # (``release``): until a token newer than the create is kept, keep reading.
            if plan.creates_on:
                # Both sides are read again unless this run's tokens get stored (``release``):
                # an older stored token may predate the source entry as well.
                row.recheck, row.verify_side = True, None
                self.created.append((row, plan.creates_on))
            elif row.recheck:
                self.settled.append(row)
            self.rows.put(row)
            save.append(row)
        if agreed:
            self.settled += agreed
            save += agreed
        if save:
            self.rows.save(save)
        if forget:
            self.rows.remove(forget)

    def release(self):
        """Called once the run's tokens are stored (a crash before leaves every flag set, so
        both sides are read once more): clear ``recheck`` on the rows this run read again and
        settled, and narrow the check of this run's creates to the side created on (the
        stored token of the other side is newer than its entry), or settle them outright when
        that side ``lists_every_removal`` (its next listing tells a deletion the token would
        not, so reading the entry again proves nothing more)."""
        for row in self.settled:
            row.recheck, row.verify_side = False, None
        for row, side in self.created:
            if getattr(self.sides[side], "lists_every_removal", False):
                # Its next listing names the entry if it goes or changes: nothing to verify.
                row.recheck, row.verify_side = False, None
            else:
                row.verify_side = side
        rows = self.settled + [row for row, _ in self.created]
        if rows:
            self.rows.save(rows)

    def _announce(self, jobs, save=True):
        """Mark the rows of upcoming creates pending, and (``save``) save them so before any
        create is sent."""
        for job in jobs:
            row, plan = job.row, job.plan
            target = plan.creates_on
            source = other(target)
            old_id = row.id_on(target)
            if old_id is not None:  # recreate after a delete: the old id is gone for good
                self.rows.unindex(target, old_id)
            row.set_on(target, item_id=None, version=None)
            fetched = job.fetched_on(source)
            if fetched is not None:
                row.set_on(source, version=fetched.version)
            row.agree(plan.item)
            row.recheck = False
            self.rows.put(row)
        if jobs and save:
            self.rows.save([job.row for job in jobs])

    # -- operations ---------------------------------------------------------------------

    def _execute(self, role, action, jobs):
        side = self.sides[role]
        if action == "create":
            args = [(job.row.identity, job.plan.item) for job in jobs]
        elif action == "update":
            args = [(job.row.id_on(role), job.version(role), job.plan.item) for job in jobs]
        else:
            args = [(job.row.id_on(role), job.version(role)) for job in jobs]
        results = self._call(side, action, args)
        finished = []
        for job, result in zip(jobs, results, strict=True):
            already_gone = action == "delete" and isinstance(result.error, ItemNotFound)
            if result.ok or already_gone:
                if result.remote is not None and action != "delete":
                    if job.results is None:
                        job.results = {}
                    job.results[role] = result.remote
                item_id = result.remote.id if result.remote else job.row.id_on(role)
                subject = self._subject(job, role)
                self.report.record(role, action, item_id, job.row.identity, subject)
            else:
                job.failed = True
                if not getattr(result.error, "mailbox_wide", False):
                    self.report.errors.append(self._error(job, role, action, result.error))
            job.left -= 1
            if not job.left:
                finished.append(job)
        self._settle(finished)
        # An error of the whole mailbox among the answers (Graph throttles members of a
        # $batch one by one): this batch is recorded, the run ends here.
        for result in results:
            if not result.ok and getattr(result.error, "mailbox_wide", False):
                raise result.error

    @staticmethod
    def _call(side, action, args):
        try:
            results = list(getattr(side, action)(args))
        except SyncError as error:
            if error.mailbox_wide:
                raise
            results = [OpResult.failure(error)] * len(args)
        if len(results) != len(args):
            raise SyncError(
                "The %s side answered %d results to a %s of %d items."
                % (side.name, len(results), action, len(args))
            )
        for result in results:
            if result.ok and action != "delete" and result.remote is None:
                raise SyncError("The %s side did not say which item it wrote." % side.name)
        return results

    def _name_deleted(self, role, jobs):
        """Read what is about to be deleted, only to name it in the log. The delete itself
        still names the agreed version, so an edit made meanwhile makes it fail (and the next
        run brings the entry back): the fresh read never licenses deleting newer content."""
        unread = [j for j in jobs if j.fetched_on(role) is None]
        if not unread:
            return
        try:
            found = self.sides[role].fetch([j.row.id_on(role) for j in unread])
        except SyncError as error:
            if error.mailbox_wide:
                raise
            return  # only the log's wording is at stake
        for job in unread:
            got = found.get(job.row.id_on(role))
            job.subject = got.item.subject if got is not None else ""

    @staticmethod
    def _subject(job, role):
        if job.subject:
            return job.subject
        item = job.plan.item
        if item is None:
            fetched = job.fetched_on(role)
            item = fetched.item if fetched is not None else None
        return item.subject if item is not None else ""

    def _error(self, job, role, action, error):
        return ItemError(
            side=role,
            action=action,
            error=error or SyncError("The operation failed without saying why."),
            item_id=job.row.id_on(role),
            identity=job.row.identity,
            subject=self._subject(job, role),
        )
