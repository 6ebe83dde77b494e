"""The addon's README.rst is generated from readme/*.md and must not go stale."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_rst_is_generated_from_fragments():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_readme.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


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
