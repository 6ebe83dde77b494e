"""The deletions a run held back (``SyncReport.held``), kept as ``calendar.exchange.held.deletion``
records between runs, and the decisions people took on them, handed to the next run.

A held deletion is listed until it is decided and carried out, or until it is no longer one (the
entry was edited, or came back): each finished run replaces the list by what it held. A run that
stopped early (out of time, or failed) only adds to it: what it did not see is not undone.
"""

from datetime import datetime, time

from .mapper import naive_utc
from .odoo_side import parse_id

MODEL = "calendar.exchange.held.deletion"
SIDES = {"local": "odoo", "remote": "exchange"}


def decisions(mailbox, any_held=True):
    """``(held, confirmed, restored)``: frozensets of identities for ``SyncOptions``.
    ``any_held``: whether the mailbox has any (``MailboxState.has_held``); if not, nothing
    is read (most runs of most mailboxes hold nothing back)."""
    if not any_held:
        return frozenset(), frozenset(), frozenset()
    records = mailbox.env[MODEL].sudo().search([("mailbox_id", "=", mailbox.id)])
    by = {"wait": set(), "delete": set(), "restore": set()}
    for record in records:
        by[record.decision].add(record.identity)
    return frozenset(by["wait"]), frozenset(by["delete"]), frozenset(by["restore"])


def _naive(value):
    """A held entry's start as Odoo keeps datetimes (all-day entries: their first day)."""
    if value is None:
        return False
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    return naive_utc(value)


def remember(mailbox, report, finished, any_held=True):
    """Keep what ``report`` held back; a ``finished`` run also drops what it no longer held.
    Returns ``(how many are held back now, whether that list changed)``. ``any_held`` as for
    ``decisions``: none held before and none now is nothing to read or write."""
    if not any_held and not report.held:
        return 0, False
    Held = mailbox.env[MODEL].sudo()
    Event = mailbox.env["calendar.event"].sudo()
    existing = {r.identity: r for r in Held.search([("mailbox_id", "=", mailbox.id)])}
    before = set(existing)
    creates = []
    for held in report.held:
        values = {
            "side": SIDES[held.side],
            "subject": held.subject or False,
            "start": _naive(held.start),
            "private": held.private,
            "event_id": Event.browse(parse_id(held.item_id) or []).exists().id or False,
        }
        record = existing.pop(held.identity, None)
        if record is None:
            creates.append(dict(values, mailbox_id=mailbox.id, identity=held.identity))
        else:
            record.write(values)
    if creates:
        Held.create(creates)
    if finished:
        Held.browse([r.id for r in existing.values()]).unlink()
    # What is listed now: what this run held, and what it did not see if it stopped early.
    now = {held.identity for held in report.held} | (set() if finished else before)
    return len(now), now != before
