"""Evaluation metrics on tiny examples with known values, and `taskmine evaluate`."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from mining.evaluate import evaluate_run, score_segmentation
from storage.store import open_store
from taskmine.cli import main


def frames(truth_instances, truth_processes, actions, found_instances, processes=None):
    """truth, found and actions frames for events 1..n (None: noise / not found)."""
    n = len(truth_instances)
    ids = list(range(1, n + 1))
    truth = pl.DataFrame(
        {"event_id": ids, "truth_process": truth_processes, "truth_instance": truth_instances},
        schema={"event_id": pl.Int64, "truth_process": pl.String, "truth_instance": pl.String},
    )
    rows = {"event_id": ids, "instance_id": found_instances}
    if processes is not None:
        rows["process"] = processes
    found = pl.DataFrame(rows, schema_overrides={"event_id": pl.Int64, "instance_id": pl.Int64})
    found = found.drop_nulls("instance_id")
    acts = pl.DataFrame(
        {"event_id": ids, "action": actions}, schema_overrides={"event_id": pl.Int64}
    )
    return truth, found, acts


def test_perfect_segmentation_scores_one_and_zero() -> None:
    truth, found, acts = frames(
        ["1", "1", "2", "2"], ["r", "r", "r", "r"], ["a", "b", "a", "b"], [0, 0, 1, 1], [7, 7, 7, 7]
    )
    r = score_segmentation(truth, found, acts)
    assert r["instance_ari"] == pytest.approx(1.0)
    assert r["edit_distance"] == pytest.approx(0.0)
    assert r["routine_f1"] == pytest.approx(1.0)
    assert (r["true_instances"], r["found_instances"]) == (2, 2)


def test_instance_ari_of_a_known_partition_is_zero() -> None:
    # truth {1,2},{3,4}; found {1,2,3},{4}: index = expected index, so ARI = 0 exactly
    truth, found, acts = frames(["1", "1", "2", "2"], ["r"] * 4, ["a", "b", "a", "b"], [0, 0, 0, 1])
    assert score_segmentation(truth, found, acts)["instance_ari"] == pytest.approx(0.0)


def test_edit_distance_against_the_best_overlapping_true_instance() -> None:
    # found instance 0 misses the last of four actions: 1/4; instance 1 is exact: 0
    truth, found, acts = frames(
        ["1"] * 4 + ["2"] * 4, ["r"] * 8, list("abcd") * 2, [0, 0, 0, None, 1, 1, 1, 1]
    )
    r = score_segmentation(truth, found, acts)
    assert r["edit_distance"] == pytest.approx((0.25 + 0.0) / 2)
    assert r["routine_events_kept"] == 7


def test_an_instance_made_only_of_noise_is_unmatched() -> None:
    # instance 0 is exact; instance 1 holds two noise events and no routine event
    truth, found, acts = frames(
        ["1", "1", None, None], ["r", "r", "__noise__", "__noise__"], list("abxy"), [0, 0, 1, 1]
    )
    r = score_segmentation(truth, found, acts)
    assert r["edit_distance"] == pytest.approx(0.0)
    assert r["edit_distance_all"] == pytest.approx(0.5)
    assert r["unmatched_instances"] == 1
    assert r["noise_events_kept"] == 2


def test_routine_f1_maps_each_cluster_to_its_majority_routine() -> None:
    # cluster 1 = 3 X + 1 Y → X; cluster 2 = 2 Y → Y. X: P 3/4 R 1; Y: P 1 R 2/3
    truth, found, acts = frames(
        ["1", "1", "1", "2", "2", "2"],
        list("XXXYYY"),
        list("abcabc"),
        [0, 0, 0, 1, 1, 1],
        [1, 1, 1, 1, 2, 2],
    )
    r = score_segmentation(truth, found, acts)
    f1_x, f1_y = 2 * 0.75 / 1.75, 2 * (2 / 3) / (5 / 3)
    assert r["routine_f1"] == pytest.approx((f1_x + f1_y) / 2)
    assert r["found_processes"] == 2


def test_noise_is_a_singleton_truth_and_unassigned_events_predict_no_routine() -> None:
    truth, found, acts = frames(
        ["1", "1", None, None],
        ["r", "r", "__noise__", None],
        list("abxy"),
        [0, 0, None, None],
        [3, 3, None, None],
    )
    r = score_segmentation(truth, found, acts)
    assert r["instance_ari"] == pytest.approx(1.0)
    assert r["routine_f1"] == pytest.approx(1.0)
    assert (r["noise_events"], r["noise_events_kept"]) == (2, 0)


def test_noise_kept_in_a_process_lowers_precision() -> None:
    truth, found, acts = frames(
        ["1", "1", None], ["r", "r", "__noise__"], list("abx"), [0, 0, 0], [3, 3, 3]
    )
    r = score_segmentation(truth, found, acts)
    assert r["routine_f1"] == pytest.approx(2 * (2 / 3) / (5 / 3))
    assert r["noise_events_kept"] == 1


def store_with_run(path: Path) -> int:
    """Four events of two true instances, and a run that found them with one process."""
    start = datetime(2026, 3, 2, 9)
    events = pl.DataFrame(
        {
            "user_id": ["u1"] * 4,
            "ts": [start + timedelta(seconds=s) for s in range(4)],
            "kind": ["click"] * 4,
            "element_label": list("abab"),
            "truth_process": ["r"] * 4,
            "truth_instance": ["1", "1", "2", "2"],
        }
    )
    with open_store(path) as store:
        store.append_events(events)
        run_id = store.start_run({"seed": 0}, "test", 0)
        store.finish_run(
            run_id,
            {
                "instances": pl.DataFrame(
                    {
                        "instance_id": [0, 1],
                        "user_id": ["u1", "u1"],
                        "process_id": [0, 0],
                        "start_ts": [start, start],
                        "end_ts": [start, start],
                        "n_events": [2, 2],
                        "duration_s": [1.0, 1.0],
                    }
                ),
                "instance_events": pl.DataFrame(
                    {
                        "instance_id": [0, 0, 1, 1],
                        "event_id": [1, 2, 3, 4],
                        "position": [0, 1, 0, 1],
                        "action": ["click|||", "b", "a", "b"],
                    }
                ),
            },
        )
    return run_id


def test_evaluate_run_reads_the_run_and_the_truth(tmp_path: Path) -> None:
    run_id = store_with_run(tmp_path / "t.duckdb")
    with open_store(tmp_path / "t.duckdb", read_only=True) as store:
        r = evaluate_run(store)
    assert r["run_id"] == run_id
    assert r["instance_ari"] == pytest.approx(1.0)
    assert r["routine_f1"] == pytest.approx(1.0)
    assert r["edit_distance"] == pytest.approx(0.0)


def test_cli_evaluate_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    store_with_run(tmp_path / "t.duckdb")
    assert main(["evaluate", "--db", str(tmp_path / "t.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "instance ARI" in out and "1.0000" in out
    assert "found instances" in out


def test_cli_evaluate_without_a_run_says_so(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with open_store(tmp_path / "empty.duckdb"):
        pass
    assert main(["evaluate", "--db", str(tmp_path / "empty.duckdb")]) == 1
    assert "no finished mining run" in capsys.readouterr().err
