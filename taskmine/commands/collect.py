"""``taskmine collect …``: the fleet collector recorders ship to (`storage.collector`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from taskmine.ui import Ui, terminal_safe

_DATA_HELP = "the collector's data folder (landing area, tokens, ledger)"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "collect",
        help="run the fleet collector recorders ship to, or manage its tokens",
        description="Without a subcommand: serve the collector. See README.md, "
        "'Running a collector'.",
    )
    p.add_argument("--data", metavar="DIR", help=_DATA_HELP)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--certfile", help="TLS certificate (PEM); needed off loopback")
    p.add_argument("--keyfile", help="TLS private key (PEM)")
    p.add_argument("--config", help="TOML configuration file ([collector] section)")
    p.set_defaults(func=run_collect)
    action = p.add_subparsers(dest="collect_action", metavar="ACTION")

    q = action.add_parser("status", help="devices, their last upload, the backlog")
    _data(q)
    q.set_defaults(func=run_status)

    token = action.add_parser("token", help="add, list or revoke device tokens")
    token_action = token.add_subparsers(dest="token_action", required=True, metavar="ACTION")
    q = token_action.add_parser("add", help="create a device and print its token once")
    q.add_argument("name", metavar="NAME")
    q.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="ID",
        help="a user id the device may ship (repeatable; default: those of its first upload)",
    )
    _data(q)
    q.set_defaults(func=run_token)
    q = token_action.add_parser("list", help="the devices and their state")
    _data(q)
    q.set_defaults(func=run_status)
    q = token_action.add_parser("revoke", help="revoke a device's token at once")
    q.add_argument("name", metavar="NAME")
    _data(q)
    q.set_defaults(func=run_token)


def _data(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: `collect --data DIR token add X` keeps the DIR given before the action
    parser.add_argument("--data", metavar="DIR", default=argparse.SUPPRESS, help=_DATA_HELP)


def _root(args: argparse.Namespace) -> Path:
    from storage.errors import ConfigError

    if not args.data:
        raise ConfigError("the collector needs its data folder", "pass --data DIR")
    return Path(args.data)


def run_collect(args: argparse.Namespace, ui: Ui) -> int:
    import os

    from storage.collector.config import CollectorConfig, check_bind
    from storage.collector.ledger import Ledger
    from storage.errors import ConfigError
    from storage.settings import load_config

    root = _root(args)
    config = load_config(CollectorConfig, "collector", args.config, os.environ)
    if bool(args.certfile) != bool(args.keyfile):
        raise ConfigError("TLS needs both --certfile and --keyfile")
    devices = Ledger(root).active_devices()
    check_bind(args.host, bool(args.certfile), devices)
    try:
        from storage.collector.service import serve
    except ImportError as exc:
        raise ConfigError(
            f"the collector needs FastAPI and uvicorn ({exc.name} is missing)",
            "install them with `pip install 'taskmine[collector]'`",
        ) from exc
    scheme = "https" if args.certfile else "http"
    ui.info(f"collector for {root} at {scheme}://{args.host}:{args.port}/  (Ctrl+C stops it)")
    if devices == 0:
        ui.info("no device has a token yet: `taskmine collect token add NAME --data DIR`")
    serve(root, args.host, args.port, config, args.certfile, args.keyfile)
    return 0


def run_token(args: argparse.Namespace, ui: Ui) -> int:
    from storage.collector.ledger import Ledger

    ledger = Ledger(_root(args))
    if args.token_action == "revoke":
        ledger.revoke_device(args.name)
        ui.info(f"revoked the token of {args.name}; its uploads are refused from now on")
        return 0
    token = ledger.add_device(args.name, args.user)
    ui.info(f"device {args.name} added; its token (shown only now, keep it secret):")
    print(token)
    return 0


def run_status(args: argparse.Namespace, ui: Ui) -> int:
    from storage.collector.status import collector_status

    for line in collector_status(_root(args)):
        print(terminal_safe(line))
    return 0
