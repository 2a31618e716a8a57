"""Where shipping goes: a folder, or a collector's address; and the collector's token.

Light on imports (no HTTP client): the settings check a ``ship_to`` address when they
load. A collector address is ``https://HOST:PORT`` (plain ``http://`` only to this
machine, so that a token never crosses the network in clear text) and holds nothing
else: no path, and no ``user:password@``, which would end up in logs and process lists.
The token comes from a file or the environment, never from a long-running process's
command line (every user of the machine can read that with ``ps``).
"""

from __future__ import annotations

import logging
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from recorder.errors import ShipError
from storage.network import is_loopback

log = logging.getLogger("taskmine.recorder")

TOKEN_ENV = "TASKMINE_COLLECT_TOKEN"


def is_collector_url(destination: str) -> bool:
    return destination.startswith(("https://", "http://"))


def check_collector_url(url: str) -> None:
    """`ShipError` for an address that is no collector's or would leak the token. The
    message never repeats an address holding a password."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ShipError("the collector address is malformed; use https://HOST:PORT") from exc
    if parts.username is not None or parts.password is not None:
        raise ShipError(
            "the collector address holds a user name or password (user:password@)",
            "remove it: a collector authenticates devices by their token "
            f"(${TOKEN_ENV} or a token file)",
        )
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ShipError(f"{url} is not a collector address; use https://HOST:PORT")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ShipError(
            f"refusing to send a device token over plain HTTP to {parts.hostname}",
            "use https:// (the collector runs with --certfile/--keyfile or behind a proxy)",
        )


def device_token(
    env: Mapping[str, str],
    setting_file: str = "",
    token: str | None = None,
    token_file: str | None = None,
) -> str:
    """The device token, from the first of: ``token`` and ``token_file`` (command-line
    options), ``$TASKMINE_COLLECT_TOKEN``, the file of the setting ``ship_token_file``
    (the settings' precedence: the environment over the TOML file). "" if none."""
    if token:
        return token.strip()
    if token_file:
        return read_token_file(Path(token_file).expanduser())
    if env.get(TOKEN_ENV, "").strip():
        return env[TOKEN_ENV].strip()
    return read_token_file(Path(setting_file).expanduser()) if setting_file else ""


def read_token_file(path: Path) -> str:
    """The token in ``path``; warns when other users may read the file."""
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except (OSError, UnicodeDecodeError) as exc:
        raise ShipError(
            f"cannot read the token file {path}: {type(exc).__name__}",
            "write the device's token into it (`taskmine collect token add NAME`)",
        ) from exc
    if sys.platform != "win32" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the token file %s is readable by other users; chmod 600 it", path)
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def check_token(token: str) -> None:
    if not token:
        raise ShipError(
            "shipping to a collector needs a device token",
            f"set ${TOKEN_ENV}, or give a token file (--token-file, setting "
            "`ship_token_file`); `taskmine collect token add NAME` makes one",
        )
