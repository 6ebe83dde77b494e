"""Carrying out a run's plans in batches, and keeping the status rows truthful while doing so.

The rules that make a crash at any point harmless:

* a create is announced first: its status row is saved without the target id (pending) before
  the side is asked, so the next run looks the identity up instead of creating again;
* a row is marked agreed (new versions, new content hash) only once every write for it
  succeeded; if one failed the row keeps the previous agreement and gets ``recheck`` so the
  next run reads both sides again and decides afresh;
* a delete forgets its row only after the side confirmed it (or said the item was already gone).

Errors for one item are recorded in the report and do not stop the others; a ``mailbox_wide``
error propagates and ends the run.
"""

import dataclasses

from ..errors import ItemNotFound, SyncError
from ..report import ItemError
from .sides import OpResult

# Order of execution: creates first (they are announced), deletes last (the guard already ran).
_ORDER = (
    ("remote", "create"),
    ("local", "create"),
    ("remote", "update"),
    ("local", "update"),
    ("remote", "delete"),
    ("local", "delete"),
)


@dataclasses.dataclass
class _Job:
    row: object  # sides.StatusRow
    plan: object  # decisions.Plan
    local: object  # decisions.Seen or None
    remote: object
    left: int = 0  # writes still to hear from
    failed: bool = False
    results: dict = dataclasses.field(default_factory=dict)  # role -> Remote
    subject: str = ""  # for the log, when the plan carries no item (deletes)

    def seen(self, role):
        return self.local if role == "local" else self.remote

    def version(self, role):
        """The version a write on ``role`` must name: what we read this run, else the agreed."""
        seen = self.seen(role)
        if seen is not None and seen.fetched is not None:
            return seen.fetched.version
        return getattr(self.row, role + "_version")


class Applier:
    """Applies ``(row, plan, local_seen, remote_seen)`` tuples for one ``engine._Run``."""

    def __init__(self, run, plans):
        self.run = run
        self.status = run.e.status
        self.report = run.report
        self.jobs = [
            _Job(row, plan, local, remote, plan.writes) for row, plan, local, remote in plans
        ]
        self.settled = []  # rows read again this run, to unflag once the tokens are stored
        self.created = []  # (row, side created on) of this run's creates

    def apply(self):
        quiet = [job for job in self.jobs if not job.left]
        self._settle(quiet)
        self._announce([j for j in self.jobs if "create" in (j.plan.local_op, j.plan.remote_op)])
        for role, action in _ORDER:
            jobs = [j for j in self.jobs if getattr(j.plan, role + "_op") == action]
            # A merge whose first write failed does not write the other side: the next run
            # decides again from both sides anyway.
            skipped = [j for j in jobs if j.failed]
            for job in skipped:
                job.left -= 1
            self._settle([j for j in skipped if not j.left])
            jobs = [j for j in jobs if not j.failed]
            for batch in self.run.batches(role, jobs):
                if self.run.out_of_time():
                    self.report.unfinished = True
                    return
                if action == "delete":
                    self._name_deleted(role, batch)
                self._execute(role, action, batch)

    # -- bookkeeping --------------------------------------------------------------------

    def _settle(self, jobs):
        """Record the outcome of jobs whose writes are all done (or that needed none)."""
        save, forget = [], []
        for job in jobs:
            row, plan = job.row, job.plan
            if job.failed:
                row.recheck, row.verify_side = True, None
                save.append(row)
                continue
            if plan.conflicts:
                self.report.conflicts += 1
            if plan.forget:
                forget.append(row.identity)
                self.run.rows.pop(row.identity, None)
                continue
            for role in ("local", "remote"):
                if role in job.results:
                    setattr(row, role + "_id", job.results[role].id)
                    setattr(row, role + "_version", job.results[role].version)
                else:
                    seen = job.seen(role)
                    if seen is not None and seen.fetched is not None:
                        setattr(row, role + "_version", seen.fetched.version)
                seen = job.seen(role)
                if seen is not None and seen.fetched is not None:
                    setattr(row, role + "_modified", seen.fetched.last_modified)
                    if seen.fetched.uid:
                        row.uid = seen.fetched.uid
            if plan.item is not None:
                row.item_hash = plan.item.content_hash()
                row.field_hashes = plan.item.field_hashes()
            # A pair created now is read again next run: the token this run stores was taken
            # before the create, and a delta from it may never report the entry's deletion
            # (created and deleted since the token: Graph and EWS both stay silent). For the
            # same reason a flag set earlier is only cleared once this run's tokens are stored
            # (``release``): until a token newer than the create is kept, keep reading.
            if "create" in (plan.local_op, plan.remote_op):
                # Both sides are read again unless this run's tokens get stored (``release``):
                # an older stored token may predate the source entry as well.
                row.recheck, row.verify_side = True, None
                self.created.append((row, "remote" if plan.remote_op == "create" else "local"))
            elif row.recheck:
                self.settled.append(row)
            self.run.rows[row.identity] = row
            save.append(row)
        if save:
            self.status.save(save)
        if forget:
            self.status.remove(forget)

    def release(self):
        """Called once the run's tokens are stored (a crash before leaves every flag set, so
        both sides are read once more): clear ``recheck`` on the rows this run read again and
        settled, and narrow the check of this run's creates to the side created on (the
        stored token of the other side is newer than its entry)."""
        for row in self.settled:
            row.recheck, row.verify_side = False, None
        for row, side in self.created:
            row.verify_side = side
        rows = self.settled + [row for row, _ in self.created]
        if rows:
            self.status.save(rows)

    def _announce(self, jobs):
        """Save the rows of upcoming creates as pending, before any create is sent."""
        for job in jobs:
            row, plan = job.row, job.plan
            target = "remote" if plan.remote_op == "create" else "local"
            source = "local" if target == "remote" else "remote"
            old_id = getattr(row, target + "_id")
            if old_id is not None:  # recreate after a delete: the old id is gone for good
                self.run.index[target].pop(old_id, None)
            setattr(row, target + "_id", None)
            setattr(row, target + "_version", None)
            seen = job.seen(source)
            if seen is not None and seen.fetched is not None:
                setattr(row, source + "_version", seen.fetched.version)
            row.item_hash = plan.item.content_hash()
            row.field_hashes = plan.item.field_hashes()
            row.recheck = False
            self.run.rows[row.identity] = row
        if jobs:
            self.status.save([job.row for job in jobs])

    # -- operations ---------------------------------------------------------------------

    def _execute(self, role, action, jobs):
        side = self.run.sides[role]
        if action == "create":
            args = [(job.row.identity, job.plan.item) for job in jobs]
        elif action == "update":
            args = [(self._id(job, role), job.version(role), job.plan.item) for job in jobs]
        else:
            args = [(self._id(job, role), job.version(role)) for job in jobs]
        results = self._call(side, action, args)
        finished = []
        for job, result in zip(jobs, results, strict=True):
            already_gone = action == "delete" and isinstance(result.error, ItemNotFound)
            if result.ok or already_gone:
                if result.remote is not None and action != "delete":
                    job.results[role] = result.remote
                item_id = result.remote.id if result.remote else self._id(job, role)
                subject = self._subject(job, role)
                self.report.record(role, action, item_id, job.row.identity, subject)
            else:
                job.failed = True
                self.report.errors.append(self._error(job, role, action, result.error))
            job.left -= 1
            if not job.left:
                finished.append(job)
        self._settle(finished)

    @staticmethod
    def _id(job, role):
        return getattr(job.row, role + "_id")

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
        unread = [j for j in jobs if j.seen(role) is None or j.seen(role).fetched is None]
        if not unread:
            return
        try:
            found = self.run.sides[role].fetch([self._id(j, role) for j in unread])
        except SyncError as error:
            if error.mailbox_wide:
                raise
            return  # only the log's wording is at stake
        for job in unread:
            got = found.get(self._id(job, role))
            job.subject = got.item.subject if got is not None else ""

    @staticmethod
    def _subject(job, role):
        if job.subject:
            return job.subject
        item = job.plan.item
        if item is None:
            seen = job.seen(role)
            item = seen.fetched.item if seen is not None and seen.fetched else None
        return item.subject if item is not None else ""

    def _error(self, job, role, action, error):
        return ItemError(
            side=role,
            action=action,
            error=error or SyncError("The operation failed without saying why."),
            item_id=self._id(job, role),
            identity=job.row.identity,
            subject=self._subject(job, role),
        )
