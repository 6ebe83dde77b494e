"""Writing a series' exceptions and deleted occurrences through Graph, after its master.

Graph has no "exceptions" field: a modified occurrence is an instance PATCHed on its own, a
deleted one is an instance DELETEd. Instances are found through ``/instances`` and matched by
their ORIGINAL start (never by position), then written in ``$batch`` groups, and the master is
read once more because each instance write gives the series a new version (etag).

For all the series of one engine batch together: one round of ``/instances`` reads, one round
of instance writes, one round of master reads, so the number of requests grows with the number
of instance writes / 20, not with the number of series.
"""

from .. import errors, expansion
from ..engine import OpResult, Remote
from . import mapping as gm


class SeriesWriter:
    """Writes the occurrences of the series a ``GraphSide`` created or updated in one batch.

    Uses the side's ``client``, ``user``, ``mailbox`` and ``instances()``.
    """

    def __init__(self, side):
        self.side = side
        self.jobs = []  # (result index, master id, wanted item, current item or None)

    def add(self, index, master_id, item, current, created=False):
        """Queue a series; ``current`` is its content as last read (None: not read)."""
        wanted = item.recurrence
        known = current.recurrence if current is not None else None
        # Without a fresh read of an existing series we cannot know which exceptions Exchange
        # holds, so the instances are listed to set each one right.
        unknown = current is None and not created
        special = (
            wanted.exceptions or wanted.deleted or (known and (known.exceptions or known.deleted))
        )
        if unknown or special:
            self.jobs.append((index, master_id, item, current))

    def run(self):
        """{result index: OpResult} for the series that needed instance writes."""
        if not self.jobs:
            return {}
        side = self.side
        instances = side.instances(
            [m for _, m, _, _ in self.jobs],
            {m: gm.to_event(i) | {"type": "seriesMaster"} for _, m, i, _ in self.jobs},
        )
        members, owners, failures = [], [], {}
        for index, master_id, item, _current in self.jobs:
            listed, horizon = instances.get(master_id, ([], None))
            try:
                writes = self._writes(item, listed, horizon)
            except errors.SyncError as exc:
                failures[index] = exc
                continue
            members.extend(writes)
            owners.extend([index] * len(writes))
        answers = side.client.batch(members, mailbox=side.mailbox) if members else []
        for index, (status, _headers, body) in zip(owners, answers, strict=True):
            if status >= 400 and status != 404 and index not in failures:
                failures[index] = side.client.error(status, body, side.mailbox)
        reads = [
            {"method": "GET", "url": "%s/events/%s" % (side.user, master_id)}
            for _, master_id, _, _ in self.jobs
        ]
        answers = side.client.batch(reads, mailbox=side.mailbox)
        results = {}
        for (index, master_id, _, _), (status, _headers, body) in zip(
            self.jobs, answers, strict=True
        ):
            if index in failures:
                results[index] = OpResult.failure(failures[index])
            elif status >= 400:
                results[index] = OpResult.failure(side.client.error(status, body, side.mailbox))
            else:
                results[index] = OpResult.success(Remote(master_id, body.get("@odata.etag", "")))
        return results

    def _writes(self, item, instances, horizon):
        """PATCH/DELETE members that turn the listed instances into what ``item`` wants."""
        by_key = {}
        for inst in instances:
            original = gm.parse_stamp(inst.get("originalStart"))
            if original is not None:
                by_key[expansion.occurrence_key(original, item.all_day, item.timezone)] = inst
        rec, user = item.recurrence, self.side.user
        members, wanted_keys = [], set()
        # Graph can delete an occurrence but never bring one back: say so instead of
        # reporting success while Exchange keeps it deleted.
        expected = expansion.occurrences(rec.rrule, item.start, item.timezone, (None, horizon))
        lost = [k for k in expected if k not in by_key and k not in rec.deleted]
        if lost:
            raise errors.PermanentError(
                "The occurrence of '%s' on %s was deleted in Exchange and Microsoft Graph "
                "cannot restore it; delete the series and create it again to get it back."
                % (item.subject, lost[0]),
                mailbox=self.side.mailbox,
            )
        for exception in rec.exceptions:
            inst = by_key.get(exception.original_start)
            if inst is None:
                raise errors.PermanentError(
                    "The series '%s' has no occurrence at %s to modify in Exchange."
                    % (item.subject, exception.original_start),
                    mailbox=self.side.mailbox,
                )
            wanted_keys.add(exception.original_start)
            body = gm.occurrence_body(exception.item, item.activity_type)
            members.append({"method": "PATCH", "url": "%s/events/%s" % (user, inst["id"]),
                            "body": body})  # fmt: skip
        for key in rec.deleted:
            inst = by_key.get(key)
            if inst is not None:
                members.append({"method": "DELETE", "url": "%s/events/%s" % (user, inst["id"])})
        # Exceptions Exchange has but the item no longer wants go back to the series' values.
        for key, inst in by_key.items():
            if inst.get("type") != "exception" or key in wanted_keys or key in rec.deleted:
                continue
            body = gm.occurrence_body(item.occurrence_at(key), item.activity_type)
            members.append({"method": "PATCH", "url": "%s/events/%s" % (user, inst["id"]),
                            "body": body})  # fmt: skip
        return members
