"""Mining accuracy on the simulator (10 users x 10 days): F1, ARI, routines found, ranking,
and the calibration of candidate confidence against purity.

Calibration pools the candidates of three runs: the default configuration, which finds
nearly pure candidates, and two deliberately wrong ones (``cluster_epsilon`` 0.9 merges
routines into mixtures; ``cluster_min_size`` 3 with epsilon 0.3 splits them), so that
confidence is seen over the whole range of purity.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import polars as pl

from mining.config import MiningConfig
from mining.evaluate import evaluate_run
from mining.pipeline import mine
from sample_logs import simulate, write_simulation
from storage.store import Store, open_store

#: Configurations whose candidates are pooled to measure calibration.
CALIBRATION_CONFIGS = (
    MiningConfig(),
    MiningConfig(cluster_epsilon=0.9),
    MiningConfig(cluster_min_size=3, cluster_epsilon=0.3),
)


def main(users: int = 10, days: int = 10, seed: int = 0) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sim.duckdb"
        sim = simulate(users, days, seed, screenshots=False)
        write_simulation(sim, path)
        with open_store(path) as store:
            started = time.perf_counter()
            run_id = mine(store, MiningConfig())
            seconds = time.perf_counter() - started
            scores = evaluate_run(store, run_id)
            majority = candidates(store, run_id)
            pooled = pl.concat(
                [majority] + [candidates(store, mine(store, c)) for c in CALIBRATION_CONFIGS[1:]]
            )
    print(f"{sim.events.height:,} events, mined in {seconds:.1f} s")
    for key in ("routine_f1", "routine_ari", "instance_ari", "edit_distance"):
        print(f"  {key}: {scores[key]:.3f}")
    catalogue = sim.routines.sort("work_hours", descending=True)
    missing = set(catalogue["routine"]) - set(majority["routine"])
    print(
        f"  routines found: {catalogue.height - len(missing)}/{catalogue.height}; "
        f"missing {sorted(missing)}"
    )
    print("  ranking (candidates by score):", majority["routine"].to_list())
    print("  catalogue by work hours:       ", catalogue["routine"].to_list())
    first_of_each = majority["routine"].unique(maintain_order=True).to_list()
    print(f"  candidates: {majority.height} for {catalogue.height} routines")
    print(
        "  each routine's best candidate, in rank order, is the catalogue's order: "
        f"{first_of_each == catalogue['routine'].to_list()}"
    )
    print(f"  calibration over {pooled.height} candidates of {len(CALIBRATION_CONFIGS)} runs:")
    bins = pooled.with_columns(bin=(pl.col("confidence") * 5).floor().clip(0, 4) / 5)
    for row in (
        bins.group_by("bin")
        .agg(pl.col("purity").mean(), pl.col("confidence").mean(), pl.len())
        .sort("bin")
        .iter_rows()
    ):
        print(
            f"    confidence {row[0]:.1f}-{row[0] + 0.2:.1f}: mean confidence {row[2]:.3f}, "
            f"mean purity {row[1]:.3f} (n={row[3]})"
        )
    error = (pooled["confidence"] - pooled["purity"]).abs().mean()
    rho = pooled.select(pl.corr("confidence", "purity", method="spearman")).item()
    print(f"    mean |confidence - purity| {error:.3f}; Spearman rho {rho:.3f}")


def candidates(store: Store, run_id: int) -> pl.DataFrame:
    """Per candidate of a run, by descending score: its majority routine and purity (share
    of its events from that routine), score, confidence and hours saved."""
    truth = store.query("SELECT event_id, truth_process FROM events")
    events = store.read_results("instance_events", run_id)
    instances = store.read_results("instances", run_id)
    processes = store.read_results("processes", run_id)
    counts = (
        events.join(instances.select("instance_id", "process_id"), on="instance_id")
        .join(truth, on="event_id")
        .filter(pl.col("process_id") >= 0)
        .group_by("process_id", "truth_process")
        .len()
    )
    return (
        counts.sort("len", "truth_process", descending=[True, False])
        .group_by("process_id")
        .agg(
            routine=pl.col("truth_process").first(),
            purity=pl.col("len").first() / pl.col("len").sum(),
        )
        .join(
            processes.select("process_id", "score", "confidence", "hours_saved_per_month"),
            on="process_id",
        )
        .sort("score", descending=True)
    )


if __name__ == "__main__":
    main()
