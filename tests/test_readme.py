"""The addon's README.rst is generated from readme/*.md and must not go stale."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORT_NAMES = {"requests-oauthlib": "requests_oauthlib"}  # pip name -> import name


def test_readme_rst_is_generated_from_fragments():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_readme.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_license_badge_escapes_the_dash_as_shields_io_needs():
    text = (ROOT / "calendar_exchange_sync" / "README.rst").read_text()
    # shields.io reads "licence-LGPL-3-blue" as label "licence", message "LGPL", colour "3".
    assert "https://img.shields.io/badge/license-LGPL--3-blue.png" in text


def test_declared_python_dependencies_are_imported_by_the_addon():
    """Declare nothing that nothing imports (pip names, imported under IMPORT_NAMES)."""
    import ast

    manifest = ast.literal_eval((ROOT / "calendar_exchange_sync" / "__manifest__.py").read_text())
    imported = set()
    for path in (ROOT / "calendar_exchange_sync").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    requirements = (ROOT / "requirements-dev.txt").read_text()
    for name in manifest["external_dependencies"]["python"]:
        assert IMPORT_NAMES.get(name, name) in imported, name
        assert "\n%s>=" % name in requirements, name


def test_manifest_version_and_dependencies():
    import ast

    manifest = ast.literal_eval((ROOT / "calendar_exchange_sync" / "__manifest__.py").read_text())
    assert manifest["version"].startswith("19.0.")
    assert manifest["depends"] == ["calendar"]
    assert set(manifest["external_dependencies"]["python"]) == {
        "exchangelib",
        "msal",
        "requests-oauthlib",
    }
    for data_file in manifest["data"]:
        assert (ROOT / "calendar_exchange_sync" / data_file).exists(), data_file


def test_readme_rst_renders_without_docutils_warnings():
    """Odoo renders README.rst with docutils on install and logs every warning of it."""
    import io

    import pytest

    core = pytest.importorskip("docutils.core")
    warnings = io.StringIO()
    text = (ROOT / "calendar_exchange_sync" / "README.rst").read_text()
    core.publish_string(
        text, writer_name="html", settings_overrides={"warning_stream": warnings, "report_level": 2}
    )
    assert warnings.getvalue() == ""
