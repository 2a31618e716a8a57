"""Take the README's screenshots of the explorer with Playwright (headless Chromium).

    .venv/bin/python -m docs.screenshots.take_screenshots [DB]

Without ``DB`` it builds the demo database (`taskmine demo --no-serve`: 6 users x 5
days, seed 0) in a temporary folder. The PNGs land next to this file: the overview, the
opportunities page, the top candidate's page, and its savings card with the "how is
this computed" panel open. Viewport 1440 x 900, as the issues' defects were reported at.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.explorer.browser_support import RANKED_ROW, VIEWPORT, Tab
from tests.explorer.explorer_support import CHROMIUM_ARGS, REPO, TASKMINE, Server

HERE = Path(__file__).resolve().parent


def take(db: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    server = Server(db)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            tab = Tab(browser, server.url, VIEWPORT)
            shots = [_overview(tab), *_opportunities(tab), *_process(tab)]
            if tab.errors:
                raise RuntimeError(f"console errors: {tab.errors}")
            browser.close()
    finally:
        server.stop()
    return shots


def _overview(tab: Tab) -> Path:
    tab.open("/", "#overview-heatmap .main-svg")
    return tab.shot("overview", HERE)


def _opportunities(tab: Tab) -> list[Path]:
    tab.open("/opportunities", RANKED_ROW)
    tab.page.wait_for_timeout(500)
    return [tab.shot("opportunities", HERE, full_page=False)]


def _process(tab: Tab) -> list[Path]:
    tab.page.locator(f'{RANKED_ROW}[row-index="0"] [col-id="name"]').click()
    tab.page.wait_for_selector("#process-map .main-svg")
    tab.page.wait_for_load_state("networkidle")
    tab.page.set_viewport_size({"width": VIEWPORT["width"], "height": 1700})
    page = tab.shot("process", HERE, full_page=False)
    tab.page.set_viewport_size(VIEWPORT)
    tab.page.locator("#process-how summary").click()
    savings = tab.page.locator("#process-savings").locator("xpath=ancestor::section[1]")
    how = tab.page.locator("#process-how").locator("xpath=ancestor::section[1]")
    savings_path, how_path = HERE / "savings.png", HERE / "savings-formulas.png"
    savings.screenshot(path=str(savings_path))
    how.screenshot(path=str(how_path))
    return [page, savings_path, how_path]


def main(argv: list[str]) -> int:
    if argv:
        shots = take(Path(argv[0]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "demo.duckdb"
            subprocess.run([*TASKMINE, "demo", "--no-serve", "--db", str(db)], check=True, cwd=REPO)
            shots = take(db)
    for shot in shots:
        print(shot.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
