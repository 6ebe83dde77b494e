"""The deletion guard: a run stops instead of deleting too much of one side.

A failing server may answer "nothing" where there is a calendar; that must never wipe the other
side. A run stops, before doing anything, when it would delete more than ``deletion_limit`` of
the paired entries of a side (and at least ``deletion_min`` of them), or empty a side because
the other one read empty in a complete listing. Explicit deletions listed incrementally are
trusted below ``deletion_min``, so a user deleting their last two entries is not held up. The
administrator's confirmation (``force_deletions``) lets the run through.
"""

from ..errors import DeletionGuardTripped
from .sides import ROLES, other


def check_deletions(decisions, changes, total, name, limit, minimum):
    """Raise ``DeletionGuardTripped`` when ``decisions`` delete too much of one side.

    ``changes`` maps each role to its ``ChangeSet``, ``total(role)`` counts the paired entries
    of a side, ``name(role)`` names it; ``limit`` is the share and ``minimum`` the count of
    ``SyncOptions.deletion_limit`` / ``deletion_min``.
    """
    for role in ROLES:
        deleting = sum(1 for d in decisions if d.plan.op_on(role) == "delete")
        if not deleting:
            continue
        paired = total(role)
        emptied = changes[other(role)].complete and deleting >= paired
        too_many = deleting > limit * paired
        if emptied or (too_many and deleting >= minimum):
            raise DeletionGuardTripped(name(role), deleting, paired, limit)
