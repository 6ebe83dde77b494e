"""``python -m exchange_simulator`` runs standalone with a seed and queued faults."""

import subprocess
import sys
from pathlib import Path

import requests

from exchange_simulator.__main__ import parse_fault

ROOT = Path(__file__).resolve().parents[2]


def test_parse_fault_splits_selectors_from_parameters():
    kind, selectors, params = parse_fault(
        "server_busy:back_off_ms=2000,count=3,operation=SyncFolderItems"
    )
    assert kind == "server_busy"
    assert selectors == {"count": 3, "operation": "SyncFolderItems"}
    assert params == {"back_off_ms": 2000}
    assert parse_fault("reset") == ("reset", {}, {})


def test_standalone_server_with_seed_and_fault(tmp_path):
    saved = tmp_path / "saved.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "exchange_simulator",
            "--port",
            "0",
            "--seed",
            str(ROOT / "exchange_simulator" / "seeds" / "demo.json"),
            "--fault",
            "http_status:status=503,protocol=ews",
            "--save",
            str(saved),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("EWS:")
        url = line.split()[1]
        first = requests.post(url, data=b"<x/>", auth=("CONTOSO\\svc-odoo", "Demo-Delegate-1"))
        assert first.status_code == 503  # the queued fault
        second = requests.post(url, data=b"<x/>", auth=("CONTOSO\\svc-odoo", "Demo-Delegate-1"))
        assert second.status_code == 500 and "ErrorSchemaValidation" in second.text
    finally:
        proc.terminate()
        proc.wait(10)
    assert saved.exists() and "Weekly sales meeting" in saved.read_text()
