"""`taskmine demo`: simulate, mine and serve in one command, as a new user would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from storage.store import open_store

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_builds_a_mined_database_and_serves_it(tmp_path: Path) -> None:
    db, port = tmp_path / "demo.duckdb", _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "taskmine.cli",
            "demo",
            "--db",
            str(db),
            "--users",
            "2",
            "--days",
            "1",
            "--seed",
            "3",
            "--port",
            str(port),
        ],
        cwd=REPO,
        # a small discovery sample keeps pm4py's precision replay quick; the rest is default
        env={**os.environ, "TASKMINE_MINING_DISCOVER_MAX_INSTANCES": "20"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "".join(lines)
            lines.append(line)
            if f"http://127.0.0.1:{port}/" in line:
                break
        output = "".join(lines)
        assert "simulated events" in output and "candidate processes" in output
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/opportunities") as r:
                    assert r.status == 200 and b"taskmine" in r.read()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the demo's explorer never answered")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()
    with open_store(db, read_only=True) as store:
        run = store.latest_run_id()
        assert store.query("SELECT count(*) FROM processes WHERE run_id = ?", [run]).item() > 0
        assert store.query("SELECT count(DISTINCT user_id) FROM events").item() == 2
