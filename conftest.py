"""Pytest bootstrap for the tests that need no Odoo.

The addon folder's ``__init__`` imports the ORM, so importing ``calendar_exchange_sync.sync``
the normal way would need Odoo. Here the addon folder is registered as a bare package whose
``__path__`` is the folder itself: ``calendar_exchange_sync.sync`` then imports on its own,
while the addon's models are never loaded. When a real Odoo already imported the addon (the
Odoo test mode), nothing is changed.

Also, for every run:

- Microsoft's EWS schema (``exchange_simulator.schema``): where it must be on (CI,
  ``EWS_SCHEMA_REQUIRED=1``) and is missing, the run stops before the first test, naming the
  folder; elsewhere a missing schema turns validation off with one line in the summary, and
  the tests marked ``ews_schema`` (they test the validation itself) are skipped with that line.
- A simulator still serving after the last test (a fixture that did not stop it) would keep
  the process alive for ever: cheroot's worker threads are not daemon threads. Such servers
  are stopped at the end and the run fails, naming them.
"""

import sys
import threading
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
ADDON = "calendar_exchange_sync"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if ADDON not in sys.modules:
    package = types.ModuleType(ADDON)
    package.__path__ = [str(ROOT / ADDON)]
    package.__file__ = str(ROOT / ADDON / "__init__.py")
    sys.modules[ADDON] = package

_leaked_servers = []


def pytest_configure(config):
    from exchange_simulator.schema import require_message, schema_required

    if schema_required() and require_message():
        raise pytest.UsageError(require_message())


def pytest_runtest_setup(item):
    if item.get_closest_marker("ews_schema"):
        from exchange_simulator.schema import missing_message

        message = missing_message()
        if message:
            pytest.skip(message)


def pytest_sessionfinish(session):
    # Threads of cheroot's pool carry their server; the simulator's accept loop is a daemon.
    servers = {}
    for thread in threading.enumerate():
        server = getattr(thread, "server", None)
        if not thread.daemon and type(thread).__module__.startswith("cheroot") and server:
            servers[id(server)] = server
    for server in servers.values():
        _leaked_servers.append("%s:%s" % server.bind_addr[:2])
        server.stop()
    if servers and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    from exchange_simulator.schema import missing_message

    if _leaked_servers:
        terminalreporter.write_line(
            "ERROR: simulator servers still running after the last test (a fixture did not "
            "stop them), stopped now: %s" % ", ".join(_leaked_servers),
            red=True,
        )
    message = missing_message()
    skipped = terminalreporter.stats.get("skipped", [])
    if message and not any(message in str(report.longrepr) for report in skipped):
        terminalreporter.write_line(message, yellow=True)
