"""Fixtures of the explorer suites: a hand-built database, a really mined one, a server."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from explorer.config import ExplorerConfig
from tests.explorer.explorer_devdata import build_dev_db
from tests.explorer.explorer_support import CHROMIUM_ARGS, REPO, TASKMINE


@pytest.fixture(scope="session")
def dev_db_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_dev_db(tmp_path_factory.mktemp("dev") / "dev.duckdb")


@pytest.fixture
def dev_db(dev_db_master: Path, tmp_path: Path) -> Path:
    """A private copy of the hand-built database, free to modify."""
    return Path(shutil.copy(dev_db_master, tmp_path / "dev.duckdb"))


@pytest.fixture(scope="session")
def dash_app(tmp_path_factory: pytest.TempPathFactory):
    """The one Dash app of the test process (pages register globally, once)."""
    from explorer.server import create_app

    return create_app(tmp_path_factory.mktemp("app") / "none.duckdb", ExplorerConfig())


@pytest.fixture(scope="session")
def mined_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated (3 users × 2 days) and really mined database, built by `taskmine demo`.

    ``TASKMINE_TEST_MINED_DB`` names one built earlier (it is copied), to iterate faster.
    """
    db = tmp_path_factory.mktemp("mined") / "mined.duckdb"
    prebuilt = os.environ.get("TASKMINE_TEST_MINED_DB")
    if prebuilt:
        return Path(shutil.copy(prebuilt, db))
    # pm4py's precision replay dominates mining time: a smaller discovery sample keeps the
    # fixture quick; every other setting is the default
    env = {**os.environ, "TASKMINE_MINING_DISCOVER_MAX_INSTANCES": "20"}
    done = subprocess.run(
        [*TASKMINE, "demo", "--no-serve", "--db", str(db), "--users", "3", "--days", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    return db


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test of the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
