"""The explorer's figures against mining's: on a really mined run, with no filter, every
factor, the automatability and the confidence are mining's; the per-instance similarity
behind them is mining's own; the savings interval behaves as a bootstrap should."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from explorer import queries
from explorer.consensus_fit import collapse
from explorer.figures import FACTORS
from explorer.savings import Assumptions, assumptions_from, bootstrap_hours, explain_interval
from mining.align import collapse_repeats
from storage.store import open_store


def test_collapse_is_minings_collapse_repeats() -> None:
    rng = random.Random(0)
    for _ in range(3000):
        sequence = [rng.randrange(4) for _ in range(rng.randrange(0, 30))]
        for max_block in (1, 2, 4):
            assert collapse(sequence, max_block) == collapse_repeats(sequence, max_block).actions


def test_unfiltered_figures_are_minings(mined_db: Path) -> None:
    found = queries.read_opportunities(mined_db, queries.Filters(), 0.0)
    with open_store(mined_db, read_only=True) as store:
        mined = store.query(
            "SELECT process_id::VARCHAR AS key, confidence, factors::VARCHAR AS factors, "
            "n_instances, n_users, per_week FROM processes WHERE run_id = ?",
            [store.latest_run_id()],
        )
    ours = found.ranking.join(mined, on="key", suffix="_mining")
    assert ours.height == mined.height
    for row in ours.iter_rows(named=True):
        factors = json.loads(row["factors"])
        for name in FACTORS:
            # mining measures regularity against the consensus before its last refinement
            # when alignment stops without converging; the explorer against the one shown
            close = 0.02 if name in ("regularity", "automatability") else 1e-9
            assert row[f"factor_{name}"] == pytest.approx(factors[name], abs=close), name
        assert row["confidence"] == pytest.approx(row["confidence_mining"], abs=1e-9)
        assert row["n_instances"] == row["n_instances_mining"]
        assert row["n_users"] == row["n_users_mining"]
        assert row["per_week"] == pytest.approx(row["per_week_mining"])
        # hours leave interruptions out, so they are at most mining's first-to-last span
        assert 0 < row["hours_per_month"] <= factors["hours_saved_per_month"] + 1e-9
        assert row["score"] == pytest.approx(row["hours_per_month"] * row["factor_automatability"])


def test_a_filter_recomputes_the_factors_from_its_instances(mined_db: Path) -> None:
    user = queries.read_filter_options(mined_db).users[0]
    everyone = queries.read_opportunities(mined_db, queries.Filters(), 0.0).ranking
    one = queries.read_opportunities(mined_db, queries.Filters(users=(user,)), 0.0).ranking
    both = one.join(everyone, on="key", suffix="_all")
    changed = both.filter(pl.col("n_instances") < pl.col("n_instances_all"))
    assert changed.height > 0
    assert (changed["score"] != changed["score_all"]).all()
    assert (changed["n_users"] == 1).all()
    moved = [f for f in FACTORS if (changed[f"factor_{f}"] != changed[f"factor_{f}_all"]).any()]
    assert "keyboard_share" in moved and "regularity" in moved


def hours_frame(cells: dict[tuple[str, int], float]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``hours`` and ``user_days`` frames of one unit "k" from {(user, day): hours}."""
    days = sorted({d for _, d in cells})
    users = sorted({u for u, _ in cells})
    user_days = pl.DataFrame(
        [(u, date(2026, 3, d)) for u in users for d in days],
        schema={"user_id": pl.String, "day": pl.Date},
        orient="row",
    )
    hours = pl.DataFrame(
        [("k", u, date(2026, 3, d), h) for (u, d), h in cells.items()],
        schema={"key": pl.String, "user_id": pl.String, "day": pl.Date, "hours": pl.Float64},
        orient="row",
    )
    return hours, user_days


def test_the_same_hours_every_user_day_give_no_spread() -> None:
    hours, days = hours_frame({(u, d): 1.0 for u in "abc" for d in range(2, 7)})
    low, high = bootstrap_hours(hours, days).interval()
    point = 15 / 1 * 52 / 12  # 15 hours in one working week
    assert low == pytest.approx(point) and high == pytest.approx(point)


def test_the_interval_holds_the_figure_and_widens_with_uneven_users() -> None:
    even, days = hours_frame({(u, d): 1.0 + 0.1 * d for u in "abcd" for d in range(2, 12)})
    uneven, _ = hours_frame(
        {(u, d): (4.0 if u == "a" else 0.1) + 0.1 * d for u in "abcd" for d in range(2, 12)}
    )
    width = []
    for hours in (even, uneven):
        found = bootstrap_hours(hours, days)
        point = float(hours["hours"].sum()) / 2 * 52 / 12
        low, high = found.interval()
        assert low <= point <= high
        width.append((high - low) / point)
        assert found.interval() == bootstrap_hours(hours, days).interval()  # reproducible
    assert width[1] > 3 * width[0]


def test_the_interval_of_a_sum_uses_the_same_draws() -> None:
    one, days = hours_frame({(u, d): 1.0 for u in "ab" for d in range(2, 7)})
    two = one.with_columns(key=pl.lit("j"), hours=pl.col("hours") * 2)
    found = bootstrap_hours(pl.concat([one, two]), days)
    (k_low, k_high), (j_low, j_high) = found.interval(["k"]), found.interval(["j"])
    assert found.interval() == pytest.approx((k_low + j_low, k_high + j_high))
    assert np.isfinite(j_low) and j_low == pytest.approx(2 * k_low)


def test_explanations_and_assumptions() -> None:
    assert "3 recorded users and 10 working days" in explain_interval(10, 20, 3, 10)
    assert explain_interval(float("nan"), float("nan"), 1, 1).startswith("One user on one day")
    defaults = Assumptions(40.0, 1.0, "€")
    assert assumptions_from({"hourly_cost": 55, "automation_rate": 80}, defaults) == Assumptions(
        55.0, 0.8, "€"
    )
    assert assumptions_from({"hourly_cost": -3, "automation_rate": 180}, defaults) == defaults
    assert assumptions_from(None, defaults) == defaults
