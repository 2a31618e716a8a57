"""What a request needs to know: the database and the settings, kept on the Flask app.

Dash pages and callbacks are module-level functions, so they find the app they serve
through Flask's ``current_app`` rather than through module globals set at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from explorer.config import ExplorerConfig

_KEY = "TASKMINE_EXPLORER"


@dataclass(frozen=True)
class Context:
    db: Path
    config: ExplorerConfig


def attach(server: Flask, db: Path, config: ExplorerConfig) -> None:
    server.config[_KEY] = Context(Path(db), config)


def current() -> Context:
    """The context of the app serving this request (or the pushed app context in tests)."""
    return current_app.config[_KEY]
