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
    raise NotImplementedYet("evaluate")
