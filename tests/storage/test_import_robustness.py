"""Imports against a locked, crashed or corrupt database: a clear line, and no damage."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from storage.exporters import write_parquet
from storage.store import open_store
from taskmine.cli import main


def _spool(path: Path, n: int, user: str = "u1", text: bool = False) -> Path:
    """A Parquet spool of n events; with ``text``, incompressible typed text (~100 B each)."""
    start = datetime(2024, 3, 1, 9)
    events = pl.DataFrame(
        {
            "user_id": [user] * n,
            "ts": [start + timedelta(seconds=i) for i in range(n)],
            "kind": ["click"] * n,
        }
    )
    if text:
        events = events.with_columns(text=pl.Series([os.urandom(50).hex() for _ in range(n)]))
    write_parquet(path, events)
    return path


def _taskmine(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from taskmine.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


def test_import_into_a_database_in_use_names_file_and_holder(tmp_path, db_path):
    spool = _spool(tmp_path / "a.parquet", 3)
    with open_store(db_path):
        result = _taskmine("import", str(spool), "--db", str(db_path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: database {db_path} is in use by process {os.getpid()}")
    assert "Traceback" not in result.stderr


def test_crash_in_the_middle_of_an_import_leaves_the_database_as_it_was(tmp_path, db_path):
    _spool(tmp_path / "first.parquet", 5)
    assert main(["import", str(tmp_path / "first.parquet"), "--db", str(db_path)]) == 0
    second = _spool(tmp_path / "second.parquet", 1000, user="u2")
    # The process dies (no clean-up, no rollback) right after the events are inserted,
    # inside the import's transaction, before it commits.
    crash = textwrap.dedent(
        f"""
        import os
        from storage.importers import import_logs
        from storage.store import Store, open_store
        insert = Store._insert_events
        def insert_then_die(self, con, events):
            insert(self, con, events)
            os._exit(9)
        Store._insert_events = insert_then_die
        import_logs(open_store({str(db_path)!r}), [{str(second)!r}])
        """
    )
    result = subprocess.run([sys.executable, "-c", crash], capture_output=True, timeout=120)
    assert result.returncode == 9
    with open_store(db_path) as store:
        assert store.count("events") == 5
        assert store.query("SELECT DISTINCT user_id FROM events").to_series().to_list() == ["u1"]
        assert store.count("imports") == 1
    # and the file can be imported again once the cause is gone
    assert main(["import", str(second), "--db", str(db_path)]) == 0
    with open_store(db_path, read_only=True) as store:
        assert store.count("events") == 1005


def test_import_into_a_corrupt_file_refuses_and_leaves_it_untouched(tmp_path, capsys):
    db = tmp_path / "broken.duckdb"
    garbage = b"not a database at all" * 300
    db.write_bytes(garbage)
    spool = _spool(tmp_path / "a.parquet", 3)
    assert main(["import", str(spool), "--db", str(db)]) == 1
    assert "is not a readable taskmine database" in capsys.readouterr().err
    assert db.read_bytes() == garbage


def test_import_onto_a_full_disk_says_so_and_keeps_the_database(tmp_path, small_disk, capsys):
    db = small_disk / "work.duckdb"
    assert main(["import", str(_spool(tmp_path / "small.parquet", 100)), "--db", str(db)]) == 0
    before = open_store(db, read_only=True)
    kept = before.read_events(["event_id", "ts", "source_row"])
    before.close()
    capsys.readouterr()

    big = _spool(tmp_path / "big.parquet", 100_000, user="u2", text=True)  # ~10 MB > 6 MB
    assert main(["import", str(big), "--db", str(db)]) == 1

    message = capsys.readouterr().err
    assert f"the disk holding {db} is full" in message
    assert "free some disk space" in message
    with open_store(db, read_only=True) as after:
        assert after.read_events(["event_id", "ts", "source_row"]).equals(kept)
        assert after.count("imports") == 1
