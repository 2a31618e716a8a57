"""The explorer in headless Chromium against a live server on a simulated, mined database.

Screenshots of every page go to ``artifacts/screenshots/`` (not committed) for review.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from explorer.workflow import validate_workflow
from storage.store import open_store
from tests.explorer.browser_support import RANKED_ROW, Tab
from tests.explorer.explorer_support import Server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def threshold(mined_db: Path) -> float:
    """The median confidence, so that both the ranking and the review queue have rows."""
    with open_store(mined_db, read_only=True) as store:
        return float(
            store.query(
                "SELECT median(confidence) FROM processes WHERE run_id = ?", [store.latest_run_id()]
            ).item()
        )


@pytest.fixture(scope="module")
def expected_ranking(mined_db: Path, threshold: float) -> list[tuple[str, str]]:
    """(key, name) of mining's candidates at or above the threshold (mining's best first)."""
    with open_store(mined_db, read_only=True) as store:
        frame = store.query(
            "SELECT process_id::VARCHAR AS key, name FROM processes WHERE run_id = ? "
            "AND confidence >= ? ORDER BY score DESC, hours_saved_per_month DESC",
            [store.latest_run_id(), threshold],
        )
    assert frame.height >= 1
    return list(frame.iter_rows())


@pytest.fixture(scope="module")
def server(mined_db: Path, threshold: float) -> Iterator[Server]:
    running = Server(mined_db, env={"TASKMINE_EXPLORER_REVIEW_CONFIDENCE": str(threshold)})
    yield running
    running.stop()


@pytest.fixture
def tab(browser, server: Server) -> Iterator[Tab]:
    opened = Tab(browser, server.url)
    yield opened
    opened.page.close()


def test_every_page_loads_without_console_errors(tab: Tab, expected_ranking) -> None:
    top = expected_ranking[0][0]
    pages = [
        ("/", ".kpi", "overview"),
        ("/opportunities", RANKED_ROW, "opportunities"),
        (f"/process/{top}", "#process-map .main-svg", "process"),
        ("/recordings", "#recordings-timeline .main-svg", "recordings"),
    ]
    for path, ready, name in pages:
        tab.open(path, ready)
        tab.shot(name)
        assert tab.errors == [], f"{path}: {tab.errors}"


def test_ranking_is_by_score_and_a_click_opens_the_detail(tab: Tab, expected_ranking) -> None:
    tab.open("/opportunities", RANKED_ROW)
    rows = tab.grid_data("opportunities-table")
    # the candidates confident enough, by descending score (working hours x automatability)
    assert sorted(r["name"] for r in rows) == sorted(n for _, n in expected_ranking)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert tab.column("opportunities-table", "name")[0] == rows[0]["name"]
    assert tab.column("opportunities-table", "rank")[:3] == ["1", "2", "3"][: len(rows)]
    assert len(tab.column("opportunities-review", "name")) >= 1
    tab.page.locator(f'{RANKED_ROW}[row-index="0"] [col-id="name"]').click()
    tab.page.wait_for_url(f"**/process/{rows[0]['key']}")
    tab.page.get_by_role("heading", level=1, name=rows[0]["name"], exact=True).wait_for()
    assert tab.errors == []


def test_filters_change_the_table(tab: Tab, mined_db: Path) -> None:
    tab.open("/opportunities", RANKED_ROW)
    before = sum(int(v.replace(",", "")) for v in tab.column("opportunities-table", "n_instances"))
    with open_store(mined_db, read_only=True) as store:
        user = store.query("SELECT min(user_id) FROM events").item()
    tab.page.click("#opportunities-users")
    tab.page.locator(".dash-dropdown-options").get_by_text(user, exact=True).click()
    tab.page.keyboard.press("Escape")
    tab.page.wait_for_function(
        """(before) => {
            const cells = document.querySelectorAll('#opportunities-table [col-id="n_instances"]');
            const sum = [...cells].slice(1).reduce((s, c) => s + (+c.textContent.replace(/,/g, '')
                                                            || 0), 0);
            return sum > 0 && sum < before;
        }""",
        arg=before,
        timeout=30_000,
    )
    tab.shot("opportunities-filtered")
    assert tab.errors == []


def test_each_export_button_downloads_a_file_that_parses(
    tab: Tab, expected_ranking, tmp_path: Path
) -> None:
    import pm4py

    tab.open(f"/process/{expected_ranking[0][0]}", "#process-export-bpmn")
    files = {}
    for fmt in ("bpmn", "pdd", "workflow", "xes", "csv"):
        with tab.page.expect_download(timeout=60_000) as download:
            tab.page.click(f"#process-export-{fmt}")
        files[fmt] = tmp_path / download.value.suggested_filename
        download.value.save_as(files[fmt])
    assert len(pm4py.read_bpmn(str(files["bpmn"])).get_nodes()) >= 3
    validate_workflow(json.loads(files["workflow"].read_text()))
    log = pm4py.read_xes(str(files["xes"]))
    events = pl.read_csv(files["csv"])
    assert log["case:concept:name"].nunique() == events["instance_id"].n_unique() > 0
    tab.page.goto(files["pdd"].as_uri())
    assert tab.page.locator("h1").inner_text() == expected_ranking[0][1]
    assert tab.page.locator("h2", has_text="Steps").count() == 1
    assert tab.errors == []


def test_an_instance_replays_with_its_screenshots(tab: Tab, expected_ranking) -> None:
    tab.open(f"/process/{expected_ranking[0][0]}", "#process-instances .ag-row")
    tab.page.locator('#process-instances .ag-row[row-index="0"] [col-id="user_id"]').click()
    tab.page.wait_for_selector("#process-replay-view .frame")
    frames = tab.page.locator("#process-replay-view .frame")
    assert frames.count() >= 2
    tab.page.wait_for_load_state("networkidle")
    loaded = tab.page.evaluate(
        "() => [...document.querySelectorAll('#process-replay-view img')]"
        ".filter(i => i.complete && i.naturalWidth > 0).length"
    )
    assert loaded >= 1
    tab.shot("process-replay")
    assert tab.errors == []


def test_a_rename_persists_across_a_restart(
    browser, mined_db: Path, tmp_path: Path, expected_ranking, threshold: float
) -> None:
    db = Path(shutil.copy(mined_db, tmp_path / "rename.duckdb"))
    env = {"TASKMINE_EXPLORER_REVIEW_CONFIDENCE": str(threshold)}
    key = expected_ranking[0][0]
    first = Server(db, env=env)
    try:
        tab = Tab(browser, first.url)
        tab.open(f"/process/{key}", "#process-rename")
        tab.page.fill("#process-name-input", "Post supplier invoices")
        tab.page.click("#process-rename")
        tab.page.wait_for_function(
            "() => document.querySelector('h1')?.textContent === 'Post supplier invoices'"
        )
        tab.page.close()
    finally:
        first.stop()
    second = Server(db, env=env)
    try:
        tab = Tab(browser, second.url)
        tab.open("/opportunities", RANKED_ROW)
        renamed = [r for r in tab.grid_data("opportunities-table") if r["key"] == key]
        assert [r["name"] for r in renamed] == ["Post supplier invoices"]
        assert tab.errors == []
        tab.page.close()
    finally:
        second.stop()


def test_a_missing_database_shows_what_to_do(browser, tmp_path: Path) -> None:
    running = Server(tmp_path / "nothing-here.duckdb")
    try:
        tab = Tab(browser, running.url)
        for path in ("/", "/opportunities"):
            tab.open(path, ".notice")
            assert "Database not found" in tab.page.locator(".notice h2").inner_text()
        tab.shot("missing-database")
        assert tab.errors == []
        tab.page.close()
    finally:
        running.stop()
