"""Absolute paths the suites share, built from this file's location (never the cwd)."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UI_LOGS = REPO.parent / "shared" / "benchmarks" / "ui_logs"
