"""The recorded mining run end to end on the simulator: results, reproducibility, the CLI."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import polars as pl
import pytest

from mining.config import MiningConfig
from mining.evaluate import evaluate_run
from mining.pipeline import mine
from sample_logs import simulate, write_simulation
from storage.store import RESULT_TABLES, open_store
from taskmine.cli import main
from tests.mining.results import results


@pytest.fixture(scope="module")
def mined(tmp_path_factory) -> tuple[Path, pl.DataFrame]:
    """3 users x 2 days, mined twice: once through the API, once through the CLI."""
    path = tmp_path_factory.mktemp("mine") / "sim.duckdb"
    sim = simulate(users=3, days=2, seed=3)
    write_simulation(sim, path)
    with open_store(path) as store:
        mine(store, MiningConfig())
    assert main(["-q", "mine", "--db", str(path)]) == 0
    return path, sim.routines


def test_every_frequent_routine_is_found_as_a_candidate(mined):
    path, routines = mined
    with open_store(path, read_only=True) as store:
        scores = evaluate_run(store, 1)
        truth = store.query("SELECT event_id, truth_process FROM events")
    # two routines run only 3-4 times in two days: fewer than cluster_min_size, unassigned
    assert scores["routine_f1"] >= 0.85
    found = results(path, 1)
    events = (
        found["instance_events"]
        .join(found["instances"], on="instance_id")
        .join(truth, on="event_id")
    )
    majority = (
        events.filter(pl.col("process_id") >= 0)
        .group_by("process_id", "truth_process")
        .len()
        .sort("len", descending=True)
        .group_by("process_id")
        .first()
    )
    frequent = routines.filter(pl.col("n_instances") >= 10)["routine"].to_list()
    assert set(frequent) <= set(majority["truth_process"].to_list())


def test_every_result_table_is_written_and_consistent(mined):
    found = results(mined[0], 1)
    processes, steps = found["processes"], found["process_steps"]
    assert processes.height >= 5
    assert set(steps["process_id"].unique()) == set(processes["process_id"])
    assert set(found["variants"]["process_id"].unique()) == set(processes["process_id"])
    assert processes["signature"].n_unique() == processes.height
    assert processes["confidence"].is_between(0.0, 1.0).all()
    assert processes["fitness"].is_between(0.0, 1.0).all()
    assert processes["bpmn_xml"].str.contains("<bpmn:definitions|<definitions").all()
    factors = json.loads(processes["factors"][0])
    assert {"automatability", "regularity", "keyboard_share", "n_apps"} <= set(factors)
    members = found["instances"].filter(pl.col("process_id") >= 0)
    assert members.height == processes["n_instances"].sum()
    assert steps["screenshot_id"].is_not_null().any()


def test_the_run_records_its_configuration_code_version_and_seed(mined):
    with open_store(mined[0], read_only=True) as store:
        runs = store.query("SELECT * FROM mining_runs ORDER BY run_id")
    assert runs["status"].to_list() == ["done", "done"]
    assert json.loads(runs["config"][0]) == asdict(MiningConfig())
    assert runs["code_version"][0].startswith("0.")
    assert runs["seed"][0] == 0


def test_the_same_input_and_config_give_identical_results(mined):
    first, second = results(mined[0], 1), results(mined[0], 2)
    for table in RESULT_TABLES:
        assert first[table].equals(second[table]), table


def test_a_failing_run_is_marked_failed_and_writes_nothing(mined, monkeypatch, tmp_path):
    import mining.pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    path = tmp_path / "copy.duckdb"
    path.write_bytes(mined[0].read_bytes())
    monkeypatch.setattr(mining.pipeline, "cluster_variants", broken)
    with open_store(path) as store, pytest.raises(RuntimeError):
        mine(store, MiningConfig())
    with open_store(path, read_only=True) as store:
        status = store.query("SELECT status FROM mining_runs WHERE run_id = 3")["status"]
        assert status.to_list() == ["failed"]
        assert store.query("SELECT count(*) AS n FROM processes WHERE run_id = 3")["n"][0] == 0


def test_cli_prints_a_summary_of_the_run(mined, capsys):
    assert main(["mine", "--db", str(mined[0])]) == 0
    err = capsys.readouterr().err
    assert "task instances" in err and "candidate processes" in err
    assert "  1. [" in err


def test_cli_says_what_to_do_when_the_database_is_missing(tmp_path, capsys):
    assert main(["mine", "--db", str(tmp_path / "none.duckdb")]) == 1
    assert "does not exist" in capsys.readouterr().err
