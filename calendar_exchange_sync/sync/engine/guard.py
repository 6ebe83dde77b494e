"""The deletion guard: a run stops instead of deleting too much of one side.

A failing server may answer "nothing" where there is a calendar; that must never wipe the other
side. A run stops, before doing anything, when it would delete more than ``deletion_limit`` of
the paired entries of a side (and at least ``deletion_min`` of them), or empty a side because
the other one read empty in a complete listing. Explicit deletions listed incrementally are
trusted below ``deletion_min``, so a user deleting their last two entries is not held up. The
administrator's confirmation (``force_deletions``) lets the run through.
"""

from ..errors import DeletionGuardTripped


def check_deletions(run, plans, changes):
    """Raise ``DeletionGuardTripped`` when the plans of an ``engine._Run`` delete too much."""
    if run.force:
        return
    for role, other in (("local", "remote"), ("remote", "local")):
        deleting = sum(1 for _, plan, _, _ in plans if getattr(plan, role + "_op") == "delete")
        if not deleting:
            continue
        total = run.total(role)
        emptied = changes[other].complete and deleting >= total
        too_many = deleting > run.opt.deletion_limit * total
        if emptied or (too_many and deleting >= run.opt.deletion_min):
            raise DeletionGuardTripped(
                run.sides[role].name, deleting, total, run.opt.deletion_limit
            )
