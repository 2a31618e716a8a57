"""``taskmine record`` and ``taskmine recorder …``: the desktop side."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from taskmine.ui import Ui, terminal_safe

if TYPE_CHECKING:
    from recorder.config import RecorderConfig
    from recorder.upload import Collector

RECORDER_ACTIONS = (
    ("install", "install and start the service"),
    ("uninstall", "stop and remove the service"),
    ("status", "is it running, paused, how much it recorded"),
    ("pause", "pause recording until `resume` (or the pause hotkey)"),
    ("resume", "resume a paused recorder"),
    ("ship", "ship closed sessions as Parquet to a spool folder or a collector"),
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("record", help="run the recorder in the foreground")
    p.add_argument("--db", required=True, help="local database the recorder writes")
    p.add_argument("--config", help="TOML configuration file")
    p.set_defaults(func=run_record)

    p = subparsers.add_parser("recorder", help="manage the recorder as a desktop service")
    action = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, help_text in RECORDER_ACTIONS:
        q = action.add_parser(name, help=help_text)
        q.add_argument("--config", help="TOML configuration file")
        if name in ("install", "ship"):
            q.add_argument("--db", help="the recorder's database (default: setting `db`)")
        if name == "ship":
            q.add_argument(
                "--to",
                required=True,
                metavar="DIR|https://HOST:PORT",
                help="folder to write the Parquet files to, or a collector to upload them to",
            )
            q.add_argument(
                "--token",
                help="the device's collector token; shows in the process list: prefer "
                "$TASKMINE_COLLECT_TOKEN or --token-file",
            )
            q.add_argument(
                "--token-file",
                metavar="FILE",
                help="file holding the device's token (default: $TASKMINE_COLLECT_TOKEN, "
                "then the setting ship_token_file)",
            )
            q.add_argument(
                "--cacert",
                help="CA certificate file of a self-signed collector (default: ship_cacert)",
            )
        q.set_defaults(func=run_recorder)


def run_record(args: argparse.Namespace, ui: Ui) -> int:
    from recorder.config import load_recorder_config
    from recorder.session import Recorder

    config = load_recorder_config(args.config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    ui.info(
        f"starting the recorder on {args.db}; pause with {config.pause_hotkey} or "
        "`taskmine recorder pause`; stop with Ctrl+C"
    )
    recorder = Recorder(Path(args.db), config, env=os.environ)
    recorder.run(stop)
    ui.info(
        f"stopped: {recorder.writer.counts['events_written']:,} events written, "
        f"{recorder.listeners.dropped:,} dropped"
    )
    return 0


def run_recorder(args: argparse.Namespace, ui: Ui) -> int:
    from recorder import service
    from recorder.config import load_recorder_config

    config = load_recorder_config(args.config)
    if args.action == "status":
        return _show(service.status(config), ui)
    if args.action in ("pause", "resume"):
        ui.info(service.set_paused(config, args.action == "pause"))
        return 0
    if args.action == "ship":
        collector = _collector(args, config, ui)
        files = service.ship(config, Path(args.db) if args.db else None, args.to, collector)
        ui.info(f"shipped {len(files)} session file(s) to {args.to}")
        for path in files:
            ui.detail(str(path))
        return 0
    if args.action == "install":
        ui.info(service.install(config, args.config, Path(args.db) if args.db else None))
        return 0
    ui.info(service.uninstall())
    return 0


def _collector(args: argparse.Namespace, config: RecorderConfig, ui: Ui) -> Collector | None:
    """The collector ``--to`` names, with its token; None for a folder. The token comes
    from ``--token``, ``--token-file``, ``$TASKMINE_COLLECT_TOKEN`` or the setting
    ``ship_token_file``, in that order."""
    from recorder.destination import TOKEN_ENV, check_collector_url, device_token, is_collector_url
    from recorder.upload import Collector

    if not is_collector_url(args.to):
        return None
    check_collector_url(args.to)  # before anything quotes the address
    if args.token:
        ui.info(
            "warning: --token shows in the process list (`ps`) of every user of this "
            f"machine; prefer ${TOKEN_ENV} or --token-file"
        )
    token = device_token(os.environ, config.ship_token_file, args.token, args.token_file)
    return Collector(args.to, token, args.cacert or config.ship_cacert or None)


def _show(lines: list[str], ui: Ui) -> int:
    for line in lines:
        print(terminal_safe(line))  # the last error can quote a path or a title
    return 0
