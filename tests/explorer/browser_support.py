"""Helpers of the explorer's browser suites: a tab that records console errors, grid and
plot readers, and a private server on a copy of a database (for tests that decide)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.explorer.explorer_support import REPO, Server

SHOTS = REPO / "artifacts" / "screenshots"
#: The viewport the issue's defects were reproduced at.
VIEWPORT = {"width": 1440, "height": 900}
RANKED_ROW = "#opportunities-table .ag-row"


class Tab:
    """A page that records console errors and uncaught exceptions."""

    def __init__(self, browser, base: str, viewport: dict | None = None) -> None:
        self.page = browser.new_page(
            viewport=viewport or {"width": 1400, "height": 1000}, accept_downloads=True
        )
        self.base = base
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: str, ready: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_selector(ready, timeout=60_000)
        self.page.wait_for_load_state("networkidle")

    def shot(self, name: str, folder: Path = SHOTS, full_page: bool = True) -> Path:
        """A screenshot, after scrolling once so lazily drawn grids render."""
        folder.mkdir(parents=True, exist_ok=True)
        self.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        self.page.wait_for_timeout(500)
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.wait_for_timeout(300)
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def column(self, grid: str, col: str) -> list[str]:
        """A grid column's cells in row order (rows carry their index as an attribute)."""
        return self.page.evaluate(
            """([grid, col]) => {
                const cells = document.querySelectorAll(`#${grid} .ag-row [col-id="${col}"]`);
                const seen = new Map();
                cells.forEach(c => seen.set(+c.closest('.ag-row').getAttribute('row-index'),
                                            c.textContent.trim()));
                return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(e => e[1]);
            }""",
            [grid, col],
        )

    def grid_data(self, grid: str) -> list[dict]:
        """Every row of a grid as data (not only the rendered ones), in displayed order."""
        return self.page.evaluate(
            """(grid) => {
                const rows = [];
                dash_ag_grid.getApi(grid).forEachNodeAfterFilterAndSort(n => rows.push(n.data));
                return rows;
            }""",
            grid,
        )

    def wait_for_grid_change(self, grid: str, col: str, before: list[str]) -> list[str]:
        """Wait until a grid column differs from ``before``; return it."""
        self.page.wait_for_function(
            """([grid, col, before]) => {
                const cells = [...document.querySelectorAll(
                    `#${grid} .ag-row [col-id="${col}"]`)].map(c => c.textContent.trim());
                return cells.length > 0 && JSON.stringify(cells) !== JSON.stringify(before);
            }""",
            arg=[grid, col, before],
            timeout=30_000,
        )
        return self.column(grid, col)

    def pick(self, dropdown: str, label: str) -> None:
        """Choose an option of a Dash dropdown by its visible label."""
        self.page.click(f"#{dropdown}")
        self.page.locator(".dash-dropdown-options").get_by_text(label, exact=True).click()
        self.page.keyboard.press("Escape")

    def slide(self, slider: str, steps: int | None = None) -> None:
        """Move a Dash slider's thumb with the keyboard: to its minimum, then ``steps``
        steps right (``None``: to its maximum in one move)."""
        thumb = self.page.locator(f"#{slider} [role=slider]")
        thumb.focus()
        if steps is None:
            thumb.press("End")
            return
        thumb.press("Home")
        for _ in range(steps):
            thumb.press("ArrowRight")

    def figure(self, graph: str) -> dict:
        """The data and layout plotly drew in a dcc.Graph."""
        return self.page.evaluate(
            """(graph) => {
                const gd = document.querySelector(`#${graph} .js-plotly-plot`);
                return {data: gd.data, layout: gd.layout};
            }""",
            graph,
        )


def issue_tab(browser, base: str) -> Tab:
    """A tab at the issue's `VIEWPORT` that waits up to 20 s for what it looks for."""
    opened = Tab(browser, base, VIEWPORT)
    opened.page.set_default_timeout(20_000)
    return opened


def number(text: str) -> float:
    """A number as a grid or a figure of merit shows it (``1,234.5``, ``48%``, ``€ 1,200``)."""
    found = re.search(r"-?[\d,]*\.?\d+", text)
    if not found:
        raise ValueError(f"no number in {text!r}")
    return float(found.group().replace(",", ""))


@contextmanager
def private_server(db: Path, tmp_path: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """``taskmine explore`` on a copy of ``db``: decisions made in a test stay in it."""
    copy = Path(shutil.copy(db, tmp_path / f"private-{db.name}"))
    running = Server(copy, env=env)
    try:
        yield running
    finally:
        running.stop()
