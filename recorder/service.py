"""The desktop service: systemd user unit, Windows Scheduled Task, macOS LaunchAgent.

Each OS gets a renderer (pure: tested on any OS) and an installer that writes the file
and asks the OS's service manager to start it. Also the CLI's view of a running
recorder: status, pause/resume and shipping, all through the state folder (`control`).
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from recorder import control
from recorder.config import RecorderConfig, db_path, default_config_path, state_dir
from recorder.errors import ServiceError
from storage.settings import describe

if TYPE_CHECKING:
    from recorder.upload import Collector

SERVICE_NAME = "taskmine-recorder"
LAUNCHD_LABEL = "org.taskmine.recorder"
SHIP_TIMEOUT_S = 120


def service_command(db: Path, config: Path) -> list[str]:
    """The recorder's command line, with this interpreter (the one taskmine lives in)."""
    return [
        sys.executable,
        "-m",
        "taskmine.cli",
        "record",
        "--db",
        str(db),
        "--config",
        str(config),
    ]


def render_systemd_unit(command: list[str]) -> str:
    exec_start = " ".join(_systemd_quote(arg) for arg in command)
    return f"""[Unit]
Description=taskmine desktop recorder
Documentation=https://github.com/taskmine/taskmine
After=graphical-session.target
PartOf=graphical-session.target

[Service]
Type=simple
ExecStart={exec_start}
Restart=on-failure
RestartSec=10
KillSignal=SIGTERM
TimeoutStopSec=30
Nice=10

[Install]
WantedBy=graphical-session.target
"""


def render_windows_task(command: list[str], user: str) -> str:
    """Task Scheduler XML (schema 1.2): start at logon of ``user``, restart on failure."""
    arguments = subprocess.list2cmdline(command[1:])
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>taskmine desktop recorder</Description>
    <URI>\\{SERVICE_NAME}</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>{escape(user)}</UserId>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>{escape(user)}</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
    <Priority>7</Priority>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(command[0])}</Command>
      <Arguments>{escape(arguments)}</Arguments>
    </Exec>
  </Actions>
</Task>
"""


def render_launchd_plist(command: list[str], log_path: Path) -> bytes:
    return plistlib.dumps(
        {
            "Label": LAUNCHD_LABEL,
            "ProgramArguments": command,
            "RunAtLoad": True,
            "KeepAlive": {"SuccessfulExit": False},
            "ProcessType": "Interactive",
            "StandardOutPath": str(log_path),
            "StandardErrorPath": str(log_path),
        }
    )


def render_default_config() -> str:
    """The documented TOML file: every setting, its help and its default, commented out."""
    lines = ["# taskmine recorder settings; uncomment a line to change it.", "[recorder]"]
    for name, default, help_text in describe(RecorderConfig):
        lines += [f"# {help_text}", f"# {name} = {_toml_value(default)}"]
    return "\n".join(lines) + "\n"


# -- install / uninstall --------------------------------------------------------------


def unit_path() -> Path:
    if sys.platform == "win32":
        return state_dir(RecorderConfig()) / f"{SERVICE_NAME}.xml"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user" / f"{SERVICE_NAME}.service"


def install(config: RecorderConfig, config_file: str | None, db: Path | None) -> str:
    """Write the service definition, create the config file if missing, start it."""
    config_path = Path(config_file) if config_file else default_config_path()
    command = service_command((db or db_path(config)).resolve(), config_path.resolve())
    if sys.platform == "win32":
        _write(unit_path(), render_windows_task(command, os.environ.get("USERNAME", "")), "utf-16")
        _run(["schtasks", "/Create", "/TN", SERVICE_NAME, "/XML", str(unit_path()), "/F"])
        _run(["schtasks", "/Run", "/TN", SERVICE_NAME])
    elif sys.platform == "darwin":
        plist = render_launchd_plist(command, state_dir(config) / "recorder.log")
        unit_path().parent.mkdir(parents=True, exist_ok=True)
        unit_path().write_bytes(plist)
        _run(["launchctl", "bootstrap", f"gui/{os.getuid()}", str(unit_path())])
    else:
        _require_systemd_user()
        _write(unit_path(), render_systemd_unit(command))
        _run(["systemctl", "--user", "daemon-reload"])
        _run(["systemctl", "--user", "enable", "--now", f"{SERVICE_NAME}.service"])
    if not config_path.exists():
        _write(config_path, render_default_config())
    return f"installed {unit_path()} (settings: {config_path})"


def uninstall() -> str:
    path = unit_path()
    if not path.exists():
        return f"not installed ({path} does not exist)"
    if sys.platform == "win32":
        _run(["schtasks", "/Delete", "/TN", SERVICE_NAME, "/F"])
    elif sys.platform == "darwin":
        _run(["launchctl", "bootout", f"gui/{os.getuid()}/{LAUNCHD_LABEL}"])
    else:
        _require_systemd_user()
        _run(["systemctl", "--user", "disable", "--now", f"{SERVICE_NAME}.service"])
    path.unlink()
    return f"removed {path}"


def _require_systemd_user() -> None:
    fix = (
        "log in to a desktop session run by systemd, or start "
        "`taskmine record --db FILE` from your desktop's autostart instead"
    )
    if shutil.which("systemctl") is None:
        raise ServiceError("cannot install the recorder service: systemd is not available", fix)
    probe = subprocess.run(
        ["systemctl", "--user", "show-environment"], capture_output=True, text=True, timeout=15
    )
    if probe.returncode != 0:
        reason = (probe.stderr or probe.stdout).strip().splitlines()
        raise ServiceError(
            "cannot install the recorder service: there is no systemd user session "
            f"({reason[0] if reason else 'systemctl --user failed'})",
            fix,
        )


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except OSError as exc:
        raise ServiceError(f"`{' '.join(command)}` could not run: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise ServiceError(
            f"`{' '.join(command)}` failed: {detail[0] if detail else done.returncode}"
        )


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)


def _systemd_quote(arg: str) -> str:
    arg = arg.replace("%", "%%")
    if arg and not any(c in arg for c in " \t\"'\\;$"):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$") + '"'


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return _toml_string(value) if isinstance(value, str) else str(value)
    return "[" + ", ".join(_toml_string(str(v)) for v in value) + "]"  # lists of strings


def _toml_string(text: str) -> str:
    return "'" + text + "'" if "'" not in text else '"' + text.replace('"', '\\"') + '"'


# -- talking to a running recorder -----------------------------------------------------


def status(config: RecorderConfig) -> list[str]:
    """Human-readable lines: state, counts, spool backlog, last error, service file."""
    current = control.read_status(state_dir(config))
    installed = unit_path().exists()
    service_line = f"service: {'installed' if installed else 'not installed'} ({unit_path()})"
    if current is None:
        return ["recorder: never ran with this state folder", *_outbox_lines(config), service_line]
    if current["running"]:
        state = f"{current['state']} (pid {current['pid']})"
    elif current["state"] == "stopped":
        state = "stopped"
    else:
        state = f"not running (ended without closing; last seen {current['updated_at']})"
    lines = [
        f"recorder: {state}",
        f"database: {current['db']}",
        f"session: {current['session_id']} (user {current['user_id']})",
        f"events written: {current['events_written']:,}; screenshots: "
        f"{current['screenshots_written']:,} ({current.get('screenshots_dropped', 0):,} "
        f"skipped while behind); dropped: {current['dropped_events']:,}; "
        f"spooled: {current['spooled_events']:,}",
    ]
    if control.is_paused(state_dir(config)) and current["state"] != "paused":
        lines.append("pause requested: takes effect within a second of the recorder running")
    if current.get("last_error"):
        lines.append(f"last error: {current['last_error']} (spool: {current['spool']})")
    if current.get("enqueue_p99_ms") is not None:
        lines.append(
            f"input→queue latency: p50 {current['enqueue_p50_ms']} ms, "
            f"p99 {current['enqueue_p99_ms']} ms"
        )
    lines.append(f"CPU time spent on screenshots: {current.get('screenshot_cpu_s', 0)} s")
    if current.get("ship_to"):
        failing = (
            f"; failing ({current['ship_failures']} in a row): {current['ship_error']}"
            if current.get("ship_error")
            else ""
        )
        lines.append(
            f"shipping to {current['ship_to']} every {config.ship_every_minutes:g} min: "
            f"{current['ship_acknowledged']:,} file(s) acknowledged{failing}"
        )
    return lines + _outbox_lines(config) + [service_line]


def _outbox_lines(config: RecorderConfig) -> list[str]:
    """Session files each collector has not acknowledged yet, and those it refused."""
    from recorder.outbox import outbox_backlog

    folder = state_dir(config)
    return [
        f"outbox for {collector}: {waiting} session file(s) not yet acknowledged"
        for collector, waiting in outbox_backlog(folder).items()
    ] + [
        f"outbox for {collector}: {refused} session file(s) refused by the collector, "
        "kept in the outbox's refused folder"
        for collector, refused in outbox_backlog(folder, refused=True).items()
    ]


def set_paused(config: RecorderConfig, paused: bool) -> str:
    folder = state_dir(config)
    control.set_paused(folder, paused)
    current = control.read_status(folder)
    word = "paused" if paused else "resumed"
    if current and current["running"]:
        return f"{word}: the recorder (pid {current['pid']}) follows within a second"
    return (
        f"{word}: the recorder is not running; it will start {'paused' if paused else 'recording'}"
    )


def ship(
    config: RecorderConfig, db: Path | None, to: str, collector: Collector | None = None
) -> list[Path]:
    """Ship closed sessions to a folder, or (``collector`` given) to a collector through
    the outbox in the state folder; returns the files written, or acknowledged."""
    if collector is None:
        return _export_sessions(config, db, Path(to))
    from recorder.outbox import outbox_dir, outbox_lock
    from recorder.upload import check_collector, upload_outbox

    check_collector(collector)
    outbox = outbox_dir(state_dir(config), collector.url)
    with outbox_lock(outbox):  # the running service may ship to it on its schedule
        _export_sessions(config, db, outbox)
        return upload_outbox(outbox, collector)


def _export_sessions(config: RecorderConfig, db: Path | None, to: Path) -> list[Path]:
    """Write closed sessions to ``to``; through the running recorder when it holds the
    database."""
    db = (db or db_path(config)).resolve()
    folder = state_dir(config)
    current = control.read_status(folder)
    if current and current["running"] and Path(current["db"]).resolve() == db:
        result_path = control.submit_request(folder, {"action": "ship", "to": str(to.resolve())})
        result = control.wait_result(result_path, SHIP_TIMEOUT_S)
        if result is None:
            raise ServiceError(f"the running recorder (pid {current['pid']}) did not answer")
        if "error" in result:
            raise ServiceError(f"shipping failed: {result['error']}")
        return [Path(f) for f in result["files"]]
    from recorder.ship import close_stale_sessions, ship_sessions
    from storage.store import open_store

    with open_store(db, create=False) as store:
        close_stale_sessions(store)
        return ship_sessions(store, to)
