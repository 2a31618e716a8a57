"""``taskmine simulate`` through the CLI entry point, and the committed sample."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sample_logs import measure_routines, simulate
from storage.importers.parquet import read_parquet
from storage.models import EVENT_SCHEMA
from storage.store import open_store
from taskmine.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "sample_logs/data/sample_3users_2days.parquet"


def test_simulate_writes_parquet_that_reads_back(tmp_path, capsys):
    out = tmp_path / "sim.parquet"
    assert main(["simulate", "--out", str(out), "--users", "2", "--days", "1", "--seed", "4"]) == 0
    events, sidecars = read_parquet(out)
    expected = simulate(users=2, days=1, seed=4)
    assert events.height == expected.events.height
    assert events["truth_instance"].equals(expected.events["truth_instance"])
    assert sidecars["sessions"].height == 2
    assert sidecars["screenshots"].height == expected.screenshots.height
    assert f"{expected.events.height:,} events" in capsys.readouterr().err


def test_simulate_into_a_database_is_idempotent(tmp_path, capsys):
    db = tmp_path / "sim.duckdb"
    args = ["simulate", "--out", str(db), "--users", "1", "--days", "1", "--no-screenshots"]
    assert main(args) == 0
    assert main(args) == 0
    assert "nothing was added" in capsys.readouterr().err
    sim = simulate(users=1, days=1, screenshots=False)
    with open_store(db, read_only=True) as store:
        assert store.count("events") == sim.events.height
        assert store.count("sessions") == 1
        assert store.count("screenshots") == 0
        measured = measure_routines(store.read_events())
    # the ground truth survives the trip through the database
    expected = sim.routines.filter(pl.col("n_instances") > 0)
    assert measured["truth_process"].to_list() == expected["routine"].to_list()
    assert measured["work_hours"].to_list() == expected["work_hours"].to_list()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.csv"], "name the output FILE.parquet"),
        (["--out", "x.parquet", "--users", "0"], "at least 1"),
        (["--out", "missing/x.parquet"], "does not exist"),
    ],
)
def test_bad_requests_get_one_clear_line(tmp_path, capsys, args, message):
    args = [str(tmp_path / a) if a.endswith((".csv", ".parquet")) else a for a in args]
    assert main(["simulate", *args]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_committed_sample_is_what_the_simulator_makes():
    """The sample in the repository is regenerated from the current simulator (not stale)."""
    committed = pl.read_parquet(SAMPLE)
    fresh = simulate(users=3, days=2, seed=0)
    assert committed.select(list(EVENT_SCHEMA)).equals(fresh.events)
    shots = pl.read_parquet(SAMPLE.with_name("sample_3users_2days.screenshots.parquet"))
    assert shots["phash"].equals(fresh.screenshots["phash"])
    sizes = sum(p.stat().st_size for p in SAMPLE.parent.glob("sample_3users_2days*.parquet"))
    assert sizes < 3_000_000


def test_progress_bar_on_a_terminal(tmp_path, monkeypatch, capsys):
    """On a terminal the bar is drawn (its total is unknown at first) and then cleared."""
    monkeypatch.setattr("taskmine.ui.Ui.interactive", property(lambda self: True))
    out = tmp_path / "tty.parquet"
    assert (
        main(["simulate", "--out", str(out), "--users", "1", "--days", "1", "--no-screenshots"])
        == 0
    )
    assert out.exists()
    assert "simulated" in capsys.readouterr().err
