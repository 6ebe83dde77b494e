"""How far back the next listing of a calendar must look: to the start of the oldest transaction
still open in the database, as PostgreSQL knows it, instead of a fixed margin.

The ORM dates a write with its transaction's ``now()``: the moment that transaction began, not
the moment it commits. A listing that finds the entries written since a cursor must therefore
take that cursor no later than the start of any transaction that may still commit: one still
open when the listing read the calendar. A fixed margin (ten minutes) guessed at that start:
every run within ten minutes of a large import read its thousand entries again, and a
transaction longer than ten minutes (a long import, a stuck worker) could commit entries the
next listings never looked at. PostgreSQL shows every open transaction's start
(``pg_stat_activity.xact_start``, the same clock as ``now()``), so the cron reads it once per
pass (``read``), in a transaction it commits before any mailbox's run: each run's listing
then sees every transaction that had committed by the reading, and every one still open was in
the reading.

The floor is unknown (None, and the listing keeps its margin) when PostgreSQL hides some of the
database's sessions from this role (another role's, without ``pg_read_all_stats``) or when a
prepared transaction waits (it leaves pg_stat_activity while it can still commit).
"""

from datetime import timedelta

# A transaction's start is taken a few instructions before PostgreSQL shows it: this covers a
# server that stalls in between.
SLACK = timedelta(seconds=1)

FLOOR_QUERY = """
    SELECT CASE
           WHEN bool_or(a.query = '<insufficient privilege>')
             OR EXISTS (SELECT 1 FROM pg_prepared_xacts p WHERE p.database = current_database())
           THEN NULL
           ELSE LEAST(min(a.xact_start), statement_timestamp()) AT TIME ZONE 'UTC'
           END
      FROM pg_stat_activity a
     WHERE a.datname = current_database()
"""


def read(cr):
    """The cursor a listing made after this transaction commits may take (naive UTC, as write
    dates are), or None when PostgreSQL does not show every open transaction."""
    cr.execute(FLOOR_QUERY)
    floor = cr.fetchone()[0]
    return floor - SLACK if floor is not None else None
