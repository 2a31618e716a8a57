"""Scoring: statistics with known values, every factor stored by name, a stable signature."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import polars as pl
import pytest

from mining.score import WEIGHTS, confidence_of, keyboard_counts, score_processes, signature_of

MONDAY = datetime(2026, 3, 2, 9)


def instances() -> pl.DataFrame:
    """P0: 10 runs of 6 min over one working week by two users; P1: 2 runs of 1 min."""
    rows = [(i, 0, f"u{i % 2}", MONDAY + timedelta(days=i % 5), 360.0) for i in range(10)]
    rows += [(10, 1, "u0", MONDAY, 60.0), (11, 1, "u0", MONDAY, 60.0)]
    rows += [(12, -1, "u1", MONDAY + timedelta(days=1), 30.0)]
    return pl.DataFrame(
        rows,
        schema={
            "instance_id": pl.Int64,
            "process_id": pl.Int32,
            "user_id": pl.String,
            "start_ts": pl.Datetime("us"),
            "duration_s": pl.Float64,
        },
        orient="row",
    )


def keyboard() -> pl.DataFrame:
    """The candidates' events' kinds, counted per instance as the pipeline does."""
    kinds = {i: ["copy", "paste", "type", "click"] for i in range(10)}
    kinds |= {10: ["click", "click", "scroll", "click"], 11: ["click", "click"]}
    events = pl.DataFrame(
        [(i, k) for i, ks in kinds.items() for k in ks],
        schema={"instance_id": pl.Int64, "kind": pl.String},
        orient="row",
    )
    return keyboard_counts(events)


def steps() -> pl.DataFrame:
    rows = [
        (0, 1, "copy|Excel|Invoice", "copy", "Excel", "Invoices <num>.xlsx", 1.0, None, None),
        (0, 2, "paste|SAP|Ref", "paste", "SAP", "Invoice <num>", 1.0, None, 1),
        (0, 3, "type|SAP|Amount", "type", "SAP", "Invoice <num>", 1.0, "amount_3", None),
        (0, 4, "click|SAP|Post", "click", "SAP", "Invoice <num>", 1.0, None, None),
        (1, 1, "click|Web|News", "click", "Web", None, 1.0, None, None),
        (1, 2, "click|Web|More", "click", "Web", None, 0.5, None, None),
        (1, 3, "scroll|Web|Page", "scroll", "Web", None, 0.5, None, None),
        (1, 4, "click|Web|Close", "click", "Web", None, 1.0, None, None),
    ]
    schema = {
        "process_id": pl.Int32,
        "step_no": pl.Int32,
        "action": pl.String,
        "kind": pl.String,
        "app": pl.String,
        "window_template": pl.String,
        "support": pl.Float64,
        "input_slot": pl.String,
        "transfer_from_step": pl.Int32,
    }
    return pl.DataFrame(rows, schema=schema, orient="row").with_columns(
        target=pl.col("action").str.split("|").list.last(), optional=pl.col("support") < 0.8
    )


def alignment() -> pl.DataFrame:
    """P0 is always done alike; P1's two instances share half their actions, one is an
    exception."""
    return pl.DataFrame(
        {"process_id": [0, 1], "consistency": [1.0, 0.5], "exception_share": [0.0, 0.5]},
        schema_overrides={"process_id": pl.Int32},
    )


def variants() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "process_id": [0, 1, 1],
            "variant_id": [0, 0, 1],
            "n_instances": [10, 1, 1],
            "share": [1.0, 0.5, 0.5],
        },
        schema_overrides={"process_id": pl.Int32},
    )


@pytest.fixture(scope="module")
def scored() -> dict[int, dict]:
    frame = score_processes(instances(), keyboard(), steps(), variants(), alignment())
    return {row["process_id"]: row for row in frame.iter_rows(named=True)}


def test_statistics_have_their_known_values(scored):
    p0 = scored[0]
    assert (p0["n_instances"], p0["n_users"], p0["n_variants"]) == (10, 2, 1)
    assert p0["per_week"] == pytest.approx(10.0)  # five recorded days are one week
    assert p0["mean_duration_s"] == pytest.approx(360.0)
    assert p0["total_hours"] == pytest.approx(1.0)
    assert p0["hours_saved_per_month"] == pytest.approx(52 / 12)
    assert p0["apps"] == ["Excel", "SAP"]


def test_every_factor_is_stored_by_name_and_explains_the_score(scored):
    factors = json.loads(scored[0]["factors"])
    assert set(WEIGHTS) <= set(factors)
    assert factors["rule_like_share"] == 1.0 and factors["regularity"] == 1.0
    assert factors["no_exception_share"] == 1.0 and factors["variant_entropy"] == 0.0
    assert factors["keyboard_share"] == pytest.approx(0.75)
    assert factors["n_transfers"] == 1 and factors["n_inputs"] == 1
    assert factors["transfer_share"] == pytest.approx(0.5)
    automatability = sum(factors[name] * w for name, w in WEIGHTS.items())
    assert factors["automatability"] == pytest.approx(automatability)
    assert scored[0]["score"] == pytest.approx(52 / 12 * automatability)
    p1 = json.loads(scored[1]["factors"])
    assert p1["rule_like_share"] == 0.5 and p1["regularity"] == 0.5
    assert p1["no_exception_share"] == 0.5 and p1["variant_entropy"] == 1.0


def test_frequent_regular_work_ranks_above_rare_irregular_work(scored):
    assert scored[0]["score"] > scored[1]["score"]


def test_names_say_what_moves_where(scored):
    assert scored[0]["name"] == "Enter invoice from Invoices into SAP"
    assert scored[1]["name"] == "Work on records in Web"


def test_signature_depends_on_the_main_actions_only():
    p0 = steps().filter(pl.col("process_id") == 0)
    shuffled = p0.reverse().with_columns(process_id=pl.lit(7, pl.Int32))
    assert signature_of(p0) == signature_of(shuffled)
    rare = p0.with_columns(support=pl.Series([1.0, 1.0, 1.0, 0.2]))
    assert signature_of(rare) != signature_of(p0)


def test_two_candidates_with_the_same_actions_get_distinct_names_and_signatures():
    twin = steps().filter(pl.col("process_id") == 0).with_columns(process_id=pl.lit(1, pl.Int32))
    both = pl.concat([steps().filter(pl.col("process_id") == 0), twin])
    frame = score_processes(instances(), keyboard(), both, variants(), alignment())
    assert frame["name"].n_unique() == 2 and frame["signature"].n_unique() == 2


def test_confidence_is_low_when_any_evidence_is_weak():
    assert confidence_of(1.0, 1.0, 1.0, 0.0) == pytest.approx(1.0)
    assert confidence_of(1.0, 1.0, 0.5, 0.875) == pytest.approx(0.5)
    assert confidence_of(0.0, 1.0, 1.0, 0.0) == 0.0
    assert confidence_of(1.0, 1.0, 1.0, 1.0) == 0.0
