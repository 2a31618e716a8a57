"""Does the explorer's 80 % savings interval hold the simulator's true hours per month?

The simulator knows how long each routine really took (`sample_logs.measure_routines`:
the gaps between consecutive events of each execution). Mined with the default
configuration, each candidate is matched to its majority routine (as `mining_accuracy`
does) and the explorer's figures are read as the Opportunities page shows them (no
filter, automation rate 1, so hours saved = recorded hours). A routine is covered when
its true hours per month lie in the interval of

- its largest candidate, and
- all its candidates together (what an analyst gets after merging them on the page;
  the interval of a sum comes from the same bootstrap draws).

Default: 10 users x 10 days, seeds 0, 1 and 2 (``python -m bench.savings_coverage USERS
DAYS SEED...``).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from bench.mining_accuracy import candidates
from explorer import queries
from mining.config import MiningConfig
from mining.pipeline import mine
from mining.score import WEEKS_PER_MONTH, WORKDAYS_PER_WEEK
from sample_logs import simulate, write_simulation
from storage.store import open_store


def coverage(users: int, days: int, seed: int) -> pl.DataFrame:
    """Per routine: true hours per month, the candidates' estimate and interval."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sim.duckdb"
        sim = simulate(users, days, seed, screenshots=False)
        write_simulation(sim, path)
        with open_store(path) as store:
            run_id = mine(store, MiningConfig())
            matched = candidates(store, run_id).select(
                key=pl.col("process_id").cast(pl.String), routine="routine", purity="purity"
            )
        started = time.perf_counter()
        found = queries.read_opportunities(path, queries.Filters(), review_below=0.0)
        seconds = time.perf_counter() - started
        queries.clear_caches()
    rows = found.ranking.join(matched, on="key")
    weeks = sim.events["ts"].dt.date().n_unique() / WORKDAYS_PER_WEEK
    truth = sim.routines.select(
        "routine", true_hours=pl.col("work_hours") / weeks * WEEKS_PER_MONTH
    )
    out = []
    for routine, true_hours in truth.iter_rows():
        mine_ = rows.filter(pl.col("routine") == routine).sort("hours_per_month", descending=True)
        if mine_.is_empty():
            out.append({"routine": routine, "true": true_hours, "found": False})
            continue
        best = mine_.row(0, named=True)
        low, high = found.bootstrap.interval(mine_["key"].to_list())
        out.append(
            {
                "routine": routine,
                "true": true_hours,
                "found": True,
                "candidates": mine_.height,
                "best": best["hours_per_month"],
                "best_low": best["hours_per_month_low"],
                "best_high": best["hours_per_month_high"],
                "all": float(mine_["hours_per_month"].sum()),
                "all_low": low,
                "all_high": high,
            }
        )
    print(f"  explorer figures for {rows.height} candidates in {seconds:.2f} s", flush=True)
    return pl.DataFrame(out).with_columns(
        best_covers=(pl.col("best_low") <= pl.col("true"))
        & (pl.col("true") <= pl.col("best_high")),
        all_covers=(pl.col("all_low") <= pl.col("true")) & (pl.col("true") <= pl.col("all_high")),
    )


def main(users: int = 10, days: int = 10, seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    for seed in seeds:
        print(f"simulator {users} users x {days} days, seed {seed}", flush=True)
        table = coverage(users, days, seed)
        for r in table.iter_rows(named=True):
            if not r["found"]:
                print(f"  {r['routine']:<24} true {r['true']:7.1f} h/month: no candidate")
                continue
            print(
                f"  {r['routine']:<24} true {r['true']:7.1f} | largest of {r['candidates']} "
                f"{r['best']:7.1f} [{r['best_low']:7.1f}, {r['best_high']:7.1f}] "
                f"{'covers' if r['best_covers'] else 'MISSES'} | all "
                f"{r['all']:7.1f} [{r['all_low']:7.1f}, {r['all_high']:7.1f}] "
                f"{'covers' if r['all_covers'] else 'MISSES'}"
            )
        print(
            f"  covered: largest candidate {table['best_covers'].sum()}/{table.height}, "
            f"all candidates of the routine {table['all_covers'].sum()}/{table.height}",
            flush=True,
        )


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:]]
    if len(numbers) >= 3:
        main(numbers[0], numbers[1], tuple(numbers[2:]))
    else:
        main()
