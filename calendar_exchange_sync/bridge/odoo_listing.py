"""How the Odoo side lists one user's calendar for the engine: one query, cheap when quiet.

The token is a write-date cursor early enough that no edit committed later by a transaction
already begun is skipped: the start of the oldest transaction open when the cron's pass began
(``written_floor``), or, when PostgreSQL cannot tell it, a margin before the run's transaction
began. The query leaves out the entries since the cursor whose version the mailbox's binding
already agreed on (a settled binding: both ids, no recheck): for the engine they are unchanged,
and listing them would make it read their bindings again on the run after a large import or
export. The entries a binding holds that the calendar no longer does are the removals; those
whose record is gone are the orphans that ``meeting_pairing`` may re-point
(``OdooSide.list_changes``).

Finding the removals takes the whole calendar and every binding of the mailbox. A thorough
listing does that at least every ``THOROUGH_EVERY``. In between, a quick one first asks what
may have changed for the mailbox since the cursor (``SCOPE_QUERY``), which is nothing on most
passes, and lists only that:
- the events written since then, less those whose binding agrees on their version: archiving
  an event, taking the user off it or giving it another organizer each bump its version;
- the events whose attendee line of the user was written (an answer);
- every event of a series one of whose events is among those (a series is listed whole);
- the bindings whose event is gone (the database clears their ``event_id`` itself), and those
  of a series without an active event left.
A change that goes round the ORM (SQL on the attendee table, say) waits for the next thorough
listing, and so do those that leave the write dates of a quick listing's scope as they were:
a deleted occurrence of a series, an edit committed by a transaction that began before the
cursor (one longer than the margin, when the floor is unknown). The thorough one finds them by
their versions: it lists every entry whose settled binding holds another version, whenever it
was written. The token carries the cursor and when the last thorough listing ran.
"""

from datetime import datetime, timedelta

from ..sync.engine import ChangeSet
from .meeting_pairing import ORPHANS_QUERY, record_id

EVENT = "calendar.event"
SERIES = "calendar.recurrence"
TOKEN_MARGIN = timedelta(minutes=10)
THOROUGH_EVERY = timedelta(minutes=30)

# What a quick listing is to look at (see the module's docstring): ('event', id) of the events,
# ('bound', id) of the bindings, and the database's clock. Each part is found by an index: the
# events' write date, the attendee lines' partner and write date, the bindings' event, the
# bindings without one.
SCOPE_QUERY = """
    WITH touched AS (
        SELECT e.id
          FROM calendar_event e
         WHERE e.write_date >= %%(cursor)s::timestamp
           AND (e.user_id = %%(user)s
                OR EXISTS (SELECT 1 FROM calendar_event_res_partner_rel r
                            WHERE r.calendar_event_id = e.id AND r.res_partner_id = %%(partner)s)
                OR EXISTS (SELECT 1 FROM calendar_exchange_binding b
                            WHERE b.event_id = e.id AND b.mailbox_id = %%(mailbox)s))
        UNION
        SELECT a.event_id
          FROM calendar_attendee a
         WHERE a.partner_id = %%(partner)s AND a.write_date >= %%(cursor)s::timestamp
    ), changed AS MATERIALIZED (
        -- What the sync wrote itself, or agreed on since, is left out.
        SELECT e.id, e.recurrence_id
          FROM touched t
          JOIN calendar_event e ON e.id = t.id
         WHERE NOT EXISTS (SELECT 1 FROM calendar_exchange_binding b
                            WHERE b.mailbox_id = %%(mailbox)s
                              AND b.local_id = 'calendar.event,' || e.id
                              AND b.remote_id IS NOT NULL AND b.recheck IS NOT TRUE
                              AND b.local_version = COALESCE(e.exchange_revision::text, 'None'))
    ), eventless AS MATERIALIZED (
        -- Bindings without an event: series, events deleted since, and any binding whose
        -- event the store did not note (its event, if still there, is looked at too).
        SELECT b.id, b.local_id
          FROM calendar_exchange_binding b
         WHERE b.mailbox_id = %%(mailbox)s AND b.event_id IS NULL AND b.local_id IS NOT NULL
    ), scope AS MATERIALIZED (
        SELECT id, recurrence_id FROM changed WHERE recurrence_id IS NULL
        UNION
        SELECT e.id, e.recurrence_id
          FROM eventless b
          JOIN calendar_event e ON e.id = %(event)s AND e.recurrence_id IS NULL
        UNION
        SELECT e.id, e.recurrence_id
          FROM calendar_event e
         WHERE e.recurrence_id IN (SELECT recurrence_id FROM changed)
    )
    SELECT 'event', id, NULL::timestamp FROM scope
    UNION ALL
    SELECT 'bound', b.id, NULL
      FROM calendar_exchange_binding b
     WHERE b.mailbox_id = %%(mailbox)s AND b.event_id IN (SELECT id FROM scope)
    UNION ALL
    SELECT 'bound', b.id, NULL
      FROM eventless b
     WHERE %(event)s IN (SELECT id FROM scope)
        OR %(series)s IN (SELECT recurrence_id FROM scope)
        OR NOT EXISTS (SELECT 1 FROM calendar_event e
                        WHERE e.recurrence_id = %(series)s AND e.active)
           AND NOT EXISTS (SELECT 1 FROM calendar_event e WHERE e.id = %(event)s)
    UNION ALL
    SELECT 'now', 0, now() AT TIME ZONE 'UTC'
""" % {"series": record_id("b.local_id", SERIES), "event": record_id("b.local_id", EVENT)}

# One query lists the whole calendar of a user: single events, series (their events summed up),
# the bindings whose entry left it, and the database's clock, for the next token. The cron asks
# it of every mailbox on every pass: the calendar and the mailbox's bindings are each read once
# and matched by hash joins, not by a look-up per entry.
LIST_QUERY = """
    WITH joined AS (
        -- Two indexed lookups (organizer, attendee) rather than one scan of every event; an
        -- event of the user's own comes once, from the first.
        SELECT e.id, e.recurrence_id, e.exchange_revision, e.write_date, e.user_id,
               e.exchange_source, e.exchange_invitations, NULL AS answer,
               CASE WHEN e.allday THEN e.stop_date::timestamp ELSE e.stop END AS last_end
          FROM calendar_event e
         WHERE e.active AND e.user_id = %(user)s {in_scope}
        UNION ALL
        SELECT e.id, e.recurrence_id, e.exchange_revision, e.write_date, e.user_id,
               e.exchange_source, e.exchange_invitations, a.state AS answer,
               CASE WHEN e.allday THEN e.stop_date::timestamp ELSE e.stop END AS last_end
          FROM calendar_event_res_partner_rel r
          JOIN calendar_event e ON e.id = r.calendar_event_id
          LEFT JOIN calendar_attendee a
            ON a.event_id = e.id AND a.partner_id = %(partner)s
         WHERE r.res_partner_id = %(partner)s AND e.active
           AND e.user_id IS DISTINCT FROM %(user)s {in_scope}
    ), bound AS (
        -- The mailbox's bindings, with the version agreed on where the pair is settled (both
        -- ids, no recheck).
        SELECT b.id, b.local_id, b.uid,
               CASE WHEN b.remote_id IS NOT NULL AND b.recheck IS NOT TRUE
                    THEN b.local_version END AS agreed
          FROM calendar_exchange_binding b
         WHERE b.mailbox_id = %(mailbox)s AND b.local_id IS NOT NULL {bound_scope}
    ), mine AS (
        -- Not the user's entries that came from another of their mailbox addresses (before an
        -- administrator changed it): one mailbox's entries never travel into another.
        SELECT j.id, j.recurrence_id, j.exchange_revision, j.write_date, j.last_end
          FROM joined j
          LEFT JOIN calendar_recurrence s ON s.id = j.recurrence_id
         WHERE (j.user_id IS DISTINCT FROM %(user)s
                OR COALESCE(s.exchange_source, j.exchange_source) IS NULL
                OR COALESCE(s.exchange_source, j.exchange_source) = %(address)s)
           -- Somebody else's meeting: not after the user declined it, and not one whose
           -- invitations Exchange sends before the copy Exchange delivered is paired with it
           -- (the sync never writes a second entry beside Exchange's copy).
           AND NOT (j.user_id IS DISTINCT FROM %(user)s AND (
                    j.answer = 'declined'
                 OR (COALESCE(s.exchange_invitations, j.exchange_invitations) IS NOT NULL
                     AND NOT EXISTS (
                         SELECT 1 FROM bound b
                          WHERE b.local_id = CASE WHEN j.recurrence_id IS NULL
                                THEN 'calendar.event,' || j.id
                                ELSE 'calendar.recurrence,' || j.recurrence_id END))))
    ), listed AS (
        SELECT 'event' AS kind, id, exchange_revision AS revisions, 1 AS count, write_date,
               last_end, 'calendar.event,' || id AS local_id,
               COALESCE(exchange_revision::text, 'None') AS version
          FROM mine WHERE recurrence_id IS NULL
        UNION ALL
        SELECT 'series', e.recurrence_id, sum(e.exchange_revision), count(*), max(e.write_date),
               max(CASE WHEN e.allday THEN e.stop_date::timestamp ELSE e.stop END),
               'calendar.recurrence,' || e.recurrence_id,
               sum(e.exchange_revision)::text || '|' || count(*)::text
          FROM calendar_event e
         WHERE e.active
           AND e.recurrence_id IN (SELECT recurrence_id FROM mine WHERE recurrence_id IS NOT NULL)
         GROUP BY e.recurrence_id
    )
    SELECT kind, id, revisions, count, write_date, last_end, NULL, NULL
      FROM listed WHERE %(cursor)s::timestamp IS NULL
    UNION ALL
    -- Incremental: what was written since the cursor, less what this mailbox already agreed on
    -- at the version listed. Within the cursor's margin every entry of a busy calendar is
    -- listed again, and the engine would read a binding for each only to find it unchanged.
    -- Also what this mailbox agreed on at another version, whenever it was written: a series
    -- that lost an occurrence (its version changes, no write date does), or an edit committed
    -- by a transaction that began before the cursor's margin (dated when it began).
    -- (One join, which the planner hashes. Should two bindings hold one entry, it is listed
    -- when either disagrees: read once more, never missed.)
    SELECT kind, l.id, revisions, count, write_date, last_end, NULL, NULL
      FROM listed l
      LEFT JOIN bound b ON b.local_id = l.local_id
     WHERE %(cursor)s::timestamp IS NOT NULL
       AND b.agreed IS DISTINCT FROM l.version
       AND (l.write_date >= %(cursor)s::timestamp OR b.agreed IS NOT NULL)
    UNION ALL
    -- Bound in this mailbox, but no longer in the user's calendar: deleted (or left).
    SELECT 'removed', b.id, 0, 0, NULL, NULL, b.local_id, b.uid
      FROM bound b
     WHERE NOT EXISTS (SELECT 1 FROM listed l WHERE l.local_id = b.local_id)
    UNION ALL
    SELECT 'now', 0, 0, 0, now() AT TIME ZONE 'UTC', NULL, NULL, NULL
"""
THOROUGH_QUERY = LIST_QUERY.format(in_scope="", bound_scope="")
# The listing of what SCOPE_QUERY found: a binding outside it holds an entry still listed (its
# event is there and unchanged for this mailbox since the last listing).
QUICK_QUERY = LIST_QUERY.format(
    in_scope="AND e.id = ANY(%(events)s)", bound_scope="AND b.id = ANY(%(bound)s)"
)

# Among the bindings the listing found removed, those with a UID whose record is gone: another
# mailbox's run may have merged their entry into a meeting (``meeting_pairing`` re-points them).
# Asked only when the listing found such bindings, by their ids.
ORPHANS_AMONG = ORPHANS_QUERY + " AND b.id = ANY(%(ids)s)"


def version_of(write_date):
    return write_date.isoformat(timespec="microseconds")


def parse_token(token):
    """(cursor, when the last thorough listing ran) of a token; either may be None."""
    if not token:
        return None, None
    cursor, _sep, checked = token.partition("|")
    return cursor.replace("T", " "), checked and datetime.fromisoformat(checked)


def list_changes(env, token, window, floor=None, **params):
    """The ``ChangeSet`` of one mailbox's Odoo side (``params``: user, partner, mailbox and
    address, the mailbox's normalised address), and its orphans: (binding id, UID) of the
    bindings removed whose record is gone (see ``meeting_pairing.ORPHANS_QUERY``). ``floor``:
    the next cursor, read before this transaction began (``written_floor``); None: a margin."""
    env.flush_all()
    cursor, checked = parse_token(token)
    params = dict(params, cursor=cursor)
    scope = _scope(env, params, checked) if cursor and checked else None
    if scope is None:
        checked = None
        env.cr.execute(THOROUGH_QUERY, params)
    elif not scope["event"] and not scope["bound"]:
        quiet = _token(scope["now"], checked, floor)
        return ChangeSet(changed={}, removed=set(), token=quiet), []
    else:
        env.cr.execute(QUICK_QUERY, dict(params, events=scope["event"], bound=scope["bound"]))
    changed, removed, with_uid, now = {}, set(), [], None
    for kind, number, revisions, count, write_date, last_end, bound, uid in env.cr.fetchall():
        if kind == "now":
            now = write_date
        elif kind == "removed":
            removed.add(bound)
            if uid:
                with_uid.append(number)
        elif cursor is None and last_end.date() < window.start.date():
            continue  # ended before the window (a series: its last occurrence did)
        elif kind == "event":
            changed["%s,%d" % (EVENT, number)] = str(revisions)
        else:
            changed["%s,%d" % (SERIES, number)] = "%d|%d" % (revisions, count)
    next_token = _token(now, checked or now, floor)
    # Orphans also for a full listing (a token lost or reset): the engine takes what it no
    # longer lists for deleted just the same.
    orphans = []
    if with_uid:
        env.cr.execute(ORPHANS_AMONG, {"mailbox": params["mailbox"], "ids": with_uid})
        orphans = [(binding_id, uid) for binding_id, uid, _local_id in env.cr.fetchall()]
    if token is None:
        return ChangeSet(changed=changed, token=next_token, complete=True), orphans
    return ChangeSet(changed=changed, removed=removed, token=next_token), orphans


def _scope(env, params, checked):
    """What a quick listing is to look at ({"event": ids, "bound": ids, "now": the database's
    clock}), or None when a thorough one is due. The database's clock decides, as it wrote
    ``checked``: the Odoo server's may be set otherwise."""
    env.cr.execute(SCOPE_QUERY, params)
    scope = {"event": [], "bound": []}
    for kind, number, at in env.cr.fetchall():
        if kind == "now":
            scope["now"] = at
        else:
            scope[kind].append(number)
    if not timedelta(0) <= scope["now"] - checked < THOROUGH_EVERY:
        return None
    return scope


def _token(now, checked, floor=None):
    """The next token: the cursor (the floor, or the database's clock less the margin), and
    when the last thorough listing ran."""
    cursor = now - TOKEN_MARGIN if floor is None else min(floor, now)
    return "%s|%s" % (version_of(cursor), version_of(checked))
