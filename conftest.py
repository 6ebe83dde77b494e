"""Pytest bootstrap for the tests that need no Odoo.

The addon folder's ``__init__`` imports the ORM, so importing ``calendar_exchange_sync.sync``
the normal way would need Odoo. Here the addon folder is registered as a bare package whose
``__path__`` is the folder itself: ``calendar_exchange_sync.sync`` then imports on its own,
while the addon's models are never loaded. When a real Odoo already imported the addon (the
Odoo test mode), nothing is changed.
"""

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ADDON = "calendar_exchange_sync"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if ADDON not in sys.modules:
    package = types.ModuleType(ADDON)
    package.__path__ = [str(ROOT / ADDON)]
    package.__file__ = str(ROOT / ADDON / "__init__.py")
    sys.modules[ADDON] = package
