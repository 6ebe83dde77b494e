"""The test command's own guarantees: it ends on its own whatever fails, and says in one line
when the EWS schema is missing (or stops at once where the schema is required)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OFF = "EWS schema validation is OFF"


def pytest_in_subprocess(tmp_path, *args, **env):
    """Runs pytest with this repository's conftest and settings on ``args``."""
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "EWS_SCHEMA_REQUIRED")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
         "-c", str(ROOT / "pyproject.toml"), *args],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_simulator_left_running_fails_the_run_and_the_process_ends(tmp_path):
    test = tmp_path / "test_leak.py"
    test.write_text(
        "from exchange_simulator.simulator import Simulator\n"
        "def test_forgets_to_stop():\n"
        "    Simulator().start()\n"
    )
    # The repository's conftest as a plugin: tmp_path is outside the tree it governs.
    result = pytest_in_subprocess(tmp_path, "-p", "conftest", str(test))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "simulator servers still running after the last test" in result.stdout


def test_missing_schema_is_one_line_and_the_run_passes(tmp_path):
    result = pytest_in_subprocess(
        tmp_path,
        "tests/simulator/test_schema.py",
        "tests/sync/test_classify.py",
        EWS_SCHEMA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = [x for x in result.stdout.splitlines() if OFF in x]
    assert str(tmp_path) in line and "EWS_SCHEMA_DIR=" in line
    # Without a test of the validation itself selected, the line still comes once.
    result = pytest_in_subprocess(
        tmp_path, "tests/sync/test_classify.py", EWS_SCHEMA_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len([x for x in result.stdout.splitlines() if OFF in x]) == 1


def test_in_ci_a_missing_schema_stops_the_run_before_any_test(tmp_path):
    missing = tmp_path / "ews-schema"
    result = pytest_in_subprocess(tmp_path, "tests/sync", CI="true", EWS_SCHEMA_DIR=str(missing))
    assert result.returncode not in (0, 5)
    assert "the EWS schema is required here" in result.stderr and str(missing) in result.stderr
    assert "passed" not in result.stdout
