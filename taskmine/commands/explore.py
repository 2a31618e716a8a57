"""``taskmine explore``, ``taskmine demo`` and ``taskmine replay``."""

from __future__ import annotations

import argparse

from taskmine.commands import NotImplementedYet
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
    p.set_defaults(func=run_replay)


def run_explore(args: argparse.Namespace, ui: Ui) -> int:
    raise NotImplementedYet("explore")


def run_demo(args: argparse.Namespace, ui: Ui) -> int:
    raise NotImplementedYet("demo")


def run_replay(args: argparse.Namespace, ui: Ui) -> int:
    raise NotImplementedYet("replay")
