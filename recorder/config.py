"""The recorder's settings: one declarative table, resolved once by the CLI.

Precedence (lowest first): these defaults, ``[recorder]`` in the TOML file, then
``TASKMINE_RECORDER_<NAME>`` environment variables. `default_config_path` is where the
service looks for the file when none is given.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recorder.destination import check_collector_url, is_collector_url
from recorder.errors import ShipError
from storage.errors import ConfigError
from storage.settings import load_config, setting

DEFAULT_DENY_APPS = ["keepassxc", "keepass", "1password", "bitwarden", "lastpass", "enpass"]
DEFAULT_DENY_TITLES = [r"incognito", r"private browsing", r"inprivate", r"online banking"]
DEFAULT_SECRET_PATTERNS = [
    r"pass(word|wort|code|phrase)\b|\bpass\b",
    r"kennwort",
    r"mot de passe",
    r"contrase[nñ]a",
    r"\bpin\b",
    r"secret",
    r"\bcvv\b|\bcvc\b",
    r"\bsign[ -]?in\b|\blog[ -]?in\b",
]


@dataclass(frozen=True)
class RecorderConfig:
    """Settings of ``taskmine record`` and the recorder service."""

    db: str = setting("", "database the service records into (default: in the data dir)")
    state_dir: str = setting("", "folder for status, pause flag and salt (default: state dir)")
    backend: str = setting("auto", "window backend: auto, x11, windows, macos or fake")
    pseudonymize_user: bool = setting(True, "store a salted hash of the user name, not the name")
    user_salt: str = setting("", "salt for the user hash; empty: a random per-install salt")
    keep_text_apps: list[str] = setting([], "apps (process or WM class) whose typed text is kept")
    deny_apps: list[str] = setting(DEFAULT_DENY_APPS, "apps recorded only as a placeholder")
    deny_title_patterns: list[str] = setting(
        DEFAULT_DENY_TITLES, "regexes on window titles recorded only as a placeholder"
    )
    secret_patterns: list[str] = setting(
        DEFAULT_SECRET_PATTERNS, "regexes on field names and titles whose text is never kept"
    )
    redact_pii: bool = setting(True, "redact e-mails, phones, IBANs, cards, ids in stored text")
    screenshots: bool = setting(True, "take a screenshot on each action")
    screenshot_max_width: int = setting(1920, "downscale screenshots to at most this width")
    screenshot_quality: int = setting(50, "WebP quality, 1-100")
    tray_icon: bool = setting(True, "show the state in the system tray, where there is one")
    screenshot_crop_to_window: bool = setting(
        True, "crop screenshots to the active window (other windows are never captured)"
    )
    screenshot_dedup_distance: int = setting(
        3, "reuse the previous screenshot when at most N cells of 8x8 pixels changed visibly"
    )
    screenshot_key_every: int = setting(
        100, "a full frame at least every N screenshots; in between only what changed"
    )
    queue_size: int = setting(20000, "raw input queue length; inputs beyond it are counted drops")
    batch_size: int = setting(500, "events per write transaction at most")
    flush_interval_s: float = setting(1.0, "seconds between write transactions at most")
    type_gap_s: float = setting(2.0, "a pause in typing this long ends a type event")
    double_click_s: float = setting(0.0, "double-click interval; 0 uses the desktop's own")
    idle_after_s: float = setting(300.0, "inactivity this long is recorded as an idle event")
    pause_hotkey: str = setting("ctrl+alt+shift+p", "hotkey that pauses and resumes recording")
    spool_dir: str = setting("", "where to buffer events while the database is unwritable")
    retry_s: float = setting(5.0, "seconds between attempts to reach an unwritable database")
    session_minutes: float = setting(60.0, "close the session and start a new one this often")
    ship_to: str = setting(
        "", "folder (shared drive) or collector (https://HOST:PORT) the service ships to"
    )
    ship_every_minutes: float = setting(60.0, "how often the service ships when ship_to is set")
    ship_token_file: str = setting(
        "", "file holding the collector's device token (default: $TASKMINE_COLLECT_TOKEN)"
    )
    ship_cacert: str = setting("", "CA certificate file of a collector with its own certificate")
    ship_retry_s: float = setting(
        60.0, "first retry after a failed upload; the wait doubles up to ship_every_minutes"
    )


def load_recorder_config(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> RecorderConfig:
    """Resolve the recorder settings (see module docstring for the precedence)."""
    if path is None and default_config_path().exists():
        path = default_config_path()
    config = load_config(RecorderConfig, "recorder", path, env, overrides)
    if is_collector_url(config.ship_to):
        try:
            check_collector_url(config.ship_to)
        except ShipError as exc:
            raise ConfigError(f"setting ship_to: {exc}") from exc
    if config.ship_every_minutes <= 0 or config.ship_retry_s <= 0:
        raise ConfigError("ship_every_minutes and ship_retry_s must be more than 0")
    return config


def default_config_path() -> Path:
    return _platform_dir("config") / "recorder.toml"


def state_dir(config: RecorderConfig) -> Path:
    return Path(config.state_dir).expanduser() if config.state_dir else _platform_dir("state")


def db_path(config: RecorderConfig) -> Path:
    return Path(config.db).expanduser() if config.db else _platform_dir("data") / "recorder.duckdb"


def _platform_dir(kind: str) -> Path:
    """Per-user config/state/data folder following each OS's convention."""
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "taskmine" / kind
    if sys.platform == "darwin":
        sub = "Preferences" if kind == "config" else "Application Support"
        return home / "Library" / sub / "taskmine"
    xdg = {"config": "XDG_CONFIG_HOME", "state": "XDG_STATE_HOME", "data": "XDG_DATA_HOME"}[kind]
    fallback = {"config": ".config", "state": ".local/state", "data": ".local/share"}[kind]
    return Path(os.environ.get(xdg) or home / fallback) / "taskmine"
