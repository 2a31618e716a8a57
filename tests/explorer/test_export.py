"""Every export format of a candidate parses with the tool that reads it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from explorer.export import FORMATS, export
from explorer.workflow import validate_workflow
from tests.explorer.explorer_devdata import DAYS, PER_DAY, USERS

PER_PROCESS = len(USERS) * DAYS * PER_DAY


def test_workflow_json_validates_and_names_inputs_and_transfers(dev_db: Path) -> None:
    document = json.loads(export(dev_db, "0", "workflow").content)
    validate_workflow(document)  # the JSON Schema shipped in explorer/schemas
    assert document["schema_version"] == 1
    assert [s["kind"] for s in document["steps"]] == [
        "focus",
        "copy",
        "focus",
        "paste",
        "type",
        "click",
    ]
    assert [i["name"] for i in document["inputs"]] == ["invoice_number", "amount"]
    assert document["transfers"] == [{"from_step": 2, "to_step": 4}]
    assert document["steps"][0]["target"]["app"] == "Outlook"


def test_bpmn_reimports_with_pm4py(dev_db: Path, tmp_path: Path) -> None:
    import pm4py

    done = export(dev_db, "2", "bpmn")
    path = tmp_path / done.filename
    path.write_bytes(done.content)
    model = pm4py.read_bpmn(str(path))
    names = {n.get_name() for n in model.get_nodes()}
    assert {"1. Switch to Excel", "3. Click “Export” in Excel"} <= names
    # the optional hotkey sits between an exclusive split and join: 3 tasks + 2 gateways + 2 events
    assert len(model.get_nodes()) == 7


def test_xes_has_one_trace_per_instance(dev_db: Path, tmp_path: Path) -> None:
    import pm4py

    path = tmp_path / "log.xes"
    path.write_bytes(export(dev_db, "1", "xes").content)
    log = pm4py.read_xes(str(path))
    assert log["case:concept:name"].nunique() == PER_PROCESS
    assert set(log["org:resource"]) == set(USERS)


def test_csv_traces_each_event_to_its_source(dev_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "instances.csv"
    path.write_bytes(export(dev_db, "1", "csv").content)
    frame = pl.read_csv(path)
    assert {"instance_id", "source_file", "source_row", "user_id", "ts", "action"} <= set(
        frame.columns
    )
    assert frame["instance_id"].n_unique() == PER_PROCESS
    assert frame.height == PER_PROCESS * 4


def test_pdd_is_self_contained_with_every_step_and_screenshot(dev_db: Path) -> None:
    page = export(dev_db, "0", "pdd").content.decode()
    assert page.startswith("<!DOCTYPE html>")
    for step in ("Copy “Invoice number” from Outlook", "Paste it into “Reference” in SAP"):
        assert step in page
    assert page.count("data:image/webp;base64,") == 6
    assert "<svg" in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_unknown_format_and_process(dev_db: Path) -> None:
    from explorer.errors import ExplorerError, UnknownProcessError

    with pytest.raises(ExplorerError, match="unknown export format"):
        export(dev_db, "0", "pdf")
    with pytest.raises(UnknownProcessError):
        export(dev_db, "42", "csv")
    assert {"bpmn", "pdd", "workflow", "xes", "csv"} <= set(FORMATS)


def test_steps_are_named_in_words_a_business_reader_understands() -> None:
    from explorer.step_words import describe_steps

    def step(no: int, kind: str, app: str, target: str | None = None, **more) -> dict:
        return {"step_no": no, "kind": kind, "app": app, "target": target, **more}

    words = describe_steps([
        step(1, "focus", "OUTLOOK.EXE"),
        step(2, "double_click", "OUTLOOK.EXE", "Attachment"),
        step(3, "scroll", "AcroRd32.exe", "Invoice document"),
        step(4, "copy", "AcroRd32.exe", "Purchase order", example_values='["4500004047"]'),
        step(5, "paste", "saplogon.exe", "Purchase order", transfer_from_step=4,
             example_values='["4500004047"]'),
        step(6, "type", "saplogon.exe", "Amount", example_values='["1200.00"]'),
        step(7, "hotkey", "saplogon.exe", "Transaction", example_values='["enter"]'),
        step(8, "hotkey", "saplogon.exe", None, example_values='["ctrl+s"]'),
        step(9, "hotkey", "saplogon.exe", None, example_values='["4711"]'),
        step(10, "paste", "EXCEL.EXE", "Notes", transfer_from_step=4),
        step(11, "editField", "chrome.exe", "Name"),
    ])  # fmt: skip
    assert words == [
        "Switch to Outlook",
        "Double-click “Attachment” in Outlook",
        "Scroll through “Invoice document” in Adobe Acrobat Reader",
        "Copy “Purchase order” from Adobe Acrobat Reader",
        "Paste it into “Purchase order” in SAP",
        "Fill in “Amount” in SAP",
        "Press Enter in SAP",
        "Press Ctrl+S in SAP",
        "Press a key combination in SAP",  # a value is never shown as keys
        "Paste it into “Notes” in Excel",
        "Edit field “Name” in Chrome",
    ]
