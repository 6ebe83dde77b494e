"""On-premises Exchange (2007-2019) through EWS and exchangelib: one mailbox as a ``Side``.

``side`` is the backend the engine talks to; ``account`` connects (impersonation, TLS, the
batched writes exchangelib lacks), ``mapping`` and ``recurrence`` translate items and series
patterns, ``series`` writes a series' occurrences, ``errors`` turns exchangelib's exceptions into
``sync.errors``, ``check`` is Settings' "Test connection". Callers outside the backend import
the names below from here.
"""

from .account import EwsSettings
from .check import check_connection
from .side import EwsSide

__all__ = ["EwsSettings", "EwsSide", "check_connection"]
