"""``taskmine explore``, ``taskmine demo`` and ``taskmine replay``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from taskmine.ui import Ui


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("explore", help="serve the explorer web app")
    p.add_argument("--db", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--config", help="TOML configuration file ([explorer] section)")
    p.set_defaults(func=run_explore)

    p = subparsers.add_parser("demo", help="simulate sample logs, mine them, open the explorer")
    p.add_argument("--db", help="database to build (default: a file in the current folder)")
    p.add_argument("--users", type=int, default=6)
    p.add_argument("--days", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--no-serve", action="store_true", help="build the database, do not serve")
    p.set_defaults(func=run_demo)

    p = subparsers.add_parser("replay", help="run an exported workflow on this desktop")
    p.add_argument("workflow", metavar="WORKFLOW.json")
    p.add_argument("--inputs", required=True, metavar="FILE.csv")
    p.add_argument("--dry-run", action="store_true", help="print the steps, touch nothing")
    p.add_argument("-y", "--yes", action="store_true", help="act without asking first")
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="wait this long for a window or element (default 10, at most 600)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=1,
        choices=range(0, 6),
        metavar="N",
        help="tries again of a step whose target did not appear (default 1)",
    )
    p.set_defaults(func=run_replay)


def run_explore(args: argparse.Namespace, ui: Ui) -> int:
    from explorer import ExplorerConfig, check_bind
    from storage.settings import load_config

    config = load_config(ExplorerConfig, "explorer", args.config)
    check_bind(args.host, config)
    db = Path(args.db)
    if not db.exists():
        ui.info(f"note: {db} does not exist; the explorer will say how to create it")
    _serve(db, args.host, args.port, config, ui)
    return 0


def _serve(db: Path, host: str, port: int, config: object, ui: Ui) -> None:
    from explorer import serve

    # The token itself is never printed: terminals keep scroll-back, logs keep lines.
    how = "; open it once with ?token=<your token>" if config.token.strip() else ""
    ui.info(f"explorer for {db} at http://{host}:{port}/{how}  (Ctrl+C stops it)")
    serve(db, host, port, config)


def run_demo(args: argparse.Namespace, ui: Ui) -> int:
    """Simulate, write, mine, then serve: the shortest way to see what taskmine does."""
    import mining
    from explorer import ExplorerConfig
    from sample_logs import simulate, write_simulation
    from storage.settings import load_config
    from storage.store import open_store

    db = Path(args.db or "taskmine-demo.duckdb")
    with ui.progress(f"simulating {args.users} users × {args.days} days") as on_progress:
        sim = simulate(args.users, args.days, seed=args.seed, on_progress=on_progress)
    added = write_simulation(sim, db)
    ui.info(f"wrote {added:,} simulated events to {db}")
    # TASKMINE_MINING_* variables apply as for `taskmine mine`; --seed seeds both stages
    config = load_config(mining.MiningConfig, "mining", None, os.environ, {"seed": args.seed})
    with open_store(db) as store, ui.progress("mining") as on_progress:
        run_id = mining.mine(store, config, on_progress)
        found = store.query("SELECT count(*) FROM processes WHERE run_id = ?", [run_id]).item()
    ui.info(f"mining run {run_id} found {found} candidate processes")
    if not args.no_serve:
        explorer_config = load_config(ExplorerConfig, "explorer", None, os.environ)
        _serve(db, "127.0.0.1", args.port, explorer_config, ui)
    return 0


def run_replay(args: argparse.Namespace, ui: Ui) -> int:
    """Validate the workflow and the inputs first, then print (dry run) or, after a yes,
    perform each run; the kill switch stops it at any moment."""
    import sys

    from explorer.workflow import load_workflow
    from recorder import replay
    from recorder.replay_inputs import read_inputs

    workflow = load_workflow(Path(args.workflow))
    rows = read_inputs(Path(args.inputs), workflow)
    replay.check_replayable(workflow, args.timeout)
    options = replay.ReplayOptions(timeout_s=args.timeout, retries=args.retries)
    if args.dry_run:
        for run, row in enumerate(rows, start=1):
            print(f"run {run} of {len(rows)}")
            for action in replay.plan_run(workflow, row, options.timeout_s):
                print(f"  {replay.describe(action)}")
        return 0
    if not args.yes:
        name, steps = workflow["process"]["name"], len(workflow["steps"])
        replay.ask_to_proceed(name, steps, len(rows), sys.stdin, sys.stderr)
    from recorder.replay_desktop import LiveDesktop

    name = replay.quoted(workflow["process"]["name"])
    with LiveDesktop() as desktop, ui.progress(f"replaying {name}") as on_progress:
        done = replay.replay(workflow, rows, options, desktop, on_progress)
    ui.info(f"replayed {name} {done} time(s)")
    return 0
