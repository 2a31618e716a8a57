"""``taskmine mine`` and ``taskmine evaluate``."""

from __future__ import annotations

import argparse

from taskmine.ui import Ui


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("mine", help="segment, cluster, align and score the recordings")
    p.add_argument("--db", required=True)
    p.add_argument("--config", help="TOML configuration file ([mining] section)")
    p.set_defaults(func=run_mine)

    p = subparsers.add_parser("evaluate", help="score a mining run against ground-truth columns")
    p.add_argument("--db", required=True)
    p.add_argument("--run", type=int, help="mining run id (default: latest)")
    p.set_defaults(func=run_evaluate)


def run_mine(args: argparse.Namespace, ui: Ui) -> int:
    import os

    from mining.config import MiningConfig
    from mining.pipeline import mine
    from storage.settings import load_config
    from storage.store import open_store

    config = load_config(MiningConfig, "mining", args.config, os.environ)
    with open_store(args.db, create=False) as store:
        with ui.progress("mining") as on_progress:
            run_id = mine(store, config, on_progress)
        instances = store.read_results("instances", run_id)
        processes = store.read_results("processes", run_id)
    assigned = int((instances["process_id"] >= 0).sum()) if instances.height else 0
    ui.info(
        f"run {run_id}: {instances.height:,} task instances, {processes.height} candidate "
        f"processes ({assigned:,} instances in them)"
    )
    top = processes.sort("score", descending=True).head(5) if processes.height else processes
    for rank, row in enumerate(top.iter_rows(named=True), start=1):
        ui.info(
            f"  {rank}. [{row['process_id']}] {row['name']}: score {row['score']:.1f}, "
            f"{row['hours_saved_per_month']:.1f} h/month, {row['n_instances']} instances, "
            f"confidence {row['confidence']:.2f}"
        )
    return 0


def run_evaluate(args: argparse.Namespace, ui: Ui) -> int:
    """Print a run's scores against the events' ground truth as a small table."""
    from mining.evaluate import EVALUATION_ROWS, evaluate_run
    from storage.store import open_store

    with open_store(args.db, read_only=True) as store:
        result = evaluate_run(store, args.run)
    width = max(len(label) for _, label in EVALUATION_ROWS)
    print(f"{'run':<{width}}  {result['run_id']}")
    for key, label in EVALUATION_ROWS:
        value = result.get(key)
        if value is None:
            continue
        shown = f"{value:.4f}" if isinstance(value, float) else f"{value:,}"
        print(f"{label:<{width}}  {shown}")
    return 0
