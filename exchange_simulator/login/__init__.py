"""The simulator's Microsoft identity platform: tenant discovery, tokens and admin consent.

Mounted by the dispatcher through ``MOUNTS`` (see :mod:`exchange_simulator.simulator`); the
directory it keeps (:func:`directory.directory_for`) is shared with the Graph front end, which
checks the tokens issued here.
"""

from .app import matches

MOUNTS = [(matches, "login", "exchange_simulator.login.app:make_app")]
