"""Files in the state folder through which the CLI and a running recorder talk.

``status.json`` (written by the recorder about once a second), ``paused`` (a flag the
pause hotkey and ``taskmine recorder pause`` both set), and ``requests/`` (ship requests
the recorder's writer thread carries out, since it holds the database lock).
"""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import psutil

STATUS = "status.json"
PAUSED = "paused"
REQUESTS = "requests"


def write_status(state_dir: Path, status: dict[str, Any]) -> None:
    _write_atomic(state_dir / STATUS, json.dumps(status, indent=1, default=str))


def read_status(state_dir: Path) -> dict[str, Any] | None:
    """The last status, with ``running`` telling whether its process still lives."""
    try:
        status = json.loads((state_dir / STATUS).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    status["running"] = status.get("state") != "stopped" and _alive(status.get("pid"))
    return status


def set_paused(state_dir: Path, paused: bool) -> None:
    flag = state_dir / PAUSED
    if paused:
        state_dir.mkdir(parents=True, exist_ok=True)
        flag.touch()
    else:
        flag.unlink(missing_ok=True)


def is_paused(state_dir: Path) -> bool:
    return (state_dir / PAUSED).exists()


def user_salt(state_dir: Path) -> str:
    """A random per-install salt, created once and readable only by this user."""
    path = state_dir / "salt"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(16))
    return path.read_text(encoding="utf-8").strip()


def submit_request(state_dir: Path, request: dict[str, Any]) -> Path:
    """Queue a request for the running recorder; returns where its result will appear."""
    folder = state_dir / REQUESTS
    folder.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    _write_atomic(folder / f"{name}.json", json.dumps(request))
    return folder / f"{name}.result.json"


def take_requests(state_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Pending requests, oldest first, each removed as it is taken."""
    folder = state_dir / REQUESTS
    if not folder.is_dir():
        return []
    taken = []
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime):
        if path.name.endswith(".result.json"):
            continue
        request = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
        taken.append((path.with_name(path.stem + ".result.json"), request))
    return taken


def write_result(path: Path, result: dict[str, Any]) -> None:
    _write_atomic(path, json.dumps(result, default=str))


def wait_result(path: Path, timeout_s: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists():
            result = json.loads(path.read_text(encoding="utf-8"))
            path.unlink()
            return result
        time.sleep(0.1)
    return None


def _alive(pid: Any) -> bool:
    try:
        return (
            isinstance(pid, int)
            and psutil.pid_exists(pid)
            and (psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
        )
    except psutil.Error:
        return False


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
