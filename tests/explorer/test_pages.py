"""Page layouts and callbacks called as plain functions: content, notices, decisions."""

from __future__ import annotations

import base64
import importlib
import json
from pathlib import Path
from types import ModuleType

import dash
import pytest
from dash.development.base_component import Component

from explorer.config import ExplorerConfig
from storage.schema import MIGRATIONS
from storage.store import open_store
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
        rows, columns, review, dismissed, _ = update(None, None, None, None, 0)
        assert [r["name"] for r in rows] == ["Enter invoice", "Look up customer"]
        assert [r["name"] for r in review] == ["Export report"]
        assert any(c.get("headerName") == "Score factors" for c in columns)
        rows, *_ = update("2026-11-17", "2026-11-17", ["u1"], "CRM", 0)
    assert [(r["name"], r["n_instances"]) for r in rows] == [("Look up customer", 3)]


def test_rename_button_records_a_decision_that_the_ranking_shows(pages, dev_db: Path) -> None:
    process = pages["process"]
    with serving_context(dev_db):
        href, _ = process.apply_decision("process-rename", "1", "sig-lookup", "Find customer", None)
        assert href == "/process/1"
        rows, *_ = pages["opportunities"].update_tables(None, None, None, None, 0)
        assert "Find customer" in [r["name"] for r in rows]
        href, message = process.apply_decision("process-merge", "0", "sig-invoice", None, None)
        assert message.startswith("Choose")
        href, _ = process.apply_decision("process-split", "2", "sig-report", None, None)
        assert href == "/opportunities"


def test_export_callback_downloads_the_asked_format(pages, dev_db: Path, monkeypatch) -> None:
    process = pages["process"]
    monkeypatch.setattr(dash, "ctx", type("Ctx", (), {"triggered_id": "process-export-workflow"}))
    with serving_context(dev_db):
        sent = process.download(1, None, None, None, None, "0")
    assert sent["filename"] == "enter-invoice.json"
    assert json.loads(base64.b64decode(sent["content"]))["schema_version"] == 1


def test_map_slider_keeps_the_main_path(pages, dev_db: Path) -> None:
    with serving_context(dev_db, ExplorerConfig()):
        every = pages["process"].update_map(0, "2")
        main = pages["process"].update_map(80, "2")
    boxes = lambda fig: " ".join(fig["data"][-1]["text"])  # noqa: E731
    assert "hotkey ctrl+s" in boxes(every) and "hotkey" not in boxes(main)
    assert "<b>click Export</b><br>Excel · 18×" in boxes(main)


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
        shown = recordings.show_instance({"points": [{"customdata": instance}]})
        assert f"Instance {instance}" in text_of(shown)
        # a session bar carries no instance: nothing changes
        assert recordings.show_instance({"points": [{"customdata": None}]}) is dash.no_update
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
    assert opportunities.user_options(["u1"], config.user_groups)[0] == {
        "label": "group desk (2)",
        "value": "group:desk",
    }
    with serving_context(dev_db, config):
        rows, *_ = opportunities.update_tables(None, None, ["group:desk"], None, 0)
    assert {r["n_users"] for r in rows} == {2}
