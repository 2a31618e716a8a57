"""Fixtures of the explorer suites: a hand-built database, a really mined one, a server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask

from explorer.config import ExplorerConfig
from explorer.context import attach

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devdata import build_dev_db  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TASKMINE = [sys.executable, "-m", "taskmine.cli"]


@pytest.fixture(scope="session")
def dev_db_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_dev_db(tmp_path_factory.mktemp("dev") / "dev.duckdb")


@pytest.fixture
def dev_db(dev_db_master: Path, tmp_path: Path) -> Path:
    """A private copy of the hand-built database, free to modify."""
    return Path(shutil.copy(dev_db_master, tmp_path / "dev.duckdb"))


@pytest.fixture(scope="session")
def dash_app(tmp_path_factory: pytest.TempPathFactory):
    """The one Dash app of the test process (pages register globally, once)."""
    from explorer.server import create_app

    return create_app(tmp_path_factory.mktemp("app") / "none.duckdb", ExplorerConfig())


@contextmanager
def serving_context(db: Path, config: ExplorerConfig | None = None) -> Iterator[None]:
    """Run page layouts and callbacks as plain functions against ``db``."""
    server = Flask("explorer-test")
    attach(server, db, config or ExplorerConfig())
    with server.app_context():
        yield


@pytest.fixture(scope="session")
def mined_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated (3 users × 2 days) and really mined database, built by `taskmine demo`."""
    db = tmp_path_factory.mktemp("mined") / "mined.duckdb"
    done = subprocess.run(
        [*TASKMINE, "demo", "--no-serve", "--db", str(db), "--users", "3", "--days", "2"],
        capture_output=True, text=True, timeout=900, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`taskmine explore` in a subprocess on a free loopback port."""

    def __init__(self, db: Path, env: dict[str, str] | None = None) -> None:
        import os

        self.db, self.port = db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [*TASKMINE, "explore", "--db", str(db), "--port", str(self.port)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, **(env or {})},
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"explorer exited: {self.proc.stdout.read()}")
            try:
                urllib.request.urlopen(self.url + "/_dash-layout", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # it answers (401 with auth on)
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("explorer did not start within 60 s")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.proc.stdout.close()
