"""``taskmine import``, ``export`` and ``simulate``: getting data in and out."""

from __future__ import annotations

import argparse

from taskmine.ui import Ui

IMPORT_FORMATS = ("auto", "actionlogger", "smartrpa", "csv", "xes", "parquet")
PROCESS_EXPORT_FORMATS = ("bpmn", "pdd", "workflow", "xes", "csv", "pdd-md", "skeleton", "robot")
EVENT_EXPORT_FORMATS = ("parquet", "csv", "xes")
RAW_CSV_HELP = (
    "write CSV values as they are, for programs; by default text a spreadsheet would run "
    "as a formula (=, +, -, @ first) gets a ' in front"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("import", help="import recordings or UI logs into a database")
    p.add_argument("files", nargs="+", metavar="FILE", help="files or folders to import")
    p.add_argument("--db", required=True, help="database file (created if missing)")
    p.add_argument("--format", default="auto", choices=IMPORT_FORMATS)
    p.add_argument(
        "--column-map",
        metavar="TOML",
        help="column map for --format csv, or extra mappings over a detected format "
        "(see sample_logs/maps/)",
    )
    p.set_defaults(func=run_import)

    p = subparsers.add_parser("export", help="export mined instances or a candidate process")
    what = p.add_subparsers(dest="what", required=True, metavar="WHAT")
    q = what.add_parser("instances", help="one row per mined event, traceable to its input")
    q.add_argument("--db", required=True)
    q.add_argument("--out", required=True, help="CSV (or .parquet) file to write")
    q.add_argument("--run", type=int, help="mining run id (default: latest)")
    q.add_argument("--raw-csv", action="store_true", help=RAW_CSV_HELP)
    q.set_defaults(func=run_export_instances)
    q = what.add_parser("events", help="every event, as Parquet (with screenshots), CSV or XES")
    q.add_argument("--db", required=True)
    q.add_argument("--out", required=True, help="file to write; the suffix gives the format")
    q.add_argument("--format", default="auto", choices=("auto", *EVENT_EXPORT_FORMATS))
    q.add_argument("--raw-csv", action="store_true", help=RAW_CSV_HELP)
    q.set_defaults(func=run_export_events)
    q = what.add_parser(
        "process", help="a candidate process as BPMN, PDD, workflow, script, XES or CSV"
    )
    q.add_argument("process_id", type=int, metavar="ID")
    q.add_argument("--db", required=True)
    q.add_argument("--format", required=True, choices=PROCESS_EXPORT_FORMATS)
    q.add_argument("--out", required=True, help="file, or folder for a file named after it")
    q.add_argument("--run", type=int, help="mining run id (default: latest)")
    q.add_argument("--raw-csv", action="store_true", help=RAW_CSV_HELP)
    q.add_argument("--force", action="store_true", help="replace an existing file")
    q.set_defaults(func=run_export_process)

    p = subparsers.add_parser("simulate", help="simulate multi-user desktop work with ground truth")
    p.add_argument("--out", required=True, help="Parquet file (or .duckdb database) to write")
    p.add_argument("--users", type=int, default=3)
    p.add_argument("--days", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--no-screenshots", action="store_true", help="render no screenshots (for huge logs)"
    )
    p.set_defaults(func=run_simulate)

    p = subparsers.add_parser(
        "simulate-uilog",
        help="generate an unsegmented Action Logger or SmartRPA log with ground truth",
    )
    p.add_argument(
        "--family",
        required=True,
        help="excel_to_web, web_form, form_to_spreadsheet, email_to_erp, clickstream, "
        "or multi (3-4 families in one log); blind families: request_wizard, "
        "sheet_to_portal, fiori_inbox, blind_multi, or fiori_multi (apps of one launchpad)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="folder: writes logs/NAME.csv and truth/NAME.csv")
    p.add_argument("--layout", choices=("actionlogger", "smartrpa"), help="default: drawn")
    p.set_defaults(func=run_simulate_uilog)


def run_import(args: argparse.Namespace, ui: Ui) -> int:
    from storage.importers import import_logs, load_column_map
    from storage.store import open_store

    cmap = load_column_map(args.column_map) if args.column_map else None
    with open_store(args.db) as store, ui.progress("importing") as on_progress:
        results = import_logs(
            store, args.files, args.format, cmap, on_progress, lambda w: ui.info(f"warning: {w}")
        )
        total = store.count("events")
    for result in results:
        for note in result.notes:
            ui.info(f"warning: {note}")
        if result.already_imported:
            ui.detail(f"{result.path}: imported before, skipped")
        else:
            ui.detail(f"{result.path}: {result.n_events:,} events ({result.fmt})")
    added = sum(r.n_events for r in results)
    skipped = sum(r.already_imported for r in results)
    note = f"; {skipped} file(s) imported before were skipped" if skipped else ""
    ui.info(
        f"imported {added:,} events from {len(results)} file(s) into {args.db} "
        f"(now {total:,} events){note}"
    )
    return 0


def run_export_instances(args: argparse.Namespace, ui: Ui) -> int:
    from storage.exporters import export_instances
    from storage.store import open_store

    with open_store(args.db, read_only=True) as store:
        n = export_instances(store, args.out, args.run, raw_csv=args.raw_csv)
    ui.info(f"wrote {n:,} events of mined instances to {args.out}")
    return 0


def run_export_events(args: argparse.Namespace, ui: Ui) -> int:
    from storage.exporters import export_events
    from storage.store import open_store

    with open_store(args.db, read_only=True) as store, ui.progress("exporting"):
        n = export_events(store, args.out, args.format, raw_csv=args.raw_csv)
    ui.info(f"wrote {n:,} events to {args.out}")
    return 0


def run_export_process(args: argparse.Namespace, ui: Ui) -> int:
    """Write one candidate; an existing file only with --force, never through a link."""
    from pathlib import Path

    from explorer.export import export
    from storage.exporters.files import check_destination, write_atomically

    given = Path(args.out)
    into_folder = given.is_dir() and not given.is_symlink()
    if not into_folder:
        check_destination(given, args.force)  # before the (slow) rendering
    done = export(Path(args.db), str(args.process_id), args.format, args.run, args.raw_csv)
    out = given / done.filename if into_folder else given
    write_atomically(out, lambda tmp: tmp.write_bytes(done.content), overwrite=args.force)
    ui.info(f"wrote {out} ({args.format}, {len(done.content):,} bytes)")
    return 0


def run_simulate(args: argparse.Namespace, ui: Ui) -> int:
    from sample_logs import check_output, simulate, write_simulation

    check_output(args.out)
    with ui.progress("simulating user-days") as on_progress:
        sim = simulate(
            args.users,
            args.days,
            args.seed,
            screenshots=not args.no_screenshots,
            on_progress=on_progress,
        )
    written = write_simulation(sim, args.out)
    for row in sim.routines.iter_rows(named=True):
        ui.detail(f"{row['routine']}: {row['n_instances']:,} executions, {row['work_hours']:.1f} h")
    executions = int(sim.routines["n_instances"].sum())
    if not written:
        ui.info(f"{args.out} already holds this simulation; nothing was added")
        return 0
    ui.info(
        f"simulated {sim.events.height:,} events ({executions:,} routine executions, "
        f"{sim.screenshots.height:,} screenshots) of {args.users} user(s) over "
        f"{args.days} working day(s); wrote {written:,} events to {args.out}"
    )
    return 0


def run_simulate_uilog(args: argparse.Namespace, ui: Ui) -> int:
    from sample_logs import SimulationError
    from sample_logs.families import (
        BLIND_FAMILIES,
        FAMILIES,
        blind_fiori_log,
        blind_multi_log,
        blind_single_log,
        multi_routine_log,
        single_routine_log,
        write_uilog,
    )

    makers = {"multi": lambda: multi_routine_log(args.seed, args.layout)}
    makers |= {f: lambda f=f: single_routine_log(f, args.seed, args.layout) for f in FAMILIES}
    makers |= {f: lambda f=f: blind_single_log(f, args.seed, args.layout) for f in BLIND_FAMILIES}
    makers["blind_multi"] = lambda: blind_multi_log(args.seed, args.layout)
    makers["fiori_multi"] = lambda: blind_fiori_log(args.seed, args.layout)
    if args.family not in makers:
        raise SimulationError(
            f"unknown family {args.family!r}", f"choose one of {', '.join(makers)}"
        )
    log = makers[args.family]()
    log_path, truth_path = write_uilog(log, args.out)
    instances = log.truth.filter(log.truth["Task"] != "__noise__").select("Task", "idx").n_unique()
    ui.info(
        f"wrote {log.table.height:,} events ({instances:,} instances of "
        f"{len(log.routines)} routine(s), {log.layout}) to {log_path}; ground truth in {truth_path}"
    )
    return 0
