"""Real-desktop helpers: a private Xvfb, the Tk form app, a recorder subprocess.

The fixtures are re-exported by this folder's ``conftest.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FORM_APP = Path(__file__).resolve().parent / "form_app.py"


def wait_for(predicate, timeout: float = 15.0, what: str = "condition"):
    """Poll until ``predicate()`` is truthy; fail the test with ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@dataclass
class Desktop:
    display: str

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.display}

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, check=True, timeout=30)

    def click(self, x: int, y: int, repeat: int = 1, button: int = 1) -> None:
        self.xdotool(
            "mousemove", str(x), str(y), "click", "--repeat", str(repeat), "--delay", "80",
            str(button),
        )  # fmt: skip
        time.sleep(0.15)

    def type(self, text: str) -> None:
        self.xdotool("type", "--delay", "40", text)
        time.sleep(0.15)

    def key(self, combo: str) -> None:
        self.xdotool("key", combo)
        time.sleep(0.15)


@dataclass
class FormApp:
    title: str
    layout: dict
    saved: Path
    process: subprocess.Popen

    def at(self, widget: str) -> tuple[int, int]:
        return tuple(self.layout[widget])

    def saved_rows(self) -> list[dict]:
        if not self.saved.exists():
            return []
        return [json.loads(line) for line in self.saved.read_text().splitlines()]


def start_xvfb(size: str = "1280x800") -> tuple[subprocess.Popen, str]:
    """A private Xvfb of ``size`` on a free display (``-displayfd``); returns it and ``":N"``."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        return xvfb, f":{pipe.readline().strip()}"


@pytest.fixture(scope="module")
def desktop() -> Iterator[Desktop]:
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        pytest.skip("needs Xvfb and xdotool")
    xvfb, display = start_xvfb()
    if display == ":":
        xvfb.kill()
        pytest.skip("Xvfb did not start")
    yield Desktop(display)
    xvfb.terminate()
    xvfb.wait(timeout=10)


def start_form(
    desktop: Desktop, folder: Path, name: str, title: str, geometry: str, words: bool = False
) -> FormApp:
    """The Tk form app in a window of ``geometry`` (``WxH+X+Y``), showing `form_app.WORDS`
    if ``words``; returns once it is mapped."""
    layout = folder / f"{name}.layout.json"
    process = subprocess.Popen(
        [sys.executable, str(FORM_APP), "--title", title, "--geometry", geometry,
         "--out", str(folder / f"{name}.saved.jsonl"), "--layout", str(layout),
         *(["--words"] if words else [])],
        env=desktop.env,
    )  # fmt: skip
    wait_for(layout.exists, what=f"the {name} form window")
    return FormApp(title, json.loads(layout.read_text()), folder / f"{name}.saved.jsonl", process)


@pytest.fixture(scope="module")
def apps(desktop: Desktop, tmp_path_factory) -> Iterator[dict[str, FormApp]]:
    """Two form windows side by side: an ordinary one and one the policy denies."""
    folder = tmp_path_factory.mktemp("apps")
    started = {
        "orders": start_form(desktop, folder, "orders", "Orders - Form", "360x220+40+40"),
        "private": start_form(desktop, folder, "private", "Private Notes - Form", "360x220+500+40"),
    }
    yield started
    for app in started.values():
        app.process.terminate()
        app.process.wait(timeout=10)


@dataclass
class RecorderProcess:
    db: Path
    config: Path
    state_dir: Path
    process: subprocess.Popen
    log: Path
    env: dict[str, str]

    def status(self) -> dict | None:
        try:
            return json.loads((self.state_dir / "status.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        return self.log.read_text()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return run_cli(*args, "--config", str(self.config), env=self.env)


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "taskmine.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write_config(path: Path, **settings) -> Path:
    lines = ["[recorder]"] + [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def start_recorder(
    desktop: Desktop, folder: Path, db: Path | None = None, **settings
) -> RecorderProcess:
    """``taskmine record`` into ``db`` (default ``folder/rec.duckdb``) in a subprocess;
    returns once it is listening."""
    state = folder / "state"
    config = write_config(folder / "recorder.toml", state_dir=str(state), **settings)
    db = db or folder / "rec.duckdb"
    log = folder / "recorder.log"
    desktop.xdotool("mousemove", "1200", "700")  # away from every window: no initial focus
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "taskmine.cli", "record", "--db", str(db), "--config",
             str(config)],
            cwd=REPO,
            env=desktop.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    recorder = RecorderProcess(db, config, state, process, log, desktop.env)
    wait_for(recorder.status, what="the recorder's first status")
    return recorder
