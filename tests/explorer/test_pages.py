"""Page layouts and callbacks called as plain functions: content, notices, decisions."""

from __future__ import annotations

import base64
import importlib
import json
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

import dash
import pytest
from dash.development.base_component import Component

from explorer.components.filmstrip import lightbox_state
from explorer.components.filters import filter_values, process_href, user_options
from explorer.config import ExplorerConfig
from storage.schema import MIGRATIONS
from storage.store import open_store
from tests.explorer.explorer_devdata import ROUTINES
from tests.explorer.explorer_support import serving_context


@pytest.fixture
def pages(dash_app) -> dict[str, ModuleType]:
    return {
        name: importlib.import_module(f"explorer.pages.{name}")
        for name in ("overview", "opportunities", "process", "recordings")
    }


def text_of(component: object) -> str:
    """All the text a component tree shows."""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text_of(c) for c in component)
    if isinstance(component, Component):
        return text_of(getattr(component, "children", None) or "")
    return ""


def older_schema_db(path: Path) -> Path:
    """A database stopped at migration 1 (before mining tables existed)."""
    import duckdb

    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP, description VARCHAR)"
    )
    con.execute(MIGRATIONS[0][2])
    con.execute("INSERT INTO schema_version VALUES (1, now(), 'recording tables')")
    con.close()
    return path


@pytest.mark.parametrize("page", ["overview", "opportunities", "recordings"])
@pytest.mark.parametrize(
    ("state", "title", "fix"),
    [
        ("missing", "Database not found", "taskmine import"),
        ("older", "Database needs upgrading", "open it once read-write"),
        ("corrupt", "Not a taskmine database", "restore it from a backup"),
    ],
)
def test_unreadable_database_explains_what_to_do(
    pages, tmp_path: Path, page: str, state: str, title: str, fix: str
) -> None:
    db = tmp_path / "work.duckdb"
    if state == "older":
        older_schema_db(db)
    elif state == "corrupt":
        db.write_bytes(b"this is not a database" * 100)
    with serving_context(db):
        shown = text_of(pages[page].layout())
    assert title in shown and fix in shown
    assert "Traceback" not in shown


def test_empty_database_and_no_mining_run(pages, tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    open_store(db).close()
    with serving_context(db):
        assert "No recordings yet" in text_of(pages["overview"].layout())
        assert "No recordings yet" in text_of(pages["recordings"].layout())
        shown = text_of(pages["opportunities"].layout())
        assert "No mining results yet" in shown and "taskmine mine --db FILE" in shown
        assert "No mining results yet" in text_of(pages["process"].layout(key="0"))


def test_pages_render_the_dev_database(pages, dev_db: Path) -> None:
    with serving_context(dev_db):
        assert "13,904" not in text_of(pages["overview"].layout())  # the dev db is not the sim
        assert "228" in text_of(pages["overview"].layout())
        detail = text_of(pages["process"].layout(key="0"))
        assert "Enter invoice" in detail and "Consensus workflow" in detail
        assert "step 2 (Outlook) → step 4 (SAP): Reference" in detail
        assert "No such candidate process" in text_of(pages["process"].layout(key="77"))


def test_filters_callback_changes_the_ranking(pages, dev_db: Path) -> None:
    update = pages["opportunities"].update_tables
    with serving_context(dev_db):
        rows, columns, review, dismissed, summary, portfolio = update(None, None, None, None, 0)
        assert [r["name"] for r in rows] == ["Enter invoice", "Look up customer"]
        assert [r["name"] for r in review] == ["Export report"]
        assert any(c.get("headerName") == "Score factors" for c in columns)
        assert summary == "2 candidates ranked · 1 to review · 0 dismissed"
        total = sum(r["hours_saved_per_month"] for r in rows)
        assert f"{total:,.0f} h" in text_of(portfolio)
        rows, _, _, _, summary, _ = update("2026-11-17", "2026-11-17", ["u1"], "CRM", 0)
        assert summary.startswith("1 candidate ranked")
        # the analyst's own hourly cost and automation rate
        rows_50, *_ = update(None, None, None, None, 0, 50, 50)
    assert [(r["name"], r["n_instances"]) for r in rows] == [("Look up customer", 3)]
    assert rows_50[0]["money_per_month"] == pytest.approx(25 * rows_50[0]["hours_per_month"])


def test_rename_button_records_a_decision_that_the_ranking_shows(pages, dev_db: Path) -> None:
    process = pages["process"]
    with serving_context(dev_db):
        href, _ = process.apply_decision("process-rename", "1", "sig-lookup", "Find customer", None)
        assert href == "/process/1"
        rows, *_ = pages["opportunities"].update_tables(None, None, None, None, 0)
        assert "Find customer" in [r["name"] for r in rows]
        href, message = process.apply_decision("process-merge", "0", "sig-invoice", None, None)
        assert message.startswith("Choose")
        href, _ = process.apply_decision("process-confirm", "2", "sig-report", None, None)
        assert href == "/process/2"
        rows, _, review, *_ = pages["opportunities"].update_tables(None, None, None, None, 0)
        assert "Export report" in [r["name"] for r in rows] and review == []
        href, _ = process.apply_decision("process-undo", "2", "sig-report", None, None)
        _, _, review, *_ = pages["opportunities"].update_tables(None, None, None, None, 0)
        assert [r["name"] for r in review] == ["Export report"]


def test_export_callback_downloads_the_asked_format(pages, dev_db: Path) -> None:
    download = pages["process"]._download("workflow", "Workflow JSON")
    with serving_context(dev_db):
        sent, message = download(1, "0", "Enter invoice: FB60 – SAP Easy Access -")
    assert sent["filename"] == "enter-invoice-fb60-sap-easy-access.json"
    assert message.startswith("Workflow JSON ready: enter-invoice-fb60-sap-easy-access.json")
    assert json.loads(base64.b64decode(sent["content"]))["schema_version"] == 1


def test_map_slider_goes_from_the_main_path_to_every_step(pages, dev_db: Path) -> None:
    with serving_context(dev_db, ExplorerConfig()):
        main, main_caption = pages["process"].draw_map(0, "2", "")
        every, every_caption = pages["process"].draw_map(100, "2", "")
        variant, variant_caption = pages["process"].variant_map("2", "2.1", "")
    boxes = lambda fig: " ".join(fig["data"][-1]["text"])  # noqa: E731
    assert "hotkey ctrl+s" in boxes(every)
    assert "<b>3. click Export</b><br>Excel · 18×" in boxes(main)
    assert main_caption.startswith("3 of 3 steps shown")  # three steps are the least shown
    assert every_caption.startswith("3 of 3 steps shown: every step")
    assert "hotkey" not in boxes(variant) and variant_caption.startswith("Variant 1: its own path")


def test_recordings_page_and_callbacks(pages, dev_db: Path) -> None:
    recordings = pages["recordings"]
    with serving_context(dev_db):
        page = recordings.layout()
        options, first = recordings.list_days("u2")
        assert [o["value"] for o in options] == ["2026-11-16", "2026-11-17"]
        assert first == "2026-11-16"
        figure = recordings.draw_timeline("u2", first)
        names = {trace.name for trace in figure.data if trace.name}
        assert {"Enter invoice", "Look up customer", "Export report"} <= names
        instance = next(t for t in figure.data if t.name == "Enter invoice").customdata[0]
        with_ctx = pytest.MonkeyPatch.context()
        with with_ctx as patch:
            patch.setattr(dash, "ctx", type("Ctx", (), {"triggered_id": "recordings-timeline"}))
            shown, shots = recordings.show_instance({"points": [{"customdata": instance}]})
            heading = shown.children[0]
            assert text_of(heading).split() == ["Instance", str(instance), "of", "Enter", "invoice"]
            assert heading.children[-1].href == "/process/0"
            assert len(shots) == len(ROUTINES[0][4]) and all(shots)
            # a session bar carries no instance: nothing changes
            nothing = recordings.show_instance({"points": [{"customdata": None}]})
            assert nothing == (dash.no_update, dash.no_update)
            # another user or day clears the panel
            patch.setattr(dash, "ctx", type("Ctx", (), {"triggered_id": "recordings-user"}))
            cleared, shots = recordings.show_instance({"points": [{"customdata": instance}]})
            assert "Click an instance" in text_of(cleared) and shots == []
    # the page comes with the first user's first day drawn, no callback needed
    day = next(c for c in page._traverse() if getattr(c, "id", None) == "recordings-day")
    drawn = next(c for c in page._traverse() if getattr(c, "id", None) == "recordings-timeline")
    assert day.value == "2026-11-16" and {t.name for t in drawn.figure.data} >= {"Enter invoice"}


def test_user_groups_from_config_filter_as_their_members(pages, dev_db: Path, tmp_path) -> None:
    from storage.settings import load_config

    toml = tmp_path / "taskmine.toml"
    toml.write_text('[explorer]\nuser_groups = { desk = ["u1", "u2"] }\n')
    config = load_config(ExplorerConfig, "explorer", toml, env={})
    opportunities = pages["opportunities"]
    assert user_options(["u1"], config.user_groups)[0] == {
        "label": "group desk (2)",
        "value": "group:desk",
    }
    with serving_context(dev_db, config):
        rows, *_ = opportunities.update_tables(None, None, ["group:desk"], None, 0)
        # a candidate opened under the group (its URL carries ``users=group:desk``)
        page = pages["process"].layout(key="0", users="group:desk")
        drawn, _ = pages["process"].draw_map(0, "0", "?users=group%3Adesk")
    assert {r["n_users"] for r in rows} == {2}
    figures = next(c for c in page._traverse() if getattr(c, "id", None) == "process-figures")
    shown = {text_of(k.children[1]): text_of(k.children[0]) for k in figures.children}
    assert shown["users"] == "2" and shown["instances"] == str(rows[0]["n_instances"])
    assert f"<b>▶ start</b><br>{rows[0]['n_instances']:,}×" in drawn["data"][-1]["text"]


def test_a_hand_edited_process_url_is_no_traceback(pages, dev_db: Path) -> None:
    with serving_context(dev_db):
        shown = text_of(pages["process"].layout(key="0", start="soon", users="<b>x</b>"))
        assert "has no instances in the period and users chosen" in shown
        shown = text_of(pages["process"].layout(key="0", start="yesterday", end="2026-13-45"))
        assert "Enter invoice" in shown
        assert "No such candidate" in text_of(pages["process"].layout(key="<script>"))


def test_a_candidate_opens_under_the_filters_dates_only_when_narrowed() -> None:
    whole = ("2026-11-16", "2026-11-17")
    assert process_href("3", *whole, ["u1", "group:desk"], None, *whole) == (
        "/process/3?users=u1%2Cgroup%3Adesk"
    )
    narrowed = process_href("3", "2026-11-17T00:00:00", "2026-11-17", [], "CRM", *whole)
    assert narrowed == "/process/3?start=2026-11-17&app=CRM"


def test_a_user_id_with_a_comma_stays_one_user_in_the_url() -> None:
    users = ["Smith, Anna", "100%,x", "u2"]
    query = parse_qs(urlsplit(process_href("3", None, None, users, None, None, None)).query)
    assert filter_values({k: v[0] for k, v in query.items()})["users"] == users


def test_the_large_view_opens_a_frame_with_a_screenshot_only() -> None:
    shots = [None, {"shot": 7, "x": 0.25, "y": 0.5, "caption": "click Save"}]
    hidden, content, caption = lightbox_state(shots, 1)
    assert not hidden and caption == "click Save"
    assert content[0].children[0].src.endswith("/screenshot/7")
    assert content[0].children[1].style == {"left": "25.00%", "top": "50.00%"}
    for index in (0, 2, -1):  # no screenshot, or a frame of an older strip
        assert lightbox_state(shots, index) == (True, [], "")
    assert lightbox_state(None, 0) == (True, [], "")
