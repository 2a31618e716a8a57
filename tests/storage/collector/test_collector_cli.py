"""``taskmine collect token …`` and ``collect status`` through the entry point."""

from __future__ import annotations

import hashlib
import sqlite3

from tests.storage.collector.collector_support import run_cli


def test_tokens_are_shown_once_stored_hashed_revoked_and_renewed(tmp_path):
    data = tmp_path / "collector"
    added = run_cli("collect", "--data", str(data), "token", "add", "desk-1", "--user", "\x1b[2J")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    assert token.startswith("tmc_") and len(token) > 40
    stored = sqlite3.connect(data / "collector.sqlite").execute("SELECT token_sha256 FROM devices")
    assert stored.fetchall() == [(hashlib.sha256(token.encode()).hexdigest(),)]
    assert token.encode() not in b"".join(p.read_bytes() for p in data.iterdir() if p.is_file())

    twice = run_cli("collect", "token", "add", "desk-1", "--data", str(data))
    assert twice.returncode == 1 and "already has a token" in twice.stderr
    bad = run_cli("collect", "token", "add", "../etc", "--data", str(data))
    assert bad.returncode == 1 and "device name" in bad.stderr and "Traceback" not in bad.stderr

    listed = run_cli("collect", "token", "list", "--data", str(data)).stdout
    assert "device desk-1: active; users \\x1b[2J" in listed and "\x1b" not in listed
    assert "last upload never" in listed

    assert run_cli("collect", "token", "revoke", "desk-1", "--data", str(data)).returncode == 0
    assert "revoked" in run_cli("collect", "status", "--data", str(data)).stdout
    again = run_cli("collect", "token", "revoke", "desk-1", "--data", str(data))
    assert again.returncode == 1 and "no device with an active token" in again.stderr
    renewed = run_cli("collect", "token", "add", "desk-1", "--data", str(data))
    assert renewed.returncode == 0 and renewed.stdout.strip() != token


def test_collect_without_a_data_folder_or_with_half_of_tls_is_one_line(tmp_path):
    missing = run_cli("collect")
    assert missing.returncode == 1 and "pass --data DIR" in missing.stderr
    half = run_cli("collect", "--data", str(tmp_path), "--certfile", "c.pem")
    assert half.returncode == 1 and "both --certfile and --keyfile" in half.stderr
    empty = run_cli("collect", "status", "--data", str(tmp_path / "nothing"))
    assert empty.returncode == 0 and "no collector data" in empty.stdout


def test_every_collector_setting_is_documented_in_the_readme():
    from storage.collector.config import CollectorConfig
    from storage.settings import describe
    from tests.paths import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Running a collector") :]
    for name, default, help_text in describe(CollectorConfig):
        assert f"| `{name}` | `{default}` | {help_text} |" in section
