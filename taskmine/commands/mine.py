"""``taskmine mine`` and ``taskmine evaluate``."""

from __future__ import annotations

import argparse

from taskmine.ui import Ui


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("mine", help="segment, cluster, align and score the recordings")
    p.add_argument(
        "--db",
        required=True,
        help="database the results go to (and, without --data, the events come from)",
    )
    p.add_argument("--config", help="TOML configuration file ([mining] section)")
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="run the steps in this process (default) or on a Ray cluster",
    )
    p.add_argument(
        "--address",
        help="Ray cluster to run on: 'auto' (the one this machine is in), host:port or "
        "ray://host:10001; without it a local Ray instance is started",
    )
    p.add_argument(
        "--object-store",
        type=float,
        metavar="GB",
        help="object store of the local Ray instance the Ray engine starts, in GB "
        "(default: 2, or 30%% of memory when less); Ray spills to disk beyond it. "
        "An existing cluster's is set by `ray start --object-store-memory`",
    )
    p.add_argument(
        "--data",
        metavar="DIR",
        help="mine the events of a collector's landing area (DIR/events/user=…/day=…) "
        "instead of the database's",
    )
    p.set_defaults(func=run_mine)

    p = subparsers.add_parser("evaluate", help="score a mining run against ground-truth columns")
    p.add_argument("--db", required=True)
    p.add_argument("--run", type=int, help="mining run id (default: latest)")
    p.set_defaults(func=run_evaluate)


def run_mine(args: argparse.Namespace, ui: Ui) -> int:
    import os

    from mining.config import MiningConfig
    from mining.engines import open_engine
    from mining.engines.sources import landing_sources
    from mining.errors import MiningError
    from mining.pipeline import mine, mine_landing
    from storage.settings import load_config
    from storage.store import open_store

    config = load_config(MiningConfig, "mining", args.config, os.environ)
    if args.address and args.engine != "ray":
        raise MiningError("--address is for the Ray engine", "add --engine ray")
    store_bytes = _object_store(args)
    # a missing or empty landing area fails before any work (scanned once)
    sources = landing_sources(args.data) if args.data else None
    # the engine first: a cluster that cannot be reached leaves no database behind
    with (
        open_engine(args.engine, args.address, store_bytes) as engine,
        open_store(args.db, create=bool(args.data)) as store,
    ):
        with ui.progress("mining") as on_progress:
            if sources is not None:
                run_id = mine_landing(sources, store, config, on_progress, engine)
            else:
                run_id = mine(store, config, on_progress, engine)
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


def _object_store(args: argparse.Namespace) -> int | None:
    """``--object-store`` in bytes, refused where it cannot apply."""
    from mining.errors import MiningError

    if args.object_store is None:
        return None
    if args.engine != "ray":
        raise MiningError("--object-store is for the Ray engine", "add --engine ray")
    if args.address:
        raise MiningError(
            "--object-store sizes the Ray instance the engine starts, not an existing cluster",
            "give --object-store-memory to `ray start` on each node instead",
        )
    if not 0.1 <= args.object_store <= 1e6:  # Ray refuses a store under 75 MB
        raise MiningError(f"--object-store {args.object_store:g}: give at least 0.1 (GB)")
    return int(args.object_store * 1024**3)


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
