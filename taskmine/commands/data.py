"""``taskmine import``, ``export`` and ``simulate``: getting data in and out."""

from __future__ import annotations

import argparse

from taskmine.commands import NotImplementedYet
from taskmine.ui import Ui

IMPORT_FORMATS = ("auto", "actionlogger", "smartrpa", "csv", "xes", "parquet")
PROCESS_EXPORT_FORMATS = ("bpmn", "pdd", "workflow", "xes", "csv")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("import", help="import recordings or UI logs into a database")
    p.add_argument("files", nargs="+", metavar="FILE", help="files or folders to import")
    p.add_argument("--db", required=True, help="database file (created if missing)")
    p.add_argument("--format", default="auto", choices=IMPORT_FORMATS)
    p.add_argument(
        "--column-map", metavar="TOML", help="column map for --format csv (see sample_logs/maps/)"
    )
    p.set_defaults(func=run_import)

    p = subparsers.add_parser("export", help="export mined instances or a candidate process")
    what = p.add_subparsers(dest="what", required=True, metavar="WHAT")
    q = what.add_parser("instances", help="one row per mined event, traceable to its input")
    q.add_argument("--db", required=True)
    q.add_argument("--out", required=True, help="CSV (or .parquet) file to write")
    q.add_argument("--run", type=int, help="mining run id (default: latest)")
    q.set_defaults(func=run_export_instances)
    q = what.add_parser("process", help="a candidate process as BPMN, PDD, workflow, XES or CSV")
    q.add_argument("process_id", type=int, metavar="ID")
    q.add_argument("--db", required=True)
    q.add_argument("--format", required=True, choices=PROCESS_EXPORT_FORMATS)
    q.add_argument("--out", required=True)
    q.add_argument("--run", type=int, help="mining run id (default: latest)")
    q.set_defaults(func=run_export_process)

    p = subparsers.add_parser("simulate", help="simulate multi-user desktop work with ground truth")
    p.add_argument("--out", required=True, help="Parquet file (or .duckdb database) to write")
    p.add_argument("--users", type=int, default=3)
    p.add_argument("--days", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_simulate)


def run_import(args: argparse.Namespace, ui: Ui) -> int:
    raise NotImplementedYet("import")


def run_export_instances(args: argparse.Namespace, ui: Ui) -> int:
    raise NotImplementedYet("export instances")


def run_export_process(args: argparse.Namespace, ui: Ui) -> int:
    raise NotImplementedYet("export process")


def run_simulate(args: argparse.Namespace, ui: Ui) -> int:
    raise NotImplementedYet("simulate")
