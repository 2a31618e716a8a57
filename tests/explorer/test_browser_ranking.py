"""The ranking in Chromium: filters that recompute every figure, savings with their
interval, and tables that read in full (issue 11).

Numbers are read from the grids' data (``dash_ag_grid.getApi``) and what the page shows
is compared with them; nothing here knows mining's candidate names or counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.store import open_store
from tests.explorer.browser_support import RANKED_ROW, Tab, issue_tab, number
from tests.explorer.explorer_support import Server

pytestmark = pytest.mark.browser

RANKING = "opportunities-table"


@pytest.fixture(scope="module")
def server(mined_db: Path) -> Iterator[Server]:
    # everything in the ranking: filters act on every candidate
    running = Server(mined_db, env={"TASKMINE_EXPLORER_REVIEW_CONFIDENCE": "0"})
    yield running
    running.stop()


@pytest.fixture
def tab(browser, server: Server) -> Iterator[Tab]:
    opened = issue_tab(browser, server.url)
    yield opened
    opened.page.close()


@pytest.fixture(scope="module")
def first_user_and_day(mined_db: Path) -> tuple[str, str]:
    with open_store(mined_db, read_only=True) as store:
        user, day = store.query("SELECT min(user_id), min(ts)::DATE::VARCHAR FROM events").row(0)
    return user, day


def by_key(rows: list[dict]) -> dict[str, dict]:
    return {r["key"]: r for r in rows}


def wait_for_new_ranking(tab: Tab, before: list[dict]) -> list[dict]:
    counts = [str(r["n_instances"]) for r in before]
    tab.wait_for_grid_change(RANKING, "n_instances", [f"{int(c):,}" for c in counts])
    return tab.grid_data(RANKING)


# -- defect 4: filters recompute every figure --------------------------------------------


def test_a_user_filter_recomputes_score_confidence_rank_and_factors(
    tab: Tab, first_user_and_day: tuple[str, str]
) -> None:
    tab.open("/opportunities", RANKED_ROW)
    before = by_key(tab.grid_data(RANKING))
    tab.pick("opportunities-users", first_user_and_day[0])
    after = wait_for_new_ranking(tab, list(before.values()))
    fewer = [r for r in after if r["n_instances"] < before[r["key"]]["n_instances"]]
    assert fewer, "the user did not do every instance"
    factors = [f for f in after[0] if f.startswith("factor_")]
    assert factors
    for row in fewer:
        old = before[row["key"]]
        assert row["score"] != old["score"], row["name"]
        assert row["hours_saved_per_month"] != old["hours_saved_per_month"]
    changed = {f for row in fewer for f in factors if row[f] != before[row["key"]][f]}
    assert changed, "some score factor follows the filter"
    assert any(r["confidence"] != before[r["key"]]["confidence"] for r in fewer)
    # the rank is the order of the filtered scores
    assert [r["rank"] for r in after] == list(range(1, len(after) + 1))
    assert [r["score"] for r in after] == sorted((r["score"] for r in after), reverse=True)
    assert tab.errors == []


def test_a_one_day_range_gives_rates_per_working_week(
    tab: Tab, first_user_and_day: tuple[str, str]
) -> None:
    tab.open("/opportunities", RANKED_ROW)
    before = tab.grid_data(RANKING)
    day = first_user_and_day[1]
    for picker in ("#opportunities-dates", "#opportunities-dates-end, .dash-datepicker-end-date"):
        box = tab.page.locator(picker).first
        box.fill(day)
        box.press("Enter")
    rows = wait_for_new_ranking(tab, before)
    for row in rows:  # one recorded working day is a fifth of a week
        assert row["per_week"] == pytest.approx(5 * row["n_instances"]), row["name"]
    assert tab.errors == []


# -- defect 9: tables that read in full ----------------------------------------------------


def test_the_ranking_reads_in_full(tab: Tab) -> None:
    tab.open("/opportunities", RANKED_ROW)
    cut_headers = tab.page.evaluate(
        """() => [...document.querySelectorAll('#opportunities-table .ag-header-cell-text')]
            .filter(h => h.scrollWidth > h.clientWidth + 1).map(h => h.textContent)"""
    )
    assert cut_headers == []
    rows = tab.grid_data(RANKING)
    name = tab.page.locator(f'{RANKED_ROW}[row-index="0"] [col-id="name"]')
    name.hover()
    tooltip = tab.page.locator(".ag-tooltip")
    tooltip.wait_for()
    assert rows[0]["name"] in tooltip.inner_text()
    for shown in tab.column(RANKING, "per_week"):
        assert not re.fullmatch(r"[\d,]{2,}\.\d+", shown), shown  # no "195.0"
    # one candidate left: "1 candidate ranked"
    confidences = sorted((r["confidence"] for r in rows), reverse=True)
    tab.slide("opportunities-confidence", int(confidences[0] * 100))  # steps of 0.01
    tab.page.wait_for_function(
        "() => dash_ag_grid.getApi('opportunities-table').getDisplayedRowCount() === 1"
    )
    summary = tab.page.locator("#opportunities-summary").inner_text()
    assert summary.startswith("1 candidate ranked"), summary
    assert tab.errors == []


# -- savings an analyst can defend --------------------------------------------------------


def test_savings_have_an_interval_an_explanation_and_editable_assumptions(tab: Tab) -> None:
    tab.open("/opportunities", RANKED_ROW)
    rows = tab.grid_data(RANKING)
    for row in rows:
        assert row["hours_low"] <= row["hours_saved_per_month"] <= row["hours_high"]
        assert row["money_low"] <= row["money_per_month"] <= row["money_high"]
    portfolio = tab.page.locator("#opportunities-portfolio")
    text = portfolio.inner_text()
    total = sum(r["hours_saved_per_month"] for r in rows)
    assert f"{total:,.0f}" in text
    assert re.search(r"80 ?%", text) and "–" in text
    assert tab.page.locator("#opportunities-portfolio .explanation").inner_text().count(".") >= 1
    money = rows[0]["money_per_month"]
    cost = tab.page.locator("#savings-hourly-cost")
    cost.fill(str(2 * number(cost.input_value())))
    cost.press("Enter")
    tab.page.wait_for_function(
        """(money) => {
            let row = null;
            dash_ag_grid.getApi('opportunities-table').forEachNodeAfterFilterAndSort(
                n => { if (row === null) row = n.data; });
            return row && Math.abs(row.money_per_month - 2 * money) < 1e-6 * money + 0.01;
        }""",
        arg=money,
    )
    # the assumptions follow the analyst to a candidate's page
    tab.page.locator(f'{RANKED_ROW}[row-index="0"] [col-id="name"]').click()
    tab.page.wait_for_url("**/process/*")
    savings = tab.page.locator("#process-savings")
    savings.wait_for()
    tab.page.wait_for_function(
        "(money) => document.querySelector('#process-savings').innerText"
        ".includes(Math.round(2 * money).toLocaleString('en-US'))",
        arg=money,
    )
    assert re.search(r"80 ?%", savings.inner_text())
    assert tab.errors == []


def test_score_confidence_and_factors_explain_themselves(tab: Tab) -> None:
    tab.open("/opportunities", RANKED_ROW)
    tooltips = tab.page.evaluate(
        """() => {
            const defs = dash_ag_grid.getApi('opportunities-table').getColumnDefs();
            const flat = defs.flatMap(d => d.children || [d]);
            return Object.fromEntries(flat.map(d => [d.field, d.headerTooltip || '']));
        }"""
    )
    for field in ("score", "confidence", "hours_saved_per_month"):
        assert "=" in tooltips[field], field  # a formula
    factors = [f for f in tooltips if f.startswith("factor_")]
    assert factors and all("=" in tooltips[f] for f in factors)
    tab.page.locator("#opportunities-how summary").click()
    how = tab.page.locator("#opportunities-how").inner_text()
    assert "score =" in how and "confidence =" in how and "bootstrap" in how
    assert tab.errors == []


def test_a_candidate_opens_under_the_rankings_filters(
    tab: Tab, first_user_and_day: tuple[str, str]
) -> None:
    tab.open("/opportunities", RANKED_ROW)
    before = tab.grid_data(RANKING)
    tab.pick("opportunities-users", first_user_and_day[0])
    top = wait_for_new_ranking(tab, before)[0]
    tab.page.locator(f'{RANKED_ROW}[row-index="0"] [col-id="name"]').click()
    tab.page.wait_for_url(f"**/process/{top['key']}?users={first_user_and_day[0]}")
    figures = tab.page.locator("#process-figures")
    figures.wait_for()
    shown = dict(
        zip(
            [t.lower() for t in figures.locator(".kpi-label").all_inner_texts()],
            figures.locator(".kpi-value").all_inner_texts(),
            strict=True,
        )
    )
    assert number(shown["instances"]) == top["n_instances"]
    assert number(shown["users"]) == 1
    assert number(shown["score"]) == pytest.approx(top["score"], abs=0.05)
    # the instances listed are that user's only
    users = {r["user_id"] for r in tab.grid_data("process-instances")}
    assert users == {first_user_and_day[0]}
    assert tab.errors == []
