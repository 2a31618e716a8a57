"""Process discovery on a hand-made log: two variants of A-B-C-D with known counts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import polars as pl
import pytest

from mining.config import MiningConfig
from mining.discover import _sample, directly_follows, discover_model


def event_log() -> pl.DataFrame:
    """10 instances of A B C D (10 s per step), then 5 of A C B D (20 s per step)."""
    traces = [("ABCD", 10)] * 10 + [("ACBD", 20)] * 5
    rows = [
        {
            "instance_id": i,
            "position": p,
            "action": action,
            "ts": datetime(2026, 3, 2, 9) + timedelta(hours=i, seconds=step * p),
        }
        for i, (trace, step) in enumerate(traces)
        for p, action in enumerate(trace)
    ]
    return pl.DataFrame(rows).with_columns(pl.col("position").cast(pl.Int32))


@pytest.fixture(scope="module")
def model():
    return discover_model(event_log(), MiningConfig(discover_noise=0.0))


def test_variants_have_counts_shares_and_durations(model):
    variants = model.variants
    assert variants["actions"].to_list() == [list("ABCD"), list("ACBD")]
    assert variants["n_instances"].to_list() == [10, 5]
    assert variants["share"].to_list() == pytest.approx([2 / 3, 1 / 3])
    assert variants["mean_duration_s"].to_list() == pytest.approx([30.0, 60.0])
    per_instance = model.instance_variants.sort("instance_id")["variant_id"].to_list()
    assert per_instance == [0] * 10 + [1] * 5


def test_the_model_replays_its_own_log(model):
    assert model.fitness == pytest.approx(1.0)
    assert 0.0 < model.precision <= 1.0


def test_bpmn_is_xml_pm4py_reads_back(model, tmp_path):
    import pm4py

    path = tmp_path / "model.bpmn"
    path.write_text(model.bpmn_xml, encoding="utf-8")
    bpmn = pm4py.read_bpmn(str(path))
    names = {node.get_name() for node in bpmn.get_nodes()}
    assert set("ABCD") <= names


def test_dfg_counts_edges_and_their_mean_durations():
    dfg = directly_follows(event_log())
    edges = {(e["source"], e["target"]): e for e in dfg["edges"]}
    assert edges[("A", "B")]["count"] == 10 and edges[("A", "B")]["mean_s"] == 10.0
    assert edges[("A", "C")]["count"] == 5 and edges[("A", "C")]["mean_s"] == 20.0
    assert edges[("C", "B")]["count"] == 5
    assert dfg["start"] == [{"action": "A", "count": 15}]
    assert dfg["end"] == [{"action": "D", "count": 15}]
    assert {n["action"]: n["count"] for n in dfg["nodes"]} == dict.fromkeys("ABCD", 15)


def test_large_candidates_are_sampled_for_discovery_but_counted_in_full():
    model = discover_model(event_log(), MiningConfig(discover_max_instances=4))
    assert model.variants["n_instances"].sum() == 15
    assert json.loads(model.dfg)["start"][0]["count"] == 15


def test_long_instances_are_sampled_by_events_too():
    # token replay costs every prefix of every trace: 20 events of 4-step instances are
    # every third of the 15 instances, spread over the log
    sample = _sample(event_log(), 100, 20)
    assert sample["instance_id"].unique().sort().to_list() == [0, 3, 6, 9, 12]
