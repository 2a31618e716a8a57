"""Reviewing one candidate in Chromium: decisions and their undo, the process map, the
screenshots, the exports, and an instance found on the recordings page (issue 11).

Candidate names and counts come from the mined database, never from this file: mining
decides them. Tests that decide work on a private copy of the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from explorer.main_variants import MAX_MAIN_VARIANTS
from storage.store import open_store
from tests.explorer.browser_support import Tab, issue_tab, number, private_server
from tests.explorer.explorer_support import Server

pytestmark = pytest.mark.browser

UNDO = re.compile(r"^Undo")
SPLIT = re.compile(r"^Split")
CONFIRM = re.compile(r"^Confirm")


class Candidate(NamedTuple):
    key: str
    name: str
    n_instances: int
    confidence: float


@pytest.fixture(scope="module")
def candidates(mined_db: Path) -> list[Candidate]:
    """Mining's candidates, best score first."""
    with open_store(mined_db, read_only=True) as store:
        frame = store.query(
            "SELECT process_id::VARCHAR, name, n_instances, confidence FROM processes "
            "WHERE run_id = ? ORDER BY score DESC",
            [store.latest_run_id()],
        )
    assert frame.height >= 3, "the mined demo should give several candidates"
    return [Candidate(*row) for row in frame.iter_rows()]


@pytest.fixture(scope="module")
def threshold(candidates: list[Candidate]) -> float:
    """The median confidence: both the ranking and the review queue have rows."""
    ordered = sorted(c.confidence for c in candidates)
    return ordered[len(ordered) // 2]


@pytest.fixture(scope="module")
def server(mined_db: Path) -> Iterator[Server]:
    running = Server(mined_db)
    yield running
    running.stop()


@pytest.fixture
def tab(browser, server: Server) -> Iterator[Tab]:
    opened = issue_tab(browser, server.url)
    yield opened
    opened.page.close()


def button(tab: Tab, name: re.Pattern) -> object:
    return tab.page.get_by_role("button", name=name)


# -- defect 1: undo after a merge ----------------------------------------------------------


def test_undo_after_a_merge_restores_both_candidates(
    browser, mined_db: Path, tmp_path: Path, candidates: list[Candidate]
) -> None:
    survivor, absorbed = candidates[0], candidates[1]
    with private_server(mined_db, tmp_path) as running:
        tab = issue_tab(browser, running.url)
        tab.open(f"/process/{survivor.key}", "#process-merge")
        tab.pick("process-merge-with", absorbed.name)
        tab.page.click("#process-merge")
        merged = tab.page.locator(".badge", has_text="merged with")
        merged.wait_for()
        assert absorbed.name in merged.inner_text()
        tab.open(f"/process/{absorbed.key}", "h1")
        assert survivor.name in tab.page.locator(".notice, .page-header").first.inner_text()
        tab.open(f"/process/{survivor.key}", "#process-merge")
        button(tab, UNDO).click()
        merged.wait_for(state="detached")
        tab.open(f"/process/{absorbed.key}", "h1")
        assert tab.page.locator("h1").inner_text() == absorbed.name
        assert tab.errors == []


# -- defect 2: confirm from the review queue -----------------------------------------------


def test_a_candidate_in_review_can_be_confirmed_and_unconfirmed(
    browser, mined_db: Path, tmp_path: Path, threshold: float
) -> None:
    env = {"TASKMINE_EXPLORER_REVIEW_CONFIDENCE": str(threshold)}
    with private_server(mined_db, tmp_path, env) as running:
        tab = issue_tab(browser, running.url)
        tab.open("/opportunities", "#opportunities-review .ag-row")
        doubtful = tab.grid_data("opportunities-review")[0]
        tab.page.locator('#opportunities-review .ag-row[row-index="0"] [col-id="name"]').click()
        tab.page.wait_for_url(f"**/process/{doubtful['key']}")
        button(tab, CONFIRM).click()
        tab.page.locator(".badge", has_text="confirmed").wait_for()
        tab.open("/opportunities", "#opportunities-table .ag-row")
        assert doubtful["key"] in [r["key"] for r in tab.grid_data("opportunities-table")]
        assert doubtful["key"] not in [r["key"] for r in tab.grid_data("opportunities-review")]
        tab.open(f"/process/{doubtful['key']}", "h1")
        button(tab, UNDO).click()
        tab.page.locator(".badge", has_text="confirmed").wait_for(state="detached")
        tab.open("/opportunities", "#opportunities-review .ag-row")
        assert doubtful["key"] in [r["key"] for r in tab.grid_data("opportunities-review")]
        assert tab.errors == []


# -- defect 3: split into main variants and the rest ---------------------------------------


def test_split_gives_the_main_variants_and_the_rest_each_with_its_own_figures(
    browser, mined_db: Path, tmp_path: Path, candidates: list[Candidate]
) -> None:
    parent = max(candidates, key=lambda c: c.n_instances)
    with private_server(mined_db, tmp_path, {"TASKMINE_EXPLORER_REVIEW_CONFIDENCE": "0"}) as run:
        tab = issue_tab(browser, run.url)
        tab.open(f"/process/{parent.key}", "#process-split")
        button(tab, SPLIT).click()
        tab.page.wait_for_url("**/opportunities")
        tab.page.wait_for_selector("#opportunities-table .ag-row")
        parts = [
            r for r in tab.grid_data("opportunities-table") if r["key"].split(".")[0] == parent.key
        ]
        assert 2 <= len(parts) <= MAX_MAIN_VARIANTS + 1, [p["name"] for p in parts]
        assert sum(p["n_instances"] for p in parts) == parent.n_instances
        assert all(p["name"].startswith(f"{parent.name} · ") for p in parts)
        rest = [p["key"] for p in parts if p["name"].endswith(" · the rest")]
        assert rest in ([], [f"{parent.key}.rest"])
        assert len({round(p["score"], 6) for p in parts}) == len(parts)
        assert len({round(p["confidence"], 6) for p in parts}) > 1
        # each part's whole name shows: no cell cuts it off
        cut = tab.page.evaluate(
            """() => [...document.querySelectorAll('#opportunities-table [col-id="name"]')]
                .filter(c => c.classList.contains('ag-cell'))
                .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent)"""
        )
        assert cut == []
        assert tab.errors == []


# -- defect 5: a process map that reads at a glance -----------------------------------------


def map_caption(tab: Tab) -> str:
    return tab.page.locator("#process-map-caption").inner_text()


def boxes(tab: Tab) -> list[str]:
    steps = [t for t in tab.figure("process-map")["data"] if t.get("name") == "steps"]
    return steps[0]["text"] if steps else []


def test_the_process_map_reads_at_a_glance(tab: Tab, candidates: list[Candidate]) -> None:
    tab.open(f"/process/{candidates[0].key}", "#process-map .main-svg")
    scroll = tab.page.evaluate(
        "() => { const m = document.querySelector('#process-map').closest('.card');"
        " return [m.scrollWidth, m.clientWidth, document.documentElement.scrollWidth,"
        " window.innerWidth]; }"
    )
    assert scroll[0] <= scroll[1] and scroll[2] <= scroll[3], scroll
    main = boxes(tab)
    assert len(main) >= 3
    assert len(set(main)) == len(main), "one box per step"
    shown, total = (number(n) for n in re.findall(r"[\d,]+", map_caption(tab))[:2])
    figure = tab.figure("process-map")
    hovers = [h for t in figure["data"] for h in (t.get("hovertext") or [])]
    assert hovers and not any("|" in h for h in hovers), "no raw action keys"
    before = map_caption(tab)
    tab.slide("process-coverage")  # to 100: every step
    tab.page.wait_for_function(
        "(before) => document.querySelector('#process-map-caption').innerText !== before",
        arg=before,
        timeout=60_000,
    )
    every = boxes(tab)
    assert len(every) > len(main) and len(set(every)) == len(every)
    assert "No events" not in tab.page.locator("#process-map").inner_text()
    assert number(re.findall(r"[\d,]+", map_caption(tab))[1]) == total
    assert shown < total
    # a variant's own path
    tab.page.locator('#process-variants .ag-row[row-index="0"] [col-id="n_instances"]').click()
    tab.page.wait_for_function(
        "() => /variant/i.test(document.querySelector('#process-map-caption').innerText)"
    )
    assert 2 <= len(boxes(tab)) <= len(every) + 2
    variants_text = " ".join(tab.column("process-variants", "actions"))
    assert variants_text and "|" not in variants_text
    assert tab.errors == []


# -- defect 6: recordings follow the picked user and day, and name the candidate ----------


def click_first_instance_bar(tab: Tab) -> str:
    """Click an instance's bar on the day timeline; return the candidate's name."""
    target = tab.page.evaluate(
        """() => {
            const gd = document.querySelector('#recordings-timeline .js-plotly-plot');
            const index = gd.data.findIndex(t => t.customdata && t.customdata[0] != null
                                                 && t.name && t.name !== 'events');
            const trace = document.querySelectorAll('#recordings-timeline .barlayer .trace')[index];
            const box = trace.querySelector('.point path').getBoundingClientRect();
            return {name: gd.data[index].name, x: box.x + box.width / 2, y: box.y + box.height / 2};
        }"""
    )
    tab.page.mouse.click(target["x"], target["y"])
    return target["name"]


def test_the_recordings_instance_panel_names_its_candidate_and_follows_the_pickers(
    tab: Tab,
) -> None:
    tab.open("/recordings", "#recordings-timeline .main-svg")
    name = click_first_instance_bar(tab)
    link = tab.page.locator('#recordings-instance a[href^="/process/"]')
    link.wait_for()
    assert link.inner_text() == name
    link.click()
    tab.page.wait_for_url("**/process/*")
    tab.page.get_by_role("heading", level=1, name=name, exact=True).wait_for()
    tab.open("/recordings", "#recordings-timeline .main-svg")
    click_first_instance_bar(tab)
    link.wait_for()
    tab.page.click("#recordings-day")
    tab.page.locator(".dash-dropdown-options [role=option]").nth(1).click()
    tab.page.locator('#recordings-instance a[href^="/process/"]').wait_for(state="detached")
    assert "Click an instance" in tab.page.locator("#recordings-instance").inner_text()
    assert tab.errors == []


# -- defect 7: screenshots that open large, with the click marked --------------------------


def instances_without_screenshots(db: Path, key: str) -> int:
    """How many of a candidate's instances have no screenshot at all."""
    with open_store(db, read_only=True) as store:
        return store.query(
            """SELECT count(*) FROM instances i WHERE run_id = ? AND process_id = ?
               AND NOT EXISTS (SELECT 1 FROM instance_events ie JOIN events e USING (event_id)
                               WHERE ie.run_id = i.run_id AND ie.instance_id = i.instance_id
                                 AND e.screenshot_id IS NOT NULL)""",
            [store.latest_run_id(), int(key)],
        ).item()


def test_step_screenshots_open_large_with_the_click_marked(
    tab: Tab, mined_db: Path, candidates: list[Candidate]
) -> None:
    key = candidates[0].key
    assert instances_without_screenshots(mined_db, key) == 0
    tab.open(f"/process/{key}", "#process-steps-strip .frame")
    strip = tab.page.locator("#process-steps-strip")
    assert strip.locator(".frame").count() >= 3
    # a step whose own events took no screenshot (typing) shows the screen it happened on
    assert strip.locator(".frame-missing").count() == 0
    clicked = strip.locator(".frame img").first
    clicked.click()
    large = tab.page.locator("#process-lightbox img")
    large.wait_for()
    tab.page.wait_for_function(
        "() => document.querySelector('#process-lightbox img').naturalWidth > 0"
    )
    assert large.bounding_box()["width"] >= 700
    marker = tab.page.locator("#process-lightbox .click-marker")
    assert marker.count() == 1 and marker.is_visible()
    mark, image = marker.bounding_box(), large.bounding_box()
    assert image["x"] <= mark["x"] <= image["x"] + image["width"]
    assert image["y"] <= mark["y"] <= image["y"] + image["height"]
    tab.page.keyboard.press("Escape")
    large.wait_for(state="hidden")
    assert tab.errors == []


# -- defect 8: exports say they are working, and name their files cleanly ----------------


def test_an_export_shows_progress_and_a_clean_file_name(
    tab: Tab, candidates: list[Candidate], tmp_path: Path
) -> None:
    tab.open(f"/process/{candidates[0].key}", "#process-export-bpmn")
    held = []

    def hold_exports(route) -> None:
        if "process-download" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    tab.page.route("**/_dash-update-component*", hold_exports)
    tab.page.click("#process-export-bpmn")
    for _ in range(100):
        if held:
            break
        tab.page.wait_for_timeout(100)
    assert held, "the export request was sent"
    status = tab.page.locator("#process-export-status")
    assert "Preparing BPMN" in status.inner_text()
    assert tab.page.locator("#process-export-bpmn").is_disabled()
    with tab.page.expect_download(timeout=60_000) as download:
        held[0].continue_()
    name = download.value.suggested_filename
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.bpmn", name), name
    tab.page.wait_for_function(
        "(name) => document.querySelector('#process-export-status').innerText.includes(name)",
        arg=name,
    )
    assert tab.page.locator("#process-export-bpmn").is_enabled()
    tab.page.unroute("**/_dash-update-component*")
    assert tab.errors == []
