"""The simulator's Microsoft Graph v1.0 front end (calendar events), under ``/v1.0/``.

It serves the same store as the EWS front end, so an item written through one reads back
through the other, and checks the bearer tokens issued by :mod:`exchange_simulator.login`.
Meetings (invitations, accept / decline / cancel) are in :mod:`.meeting_actions`; change
notifications (``/subscriptions``, the validation handshake, notifications and lifecycle
events sent to subscribers) in :mod:`.subscriptions`.
"""

MOUNTS = [("/v1.0/", "graph", "exchange_simulator.graph.app:make_app")]
