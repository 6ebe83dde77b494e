"""Which Odoo event a meeting read from a mailbox is: one meeting is one Odoo event, and only
what the meeting's own invitations prove may join a mailbox's owner to an event.

Every copy of a meeting carries the meeting's UID, and so can anything anybody sends: a UID is
no key to an event. The rules, for an item with UID ``U`` read from the mailbox of ``owner``:

1. The owner already takes part in an event with UID ``U`` (of their company): that event.
2. The meeting's organizer synchronises a mailbox here: only that mailbox proves the meeting.
   An attendee's copy read before it becomes the attendee's own received entry; once the
   organizer's mailbox has brought the meeting in (or Odoo wrote it there) and it lists the
   attendee, the attendee's next run moves their entry onto the organizer's event and drops
   the duplicate (``converge``), without anything being written to Exchange.
3. A meeting whose organizer synchronises nothing here (an outside address, or a colleague
   without sync) that reaches two synced users becomes one event when both invitations say
   so: an event with UID ``U`` that another user received from the same organizer, whose
   invitation lists this owner, while this owner's invitation lists them, with the same start
   and end, neither of them private or confidential. The owner then joins it as an attendee.
   Whoever can send in that organizer's name to both can make them share the event, as their
   invitations already say they do; what they share is the meeting as it was sent to both,
   never an entry only one of them could see.
"""

from odoo.fields import Command

from .addresses import normalize, partner_address, users_by_mailbox
from .mapper import as_utc
from .ownership import RECEIVED, answer_of, copy_kind, organizer_of, takes_part

EVENT, SERIES = "calendar.event", "calendar.recurrence"


def _unit(event):
    return event.recurrence_id or event


def _events(unit):
    return unit.calendar_event_ids if unit._name == SERIES else unit


def twin(side, uid, item=None):
    """The event (or series) an incoming item with ``uid`` is, for ``side`` (an OdooSide)."""
    if not uid:
        return None
    company = side.user.company_id
    found = side.Event.search([("exchange_uid", "=", uid), ("active", "=", True)])
    found = found.filtered(lambda e: (e.user_id.company_id or company) == company)
    # Declined included: a meeting sent again to somebody who declined it is theirs again.
    mine = found.filtered(lambda e: takes_part(e, side.user, side.mailbox))
    if mine:
        return _unit(mine[0])
    if item is not None:
        shared = _shared_outside_meeting(side, found, item)
        if shared:
            _join(side, shared)
            return shared
    return None


def uids_in_use(side, uids):
    """Which of ``uids`` an active Odoo event carries, in one query: for any other UID
    ``twin`` finds nothing (no event has it), so a batch of new entries asks only of these."""
    uids = sorted({uid for uid in uids if uid})
    if not uids:
        return set()
    groups = side.Event._read_group(
        [("exchange_uid", "in", uids), ("active", "=", True)], ["exchange_uid"]
    )
    return {uid for (uid,) in groups}


def _shared_outside_meeting(side, found, item):
    """Rule 3 of the module docstring: the event this owner joins, or None."""
    organizer = normalize(item.organizer)
    if not organizer or organizer == side.mailbox or item.privacy != "public":
        return None
    if item.recurrence is not None or users_by_mailbox(side.env, [organizer]):
        return None  # a series, or an organizer whose own mailbox speaks for the meeting
    listed = {a.email for a in item.attendees}
    for event in found:
        other = event.user_id
        if event.recurrence_id or not other or other == side.user:
            continue
        if normalize(organizer_of(event)) != organizer:
            continue
        if copy_kind(event, other, other.exchange_mailbox or "") != RECEIVED:
            continue
        if event.privacy not in (False, "public") or event.effective_privacy != "public":
            continue
        if other.exchange_mailbox not in listed:
            continue  # this owner's invitation does not name the other user
        if side.mailbox not in {partner_address(p) for p in event.partner_ids}:
            continue  # the other user's invitation does not name this owner
        start, end = _times(event)
        if (start, end) != (item.start, item.end):
            continue
        return event
    return None


def _times(event):
    if event.allday:
        from ..sync.items import exclusive_end

        return event.start_date, exclusive_end(event.stop_date)
    return as_utc(event.start), as_utc(event.stop)


def _join(side, event):
    """The owner takes their own place in the event, instead of the contact that named them."""
    named = event.partner_ids.filtered(
        lambda p: not p.user_ids and partner_address(p) == side.mailbox
    )
    commands = [Command.unlink(p.id) for p in named]
    commands.append(Command.link(side.user.partner_id.id))
    event.write({"partner_ids": commands})


# -- rule 2: an attendee's entry moves onto the organizer's event --------------------------

CONVERGE_QUERY = """
    WITH received AS MATERIALIZED (
        -- The user's copies of somebody else's meeting first (few, found by the user's
        -- events): started from the meetings instead, the planner looked up every event of
        -- the database by its UID, on every cron pass (the lock query asks this).
        SELECT r.id, r.exchange_uid, r.recurrence_id,
               COALESCE(rs.exchange_organizer, r.exchange_organizer) AS organizer
          FROM calendar_event r
          LEFT JOIN calendar_recurrence rs ON rs.id = r.recurrence_id
         WHERE r.user_id = %(user)s AND r.active AND r.exchange_uid IS NOT NULL
           AND COALESCE(rs.exchange_organizer, r.exchange_organizer) IS NOT NULL
    )
    SELECT DISTINCT r.id, o.id
      FROM received r
      JOIN calendar_event o ON o.exchange_uid = r.exchange_uid AND o.id <> r.id AND o.active
      LEFT JOIN calendar_recurrence os ON os.id = o.recurrence_id
      JOIN res_users ou ON ou.id = o.user_id AND lower(ou.exchange_mailbox) = r.organizer
      JOIN calendar_event_res_partner_rel p
        ON p.calendar_event_id = o.id AND p.res_partner_id = %(partner)s
     WHERE COALESCE(os.exchange_organizer, o.exchange_organizer) IS NULL
       AND (r.recurrence_id IS NULL OR r.recurrence_id IS DISTINCT FROM o.recurrence_id)
"""


def record_id(column, model):
    """SQL: the id a "model,ID" text column names, as a number for the table's primary key
    index, or NULL for any other text. Plain string functions: a regular expression per
    binding cost more than the whole look-up."""
    prefix = model + ","
    n = len(prefix)
    return (
        f"CASE WHEN left({column}, {n}) = '{prefix}' AND length({column}) BETWEEN {n + 1}"
        f" AND {n + 18} AND substr({column}, {n + 1}, 1) <> '0'"
        f" AND ltrim(substr({column}, {n + 1}), '0123456789') = ''"
        f" THEN substr({column}, {n + 1})::bigint END"
    )


# The Odoo listing asks this of the entries that left the calendar (``odoo_listing``), and the
# run re-points them (``repoint_orphans``) before the engine could take them for deletions.
# Each binding's Odoo entry is found by its id (the text made of every event's id instead would
# read the whole event table, seconds for a large database).
ORPHANS_QUERY = """
    SELECT b.id, b.uid, b.local_id
      FROM calendar_exchange_binding b
     WHERE b.mailbox_id = %%(mailbox)s AND b.uid IS NOT NULL AND b.local_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM calendar_event e WHERE e.id = %s AND e.active)
       AND NOT EXISTS (SELECT 1 FROM calendar_recurrence s WHERE s.id = %s)
""" % (record_id("b.local_id", EVENT), record_id("b.local_id", SERIES))


def converge(side, mailbox_record, due=True):
    """Before a run of ``side``'s mailbox: move its entries onto the meetings they are copies
    of (rule 2). Only this mailbox's own bindings are touched. Returns the number of entries
    moved. ``due``: False when the lock query found no entry to move
    (``MailboxState.needs_converge``). Entries whose Odoo event another run merged away are
    re-pointed when the listing finds them (``OdooSide.list_changes``)."""
    if not due:
        return 0
    env = side.env
    env.flush_all()
    env.cr.execute(CONVERGE_QUERY, {"user": side.user_id, "partner": side.partner_id})
    pairs = env.cr.fetchall()
    Binding = env["calendar.exchange.binding"].sudo()
    moved, done = 0, set()
    for received_id, organizers_id in pairs:
        received, meeting = (_unit(e) for e in side.Event.browse([received_id, organizers_id]))
        if (received._name, received.id) in done or received._name != meeting._name:
            continue  # a series meets a series, a single entry a single entry
        done.add((received._name, received.id))
        mine = answer_of(_events(received)[:1], side.user)
        if mine.state and mine.state != "needsAction":
            side.inbound.set_own_response(_events(meeting), _answer(mine.state))
        bindings = Binding.search(
            [
                ("mailbox_id", "=", mailbox_record.id),
                ("local_id", "=", "%s,%d" % (received._name, received.id)),
            ]
        )
        _repoint(bindings, meeting, side)
        if received._name == SERIES:
            side.series.delete(received)
        else:
            received.unlink()
        moved += len(bindings)
    return moved


def repoint_orphans(side, orphans):
    """Bindings (id, UID) whose Odoo entry is gone: each moves onto the active event that
    carries its UID, if any (another mailbox's run merged its entry into that meeting).
    Returns how many moved."""
    Binding = side.env["calendar.exchange.binding"].sudo()
    moved = 0
    for binding_id, uid in orphans:
        meeting = twin(side, uid)
        if meeting:
            _repoint(Binding.browse(binding_id), meeting)
            moved += 1
    return moved


def _answer(state):
    from .mapper import RESPONSE_TO_ITEM

    return RESPONSE_TO_ITEM.get(state, "none")


def _repoint(bindings, unit, side=None):
    """The bindings now pair their Exchange entry with ``unit``: read both sides next run.

    With ``side`` (an attendee's received entry moved onto the organizer's meeting), the
    meeting as this mailbox sees it now is the agreed content, so that only what happened in
    Exchange since travels: an entry the attendee deleted before the organizer's mailbox
    proved the meeting is a copy removed (they decline), never an entry to write again.
    Without it (Odoo rewrote the event), the old agreement stays: Odoo's change goes out.
    """
    if not bindings:
        return
    target = "%s,%d" % (unit._name, unit.id)
    values = {
        "local_id": target,
        "local_version": False,
        "event_id": unit.id if unit._name == EVENT else False,
        "recheck": True,
        "verify_side": False,
    }
    got = side.fetch([target]).get(target) if side is not None else None
    if got is not None:
        values.update(
            local_version=got.version,
            item_hash=got.item.content_hash(),
            field_hashes=got.item.field_hashes(),
        )
    bindings.write(values)
