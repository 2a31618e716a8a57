"""Fixtures shared by every suite; shared paths are in `tests/paths.py`."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh database file (not created yet)."""
    return tmp_path / "test.duckdb"
