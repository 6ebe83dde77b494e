"""Exchange Online (Office 365) through Microsoft Graph: one mailbox as a ``Side``.

``side`` is the backend the engine talks to; ``client`` knows tokens, HTTP, ``$batch`` and
Graph's errors, ``mapping`` translates items, ``writes`` writes a series' occurrences,
``check`` is Settings' "Test connection". Callers outside the backend import the names below
from here.
"""

from .check import admin_consent_url, check_connection
from .side import GraphSettings, GraphSide

__all__ = ["GraphSettings", "GraphSide", "admin_consent_url", "check_connection"]
