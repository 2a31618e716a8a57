"""``taskmine record`` and ``taskmine recorder …``: the desktop side."""

from __future__ import annotations

import argparse

from taskmine.commands import NotImplementedYet
from taskmine.ui import Ui


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("record", help="run the recorder in the foreground")
    p.add_argument("--db", required=True, help="local database the recorder writes")
    p.add_argument("--config", help="TOML configuration file")
    p.set_defaults(func=run_record)

    p = subparsers.add_parser("recorder", help="manage the recorder as a desktop service")
    action = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, help_text in (
        ("install", "install and start the service"),
        ("uninstall", "stop and remove the service"),
        ("status", "is it running, paused, how much it recorded"),
    ):
        q = action.add_parser(name, help=help_text)
        q.add_argument("--config", help="TOML configuration file")
        q.set_defaults(func=run_recorder)


def run_record(args: argparse.Namespace, ui: Ui) -> int:
    raise NotImplementedYet("record")


def run_recorder(args: argparse.Namespace, ui: Ui) -> int:
    raise NotImplementedYet(f"recorder {args.action}")
