"""Shipping closed sessions as Parquet, and importing them on the analyst side, twice."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from storage.store import open_store
from tests.recorder.recorder_harness import run_cli, write_config

T0 = datetime(2026, 3, 2, 9, 0, 0)


def _recording(db) -> None:
    """Two sessions of one user: one closed cleanly, one a crash left open."""
    with open_store(db) as store:
        store.append_sessions(
            pl.DataFrame(
                {
                    "session_id": ["a" * 32, "b" * 32],
                    "user_id": ["u_0123456789abcdef"] * 2,
                    "started_at": [T0, T0.replace(hour=10)],
                    "ended_at": [T0.replace(minute=30), None],
                    "dropped_events": [2, 0],
                }
            )
        )
        shots = store.append_screenshots(
            pl.DataFrame(
                {"session_id": ["a" * 32], "ts": [T0], "format": ["webp"], "image": [b"RIFF"]}
            )
        )
        store.append_events(
            pl.DataFrame(
                {
                    "session_id": ["a" * 32, "a" * 32, "b" * 32],
                    "user_id": ["u_0123456789abcdef"] * 3,
                    "ts": [
                        T0.replace(minute=1),
                        T0.replace(minute=2),
                        T0.replace(hour=10, minute=5),
                    ],
                    "kind": ["focus", "click", "click"],
                    "screenshot_id": [shots["screenshot_id"][0], None, None],
                }
            )
        )


def test_ship_twice_and_import_twice_adds_nothing_new(tmp_path):
    db, spool, analyst = tmp_path / "rec.duckdb", tmp_path / "share", tmp_path / "analyst.duckdb"
    _recording(db)
    config = write_config(tmp_path / "recorder.toml", state_dir=str(tmp_path / "state"))
    ship = ["recorder", "ship", "--db", str(db), "--to", str(spool), "--config", str(config)]

    first = run_cli(*ship)
    assert first.returncode == 0, first.stderr
    assert "shipped 2 session file(s)" in first.stderr
    names = sorted(p.name for p in spool.glob("*.parquet") if p.name.count(".") == 1)
    assert names == [
        "u_0123456789abcdef_20260302T090000Z-20260302T093000Z_aaaaaaaa.parquet",
        "u_0123456789abcdef_20260302T100000Z-20260302T100500Z_bbbbbbbb.parquet",
    ]  # the crashed session ends at its last event
    files_before = {p.name: p.read_bytes() for p in spool.iterdir()}
    assert "shipped 0 session file(s)" in run_cli(*ship).stderr
    assert {p.name: p.read_bytes() for p in spool.iterdir()} == files_before

    for expected in (3, 0):
        result = run_cli("import", str(spool), "--db", str(analyst))
        assert result.returncode == 0, result.stderr
        assert f"imported {expected:,} events" in result.stderr
    with open_store(analyst, read_only=True) as store:
        assert store.count("events") == 3 and store.count("screenshots") == 1
        sessions = store.query("SELECT session_id, dropped_events FROM sessions ORDER BY 1").rows()
        focus = store.query("SELECT screenshot_id FROM events WHERE kind = 'focus'").item()
        assert store.screenshot(focus) == ("webp", b"RIFF")
    assert sessions == [("a" * 32, 2), ("b" * 32, 0)]
