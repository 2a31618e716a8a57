"""The ``taskmine`` command: parses arguments and turns domain errors into clear messages.

Subcommands live in `taskmine.commands`, one module per stage; each module's
``register(subparsers)`` adds its commands and imports its stage lazily, so
``taskmine --help`` stays fast. The forms are a contract (DESIGN.md): extend, never break.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence

from storage.errors import TaskmineError
from taskmine import __version__
from taskmine.commands import NotImplementedYet, collect, data, explore, mine, record
from taskmine.ui import Ui

COMMAND_MODULES = (data, record, mine, explore, collect)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="taskmine",
        description="Record desktop work, mine it for routines, rank what to automate.",
    )
    parser.add_argument("--version", action="version", version=f"taskmine {__version__}")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-v", "--verbose", action="store_true", help="say more")
    loudness.add_argument("-q", "--quiet", action="store_true", help="only errors")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ui = Ui(verbosity=0 if args.quiet else 2 if args.verbose else 1, debug=args.debug)
    try:
        code = int(args.func(args, ui) or 0)
        sys.stdout.flush()  # a reader that went away shows here, not at exit
        return code
    except BrokenPipeError:
        # ``taskmine ... | head``: the reader has what it wanted; stop quietly, as
        # command-line tools do, and keep Python's exit flush from failing again
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by it
    except TaskmineError as exc:
        if args.debug:
            traceback.print_exc()
        ui.error(str(exc))
        return 2 if isinstance(exc, NotImplementedYet) else 1
    except KeyboardInterrupt:
        ui.error("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
