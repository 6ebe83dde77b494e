"""The ORM side of a protocol switch: a mailbox's pairs found again under their new ids.

A mailbox remembers which protocol its stored Exchange ids belong to (``remote_kind``: EWS or
Graph). When a run is about to use the other one (the company moved to Office 365, or a
hybrid mailbox arrived in Exchange Online), :func:`repair_if_moved` first re-pairs every
binding through :mod:`..sync.migration` (Graph's translateExchangeIds where it is offered,
then the Odoo identity every item created from Odoo carries, then the UID), in the run's own
transaction:

* a binding found keeps its row (identity, event, agreed content and history) with the new id,
  no known version and ``recheck``: the run reads the item and compares it with what was
  agreed, so only real changes travel, and nothing is created, deleted or sent;
* a binding whose item is not in the new mailbox is dropped; its Odoo entry then counts as
  new, and the run's initial matching (subject and times) pairs it with an entry of the new
  mailbox or writes it there, never deleting it from Odoo;
* the remote token is cleared: the first listing on the new protocol is a complete one.

One log line says what the move found. Moving back (Graph ids, EWS route) is not
re-paired: those pairs are dropped and initial matching pairs the entries again.
"""

from odoo import fields

from ..sync.graph import refind
from ..sync.migration import StoredPair, repair

EWS, GRAPH = "ews", "graph"


def stored_kind(mailbox, state):
    """The protocol of the ids a mailbox holds: recorded, else told by its token."""
    if state.remote_kind:  # as the lock query read it
        return state.remote_kind
    token = state.remote_token or ""
    if not token:
        return None
    return GRAPH if token.lstrip().startswith("{") else EWS


def repair_if_moved(run, side, kind):
    mailbox = run.mailbox
    before = stored_kind(mailbox, run.state)
    if before is None or before == kind:
        if run.state.remote_kind != kind:
            mailbox.remote_kind = run.state.remote_kind = kind
        return None
    bindings = mailbox.binding_ids.filtered("remote_id")
    pairs = [StoredPair(b.identity, b.remote_id, b.uid or None) for b in bindings]
    if not pairs:
        mailbox.write({"remote_token": False, "remote_kind": kind})
        run.state.remote_token = None
        return None
    if kind == GRAPH and pairs:
        translated = refind.translate_ids(side, [p.remote_id for p in pairs])
        result = repair(pairs, refind.listing(side), translated)
    else:
        result = repair(pairs, [])
    by_identity = {b.identity: b for b in bindings}
    for identity, remote in result.found.items():
        by_identity[identity].write(
            {"remote_id": remote.id, "remote_version": False, "recheck": True, "verify_side": False}
        )
    missing = mailbox.binding_ids.filtered(lambda b: b.identity in set(result.missing))
    missing.unlink()
    mailbox.write({"remote_token": False, "remote_kind": kind})
    run.state.remote_token = None
    _log(run, before, kind, result)
    return result


def _log(run, before, kind, result):
    names = {
        EWS: run.env._("Exchange Server (EWS)"),
        GRAPH: run.env._("Office 365 (Microsoft Graph)"),
    }
    message = run.env._(
        "The mailbox moved from %(before)s to %(after)s: %(found)s entries found again "
        "(%(translated)s by their translated id, %(identity)s by their Odoo identity, %(uid)s "
        "by their UID), %(missing)s not in the new mailbox.",
        before=names[before],
        after=names[kind],
        found=len(result.found),
        translated=result.translated,
        identity=result.by_identity,
        uid=result.by_uid,
        missing=len(result.missing),
    )
    run.env["calendar.exchange.log"].create(
        {
            "mailbox_id": run.mailbox.id,
            "user_id": run.user.id,
            "company_id": run.company_id,
            "started": fields.Datetime.now(),
            "state": "done",
            "matched": len(result.found),
            "message": message,
        }
    )
