"""Fixtures shared by every suite. Paths are absolute, built from this file's location."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
UI_LOGS = REPO.parent / "shared" / "benchmarks" / "ui_logs"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh database file (not created yet)."""
    return tmp_path / "test.duckdb"
