"""Service definitions for the three OSes, the default config file, and install errors."""

from __future__ import annotations

import configparser
import plistlib
import shlex
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from recorder.config import RecorderConfig, load_recorder_config
from recorder.service import (
    LAUNCHD_LABEL,
    render_default_config,
    render_launchd_plist,
    render_systemd_unit,
    render_windows_task,
    service_command,
)
from storage.settings import describe
from taskmine.commands.record import RECORDER_ACTIONS
from tests.recorder.recorder_harness import run_cli

TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


@pytest.fixture
def command(tmp_path: Path) -> list[str]:
    return service_command(tmp_path / "my data" / "rec%1.duckdb", tmp_path / "recorder.toml")


def test_systemd_unit_verifies_and_runs_the_recorder(command, tmp_path):
    unit = tmp_path / "taskmine-recorder.service"
    unit.write_text(render_systemd_unit(command))
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.read(unit)
    exec_start = parsed["Service"]["ExecStart"].replace("%%", "%")
    assert shlex.split(exec_start) == command
    assert parsed["Install"]["WantedBy"] == "graphical-session.target"
    assert parsed["Service"]["KillSignal"] == "SIGTERM"  # the recorder flushes on SIGTERM
    if shutil.which("systemd-analyze"):
        verify = subprocess.run(
            ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
        )
        assert verify.returncode == 0, verify.stderr


def test_windows_task_is_valid_task_scheduler_xml(command):
    xml = render_windows_task(command, "CORP\\ann & bob")
    root = ET.fromstring(xml.encode("utf-16"))
    assert root.tag == f"{{{TASK_NS['t']}}}Task"
    assert root.find("t:Triggers/t:LogonTrigger/t:UserId", TASK_NS).text == "CORP\\ann & bob"
    assert root.find("t:Actions/t:Exec/t:Command", TASK_NS).text == sys.executable
    arguments = root.find("t:Actions/t:Exec/t:Arguments", TASK_NS).text
    assert shlex.split(arguments) == command[1:]  # list2cmdline quoting, shell-compatible here
    assert root.find("t:Settings/t:ExecutionTimeLimit", TASK_NS).text == "PT0S"


def test_launch_agent_plist_round_trips(command, tmp_path):
    plist = plistlib.loads(render_launchd_plist(command, tmp_path / "recorder.log"))
    assert plist["Label"] == LAUNCHD_LABEL
    assert plist["ProgramArguments"] == command
    assert plist["RunAtLoad"] is True and plist["KeepAlive"] == {"SuccessfulExit": False}


def test_default_config_documents_every_setting_with_its_default(tmp_path):
    text = render_default_config()
    for name, _default, help_text in describe(RecorderConfig):
        assert help_text and f"# {help_text}\n# {name} = " in text
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") and " = " in line else line for line in text.splitlines()
    )
    path = tmp_path / "recorder.toml"
    path.write_text(uncommented)
    assert tomllib.loads(uncommented)["recorder"]
    assert load_recorder_config(path, env={}) == RecorderConfig()


def test_unknown_setting_is_rejected_with_a_hint(tmp_path):
    path = tmp_path / "recorder.toml"
    path.write_text("[recorder]\nscreenshot_max_widht = 800\n")
    result = run_cli("recorder", "status", "--config", str(path))
    assert result.returncode == 1
    assert "did you mean 'screenshot_max_width'?" in result.stderr


def _has_systemd_user_session() -> bool:
    if not shutil.which("systemctl"):
        return False
    probe = subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(_has_systemd_user_session(), reason="would really install the service")
def test_install_without_a_systemd_user_session_fails_clearly(tmp_path):
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(tmp_path)}
    result = run_cli("recorder", "install", "--db", str(tmp_path / "r.duckdb"), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot install the recorder service:")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "systemd").exists()


def test_readme_documents_every_setting_and_command():
    readme = (Path(__file__).resolve().parents[2] / "recorder" / "README.md").read_text()
    for name, _default, _help in describe(RecorderConfig):
        assert f"| `{name}` |" in readme
    for action, _help in RECORDER_ACTIONS:
        assert f"taskmine recorder {action}" in readme


def test_record_without_a_display_fails_clearly(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    config = tmp_path / "recorder.toml"
    config.write_text(f'[recorder]\nstate_dir = "{tmp_path / "state"}"\n')
    result = run_cli("record", "--db", str(tmp_path / "r.duckdb"), "--config", str(config), env=env)
    assert result.returncode == 1
    assert "error: cannot connect to the X display" in result.stderr
    assert "Traceback" not in result.stderr


def test_install_and_uninstall_drive_systemctl(tmp_path):
    """With a stand-in ``systemctl`` that logs its calls: files written, unit enabled."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    fake = bin_dir / "systemctl"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    fake.chmod(0o755)
    env = {
        "HOME": str(tmp_path),
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    db = tmp_path / "rec.duckdb"
    installed = run_cli("recorder", "install", "--db", str(db), env=env)
    assert installed.returncode == 0, installed.stderr
    unit = tmp_path / "config" / "systemd" / "user" / "taskmine-recorder.service"
    config = tmp_path / "config" / "taskmine" / "recorder.toml"
    assert f"--db {db} --config {config}" in unit.read_text()
    assert config.read_text() == render_default_config()
    assert calls.read_text().splitlines() == [
        "--user show-environment",
        "--user daemon-reload",
        "--user enable --now taskmine-recorder.service",
    ]
    removed = run_cli("recorder", "uninstall", env=env)
    assert removed.returncode == 0 and f"removed {unit}" in removed.stderr
    assert not unit.exists()
    assert calls.read_text().splitlines()[-1] == "--user disable --now taskmine-recorder.service"
