"""Helpers of the explorer suites: a request context for plain-function calls, a server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from explorer.config import ExplorerConfig
from explorer.context import attach

REPO = Path(__file__).resolve().parents[2]
TASKMINE = [sys.executable, "-m", "taskmine.cli"]
#: Headless Chromium flags for this machine's closed network (tests and bench/).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def serving_context(db: Path, config: ExplorerConfig | None = None) -> Iterator[None]:
    """Run page layouts and callbacks as plain functions against ``db``."""
    server = Flask("explorer-test")
    attach(server, db, config or ExplorerConfig())
    with server.app_context():
        yield


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`taskmine explore` in a subprocess on a free loopback port."""

    def __init__(self, db: Path, env: dict[str, str] | None = None) -> None:
        self.db, self.port = db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [*TASKMINE, "explore", "--db", str(db), "--port", str(self.port)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
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

    def stop(self) -> str:
        """Stop the server; return what it printed."""
        self.proc.terminate()
        self.proc.wait(timeout=20)
        with self.proc.stdout:
            return self.proc.stdout.read()
