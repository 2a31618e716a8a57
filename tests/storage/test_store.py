from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import duckdb
import polars as pl
import pytest

from storage.errors import CorruptDatabaseError, DatabaseLockedError, SchemaTooNewError
from storage.schema import MIGRATIONS, SCHEMA_VERSION
from storage.store import open_store


def _events(n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "user_id": ["u1"] * n,
            "ts": [datetime(2024, 3, 1, 9, 0, 0)] * n,  # all tied: order must come from input
            "kind": [f"k{i}" for i in range(n)],
        }
    )


def test_new_database_is_at_current_schema_version(db_path):
    with open_store(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.count("events") == 0


def test_event_ids_continue_and_ties_keep_input_order(db_path):
    with open_store(db_path) as store:
        store.append_events(_events(3))
        store.append_events(_events(2))
        got = store.read_events(["event_id", "kind"])
    assert got["event_id"].to_list() == [1, 2, 3, 4, 5]
    assert got["kind"].to_list() == ["k0", "k1", "k2", "k0", "k1"]


def test_older_database_upgrades_in_place_keeping_its_data(db_path):
    con = duckdb.connect(str(db_path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER NOT NULL, "
        "applied_at TIMESTAMP NOT NULL, description VARCHAR)"
    )
    version, description, ddl = MIGRATIONS[0]
    con.execute(ddl)
    con.execute("INSERT INTO schema_version VALUES (?, now(), ?)", [version, description])
    con.execute(
        "INSERT INTO events (event_id, user_id, ts, kind) "
        "VALUES (1, 'u1', TIMESTAMP '2024-01-01 09:00:00', 'click')"
    )
    con.close()

    with open_store(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.read_events(["kind"])["kind"].to_list() == ["click"]
        assert store.count("mining_runs") == 0


def test_newer_schema_is_refused(db_path):
    open_store(db_path).close()
    con = duckdb.connect(str(db_path))
    con.execute("INSERT INTO schema_version VALUES (999, now(), 'from the future')")
    con.close()
    with pytest.raises(SchemaTooNewError, match="schema version 999"):
        open_store(db_path)


def test_second_writer_gets_clear_error_naming_the_holder(db_path):
    with open_store(db_path):
        code = f"from storage.store import open_store\nopen_store({str(db_path)!r})\n"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert DatabaseLockedError.__name__ in result.stderr
    # The holder is named by its PID: this test process.
    assert f"database {db_path} is in use by process {os.getpid()}" in result.stderr


def test_corrupt_file_is_reported_and_left_untouched(tmp_path):
    path = tmp_path / "broken.duckdb"
    garbage = b"this is not a database" * 500
    path.write_bytes(garbage)
    with pytest.raises(CorruptDatabaseError, match="not a readable taskmine database"):
        open_store(path)
    assert path.read_bytes() == garbage


def test_failed_write_rolls_back(db_path):
    with open_store(db_path) as store:
        store.append_events(_events(2))
        bad = _events(2).with_columns(ts=pl.lit(None, pl.Datetime("us")))  # ts is NOT NULL
        with pytest.raises(Exception, match="NOT NULL"):
            store.append_events(bad)
        assert store.count("events") == 2


def test_nested_writes_commit_together_or_not_at_all(db_path):
    """A recorder batch writes screenshots and events in one transaction: an event that
    fails takes the batch's screenshot with it, and the store stays usable."""
    shot = {"ts": datetime(2024, 3, 1, 9), "format": "webp", "width": 1, "height": 1, "image": b"x"}
    event = {"user_id": "u1", "ts": datetime(2024, 3, 1, 9), "kind": "click"}
    with open_store(db_path) as store:
        with pytest.raises(Exception, match="NOT NULL"), store.transaction():
            store.append_rows("screenshots", [shot])
            store.append_rows("events", [{**event, "ts": None}])
        assert (store.count("screenshots"), store.count("events")) == (0, 0)
        with store.transaction():
            store.append_rows("screenshots", [shot])
            store.append_rows("events", [event])
        assert (store.count("screenshots"), store.count("events")) == (1, 1)
