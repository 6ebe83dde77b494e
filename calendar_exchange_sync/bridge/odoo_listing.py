"""How the Odoo side lists one user's calendar for the engine: one query, cheap when quiet.

The token is a write-date cursor taken a margin before the run's transaction began, so that an
edit committed by a transaction that started earlier is never skipped. The query leaves out
the entries within that margin whose version the mailbox's binding already agreed on (a settled
binding: both ids, no recheck): for the engine they are unchanged, and listing them would make
it read their bindings on every run for ten minutes after a large import or export. The entries
a binding holds that the calendar no longer does are the removals; those whose record is gone
are the orphans that ``meeting_pairing`` may re-point (``OdooSide.list_changes``).
"""

from datetime import timedelta

from ..sync.engine import ChangeSet
from .meeting_pairing import ORPHANS_QUERY

EVENT = "calendar.event"
SERIES = "calendar.recurrence"
TOKEN_MARGIN = timedelta(minutes=10)

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
         WHERE e.active AND e.user_id = %(user)s
        UNION ALL
        SELECT e.id, e.recurrence_id, e.exchange_revision, e.write_date, e.user_id,
               e.exchange_source, e.exchange_invitations, a.state AS answer,
               CASE WHEN e.allday THEN e.stop_date::timestamp ELSE e.stop END AS last_end
          FROM calendar_event_res_partner_rel r
          JOIN calendar_event e ON e.id = r.calendar_event_id
          LEFT JOIN calendar_attendee a
            ON a.event_id = e.id AND a.partner_id = %(partner)s
         WHERE r.res_partner_id = %(partner)s AND e.active
           AND e.user_id IS DISTINCT FROM %(user)s
    ), bound AS (
        -- The mailbox's bindings, with the version agreed on where the pair is settled (both
        -- ids, no recheck).
        SELECT b.id, b.local_id, b.uid,
               CASE WHEN b.remote_id IS NOT NULL AND b.recheck IS NOT TRUE
                    THEN b.local_version END AS agreed
          FROM calendar_exchange_binding b
         WHERE b.mailbox_id = %(mailbox)s AND b.local_id IS NOT NULL
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
    SELECT kind, id, revisions, count, write_date, last_end, NULL, NULL
      FROM listed l
     WHERE l.write_date >= %(cursor)s::timestamp
       AND NOT EXISTS (SELECT 1 FROM bound b
                        WHERE b.local_id = l.local_id AND b.agreed = l.version)
    UNION ALL
    -- Bound in this mailbox, but no longer in the user's calendar: deleted (or left).
    SELECT 'removed', b.id, 0, 0, NULL, NULL, b.local_id, b.uid
      FROM bound b
     WHERE NOT EXISTS (SELECT 1 FROM listed l WHERE l.local_id = b.local_id)
    UNION ALL
    SELECT 'now', 0, 0, 0, now() AT TIME ZONE 'UTC', NULL, NULL, NULL
"""

# Among the bindings the listing found removed, those with a UID whose record is gone: another
# mailbox's run may have merged their entry into a meeting (``meeting_pairing`` re-points them).
# Asked only when the listing found such bindings, by their ids.
ORPHANS_AMONG = ORPHANS_QUERY + " AND b.id = ANY(%(ids)s)"


def version_of(write_date):
    return write_date.isoformat(timespec="microseconds")


def list_changes(env, token, window, **params):
    """The ``ChangeSet`` of one mailbox's Odoo side (``params``: user, partner, mailbox and
    address, the mailbox's normalised address), and its orphans: (binding id, UID) of the
    bindings removed whose record is gone (see ``meeting_pairing.ORPHANS_QUERY``)."""
    env.flush_all()
    cursor = token and token.replace("T", " ")
    env.cr.execute(LIST_QUERY, dict(params, cursor=cursor or None))
    changed, removed, with_uid, now = {}, set(), [], None
    rows = env.cr.fetchall()
    for kind, number, revisions, count, write_date, last_end, bound, uid in rows:
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
    next_token = version_of(now - TOKEN_MARGIN)
    # Orphans also for a full listing (a token lost or reset): the engine takes what it no
    # longer lists for deleted just the same.
    orphans = []
    if with_uid:
        env.cr.execute(ORPHANS_AMONG, {"mailbox": params["mailbox"], "ids": with_uid})
        orphans = [(binding_id, uid) for binding_id, uid, _local_id in env.cr.fetchall()]
    if token is None:
        return ChangeSet(changed=changed, token=next_token, complete=True), orphans
    return ChangeSet(changed=changed, removed=removed, token=next_token), orphans
