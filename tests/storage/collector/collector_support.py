"""A real collector on 127.0.0.1 in a subprocess, and recorder databases to ship from."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
import requests

from storage.store import open_store

REPO = Path(__file__).resolve().parents[3]


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "taskmine.cli", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def add_token(data: Path, name: str, *users: str) -> str:
    done = run_cli("collect", "token", "add", name, "--data", str(data), *_users(users))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _users(users: tuple[str, ...]) -> list[str]:
    return [arg for user in users for arg in ("--user", user)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CollectorProcess:
    """``taskmine collect`` as a subprocess; its log (stderr) goes to ``log``."""

    def __init__(
        self, data: Path, port: int, *extra: str, env: dict | None = None, log: Path | None = None
    ) -> None:
        self.data, self.port, self.extra, self.env = data, port, extra, env or {}
        self.log = log or data.parent / f"collector-{port}.log"
        self.scheme = "https" if "--certfile" in extra else "http"
        self.url = f"{self.scheme}://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, verify: str | bool = True) -> CollectorProcess:
        command = [sys.executable, "-m", "taskmine.cli", "collect", "--data", str(self.data)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port), *self.extra],
                cwd=REPO,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the collector exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}/v1/health", timeout=2, verify=verify).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        pytest.fail("the collector did not start within 30 s")

    def kill(self) -> None:
        """SIGKILL: no shutdown, as a power cut or the OOM killer would stop it."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def recorder_db(path: Path, sim, user_id: str) -> Path:
    """A recorder's database holding ``user_id``'s closed sessions from the simulator."""
    events = sim.events.filter(pl.col("user_id") == user_id)
    shots = sim.screenshots.filter(
        pl.col("screenshot_id").is_in(events["screenshot_id"].drop_nulls().implode())
    )
    with open_store(path) as store:
        store.import_batch(
            events,
            sha256=user_id,
            source_file="simulator",
            fmt="simulator",
            sessions=sim.sessions.filter(pl.col("user_id") == user_id),
            screenshots=shots,
        )
    return path


def landed_files(data: Path) -> list[Path]:
    """Every file under the landing area's three trees."""
    return sorted(
        p for kind in ("events", "sessions", "screenshots") for p in (data / kind).rglob("*")
    )
