"""The layers import downwards only: models -> bridge -> sync, and inside sync the backends and
the engine never reach each other, so that no call can go back up into a caller's layer.

Read from the source (``ast``), so a lazy import inside a function counts as well.
"""

import ast
from pathlib import Path

import pytest

ADDON = Path(__file__).resolve().parents[2] / "calendar_exchange_sync"


def _imports(path):
    """The absolute dotted names a module imports (relative imports resolved)."""
    package = path.relative_to(ADDON.parent).with_suffix("").parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join(base + ((node.module,) if node.module else ()))
            names.add(module)
            if not node.module:  # from . import x: x is a module of that package
                names.update("%s.%s" % (module, alias.name) for alias in node.names)
    return names


def _modules(folder):
    return sorted((ADDON / folder).rglob("*.py"))


# (folder, what none of its modules may import)
RULES = [
    ("sync", ("odoo", "calendar_exchange_sync.bridge", "calendar_exchange_sync.models")),
    ("sync", ("exchange_simulator",)),
    ("bridge", ("calendar_exchange_sync.models", "calendar_exchange_sync.controllers")),
    ("sync/engine", ("calendar_exchange_sync.sync.ews", "calendar_exchange_sync.sync.graph")),
    ("sync/engine", ("exchangelib", "msal", "requests")),
    ("sync/ews", ("calendar_exchange_sync.sync.graph", "msal")),
    ("sync/graph", ("calendar_exchange_sync.sync.ews", "exchangelib")),
]


@pytest.mark.parametrize(("folder", "forbidden"), RULES)
def test_layer_imports_only_downwards(folder, forbidden):
    offending = [
        "%s imports %s" % (path.relative_to(ADDON), name)
        for path in _modules(folder)
        for name in sorted(_imports(path))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]
    assert not offending, offending


def test_the_rules_see_imports():
    """The checker itself: it finds a relative and a lazy import where there is one."""
    backends = _imports(ADDON / "bridge" / "backends.py")
    assert "calendar_exchange_sync.sync.errors" in backends
    assert "calendar_exchange_sync.sync.ews" in backends  # imported inside a function
    models = _imports(ADDON / "models" / "calendar_exchange_mailbox.py")
    assert "calendar_exchange_sync.bridge.runner" in models
