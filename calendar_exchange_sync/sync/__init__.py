"""Pure-Python synchronisation core: no import of Odoo anywhere below this package.

* ``items``, ``normalize``: the calendar item value object every side speaks;
* ``recurrence``, ``expansion``, ``span``, ``tz``: RRULEs and Exchange patterns, the
  occurrences of a series, when an entry ends, zones and the UTC helpers;
* ``versions``: the kinds of Exchange (Settings, the bridge and EWS read it);
* ``classify``, ``errors``, ``report``: activity types of incoming entries, the errors a run
  meets, what a run did;
* ``engine/``: the reconciliation and the interface its sides implement;
* ``ews/``, ``graph/``: the two Exchange backends (EWS for on-premises servers, Microsoft Graph
  for Office 365);
* ``testing``: in-memory sides and status stores for tests and benchmarks.

The ORM layer (``bridge/``) feeds the engine records translated to items and stores what it
answers.
"""
