"""A child process that runs `taskmine import` on one file at a time, for the fuzz test.

The work runs in a child so that the parent can kill it when one case hangs: a hung
DuckDB or pm4py call cannot be interrupted from inside the process.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import traceback
from multiprocessing.connection import Connection
from pathlib import Path


def serve(conn: Connection) -> None:
    """Answer each ``(file, db)`` with ``(exit code, stderr)``; code -1 is an exception."""
    from taskmine.cli import main

    while (job := conn.recv()) is not None:
        file, db = job
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            try:
                code = main(["import", file, "--db", db])
            except BaseException:  # noqa: BLE001 - the test reports any escape
                code, err = -1, io.StringIO(traceback.format_exc())
        conn.send((code, err.getvalue()))


class ImportWorker:
    """The parent's side: `run` returns the child's answer, or None after ``timeout`` s.

    A child that dies (a crash in native code) answers ``(-2, why)``.
    """

    def __init__(self) -> None:
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited polars/DuckDB threads
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child,), daemon=True)
        self.process.start()

    def run(self, file: Path, db: Path, timeout: float) -> tuple[int, str] | None:
        self.conn.send((str(file), str(db)))
        try:
            if self.conn.poll(timeout):
                return self.conn.recv()
        except (EOFError, ConnectionError):
            self.process.join()
            answer = (-2, f"the import process died with exit code {self.process.exitcode}")
            self._start()
            return answer
        self.process.kill()  # hung: a fresh child serves the next case
        self.process.join()
        self._start()
        return None

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
