"""``taskmine mine`` and ``taskmine evaluate``."""

from __future__ import annotations

import argparse

from taskmine.commands import NotImplementedYet
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
    raise NotImplementedYet("mine")


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
