"""The product's proof: record → mine → export → replay → verify, on a real X server.

An xdotool-scripted employee fills the Tk form app 20 times with different values while
the real recorder (``taskmine record``) records it, keeping the form's typed text. Mining
must find the routine; its exported workflow, replayed with 5 new rows, must fill the form
5 times, and what the app saved must equal those rows. The script skeleton exported for
the same candidate must do the same.

Two touches of realism are also needs of today's mining: the employee saves with the Save
button now and then (so the routine has more than one variant), and books a few returns
in a second form afterwards (a recording holding a single routine and nothing else yields
no candidate, because hdbscan does not report one cluster holding every point).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import mining
from explorer.workflow import load_workflow
from storage.store import open_store
from tests.recorder.recorder_harness import FORM_APP, REPO, FormApp, start_recorder, wait_for

pytestmark = pytest.mark.x11

RECORDED = [
    (name, amount)
    for name, amount in zip(
        ["Acme Ltd", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises",
         "Hooli", "Vandelay", "Soylent", "Tyrell", "Cyberdyne", "Wonka", "Gringotts",
         "Oscorp", "Aperture", "Black Mesa", "Dunder Mifflin", "Pied Piper", "Massive Dynamic",
         "Monarch"],
        ["12.50", "7", "310", "45.99", "1.05", "88", "19.90", "250", "3.75", "64", "5.5",
         "720", "13", "99.95", "41", "8.20", "560", "27", "2.49", "130"],
        strict=True,
    )
]  # fmt: skip
RETURNS = 8
REPLAYED = [
    {"Customer": "Northwind", "Amount": "17.25"},
    {"Customer": "Contoso & Co", "Amount": "4"},
    {"Customer": "Fabrikam", "Amount": "980.10"},
    {"Customer": "O'Reilly Media", "Amount": "33"},
    {"Customer": "Adventure Works", "Amount": "0.99"},
]


def start_form(desktop, folder: Path, title: str, geometry: str) -> FormApp:
    name = title.split()[0].lower()
    layout, saved = folder / f"{name}.layout.json", folder / f"{name}.saved.jsonl"
    process = subprocess.Popen(
        [sys.executable, str(FORM_APP), "--title", title, "--out", str(saved),
         "--layout", str(layout), "--geometry", geometry],
        env=desktop.env,
    )  # fmt: skip
    wait_for(layout.exists, what=f"the {title} window")
    return FormApp(title, json.loads(layout.read_text()), saved, process)


@pytest.fixture
def forms(desktop, tmp_path):
    """The routine's form, and a second one for the other work the employee does."""
    started = [
        start_form(desktop, tmp_path, "Orders - Form", "360x220+40+40"),
        start_form(desktop, tmp_path, "Returns - Form", "360x220+500+40"),
    ]
    yield started
    for form in started:
        form.process.terminate()
        form.process.wait(timeout=10)


def employee_enters(desktop, form: FormApp, customer: str, amount: str, by_mouse: bool) -> None:
    """One instance of the routine, as a person does it: click, type, click, type, save —
    with ctrl+s, or now and then (``by_mouse``) with the Save button."""
    desktop.click(*form.at("Customer"))
    desktop.xdotool("type", "--delay", "15", customer)
    desktop.click(*form.at("Amount"))
    desktop.xdotool("type", "--delay", "15", amount)
    if by_mouse:
        desktop.click(*form.at("Save"))
    else:
        desktop.key("ctrl+s")
    time.sleep(0.8)  # reaches for the next paper form


def employee_returns(desktop, form: FormApp, amount: str) -> None:
    """The other, shorter routine: book a returned amount."""
    desktop.click(*form.at("Amount"))
    desktop.xdotool("type", "--delay", "15", amount)
    desktop.key("ctrl+s")
    time.sleep(0.8)


def cli(*args: str, env: dict | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "taskmine.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def record_a_day(desktop, forms: list[FormApp], folder: Path) -> Path:
    """The employee's work under the real recorder; returns its database."""
    orders, returns = forms
    rec = start_recorder(desktop, folder, keep_text_apps=["formapp"])
    for number, (customer, amount) in enumerate(RECORDED):
        employee_enters(desktop, orders, customer, amount, by_mouse=number % 6 == 3)
    for number in range(RETURNS):  # then the afternoon's other work
        employee_returns(desktop, returns, f"{number + 3}.{number}0")
    log = rec.stop()
    assert rec.process.returncode == 0, log
    assert len(orders.saved_rows()) == len(RECORDED)
    assert len(returns.saved_rows()) == RETURNS
    return rec.db


def mine_the_routine(db: Path) -> int:
    """Mine the recording; the id of the candidate that types customers into the form."""
    with open_store(db) as store:
        run_id = mining.mine(store, mining.MiningConfig())
        found = store.query(
            "SELECT p.process_id, p.n_instances FROM processes p JOIN process_steps s "
            "USING (run_id, process_id) WHERE run_id = ? AND s.kind = 'type' "
            "AND s.target = 'Customer' ORDER BY p.n_instances DESC",
            [run_id],
        ).rows()
    assert found, "mining found no candidate process that types a customer"
    process_id, n_instances = found[0]
    assert n_instances >= 15  # the routine, give or take the first and last instance
    return process_id


def input_columns(workflow: dict) -> dict[str, str]:
    """Form field → the workflow's input column that fills it."""
    return {
        s["target"]["element"]: s["value"]["input"]
        for s in workflow["steps"]
        if s["kind"] == "type" and s["value"] and "input" in s["value"]
    }


def write_inputs(path: Path, columns: dict[str, str], rows: list[dict]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns.values()))
        writer.writeheader()
        writer.writerows({columns[field]: value for field, value in r.items()} for r in rows)
    return path


def test_recorded_routine_is_mined_exported_and_replayed(desktop, forms, tmp_path):
    orders = forms[0]
    db = record_a_day(desktop, forms, tmp_path)
    process_id = mine_the_routine(db)

    flow = tmp_path / "workflow.json"
    done = cli("export", "process", str(process_id), "--db", str(db), "--format", "workflow",
               "--out", str(flow))  # fmt: skip
    assert done.returncode == 0, done.stderr
    workflow = load_workflow(flow)  # validates against the schema
    columns = input_columns(workflow)
    assert set(columns) == {"Customer", "Amount"}, json.dumps(workflow["steps"], indent=1)
    kinds = [s["kind"] for s in workflow["steps"]]
    assert kinds[-5:] == ["click", "type", "click", "type", "hotkey"], kinds
    examples = {i["name"]: set(i["examples"]) for i in workflow["inputs"]}
    assert examples[columns["Customer"]] <= {customer for customer, _ in RECORDED}
    assert len(examples[columns["Customer"]]) == 5  # the recorded values, kept as examples

    inputs = write_inputs(tmp_path / "inputs.csv", columns, REPLAYED)
    orders.saved.unlink()
    done = cli("replay", str(flow), "--inputs", str(inputs), "--yes", env=desktop.env,
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert orders.saved_rows() == [{**r, "password": ""} for r in REPLAYED]

    # the script skeleton of the same candidate does the same with the replay library
    script = tmp_path / "enter_order.py"
    done = cli("export", "process", str(process_id), "--db", str(db), "--format", "skeleton",
               "--out", str(script))  # fmt: skip
    assert done.returncode == 0, done.stderr
    orders.saved.unlink()
    run = subprocess.run(
        [sys.executable, str(script), str(write_inputs(tmp_path / "two.csv", columns,
                                                       REPLAYED[:2])), "--yes"],
        env=desktop.env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert orders.saved_rows() == [{**r, "password": ""} for r in REPLAYED[:2]]


# -- a routine with a scroll and a copy/paste between two windows, text capture off -------

REFERENCE_APP = Path(__file__).resolve().parent / "reference_app.py"
#: Values no export may hold: the recorder keeps no typed or copied text by default.
REFERENCES = [f"ZQ-{7000 + 37 * n}-K{n:02d}" for n in range(40)]
AMOUNTS = [f"{4000 + 113 * n}.{n:02d}7" for n in range(40)]
COPIED_RUNS = 16


def start_viewer(desktop, folder: Path, orders: FormApp) -> tuple[subprocess.Popen, dict, Path]:
    """The reference viewer below the orders form; returns it, its layout and its log."""
    refs, layout, log = folder / "refs.json", folder / "viewer.layout.json", folder / "viewer.log"
    refs.write_text(json.dumps(REFERENCES))
    process = subprocess.Popen(
        [sys.executable, str(REFERENCE_APP), "--title", "References - Viewer", "--references",
         str(refs), "--watch", str(orders.saved), "--log", str(log), "--layout", str(layout)],
        env=desktop.env,
    )  # fmt: skip
    wait_for(layout.exists, what="the reference viewer")
    return process, json.loads(layout.read_text()), log


def employee_copies(desktop, viewer: dict, orders: FormApp, amount: str) -> None:
    """Read the notes (a click, a scroll), copy the reference, paste it into the form's
    Customer field, type the amount, save."""
    desktop.click(*viewer["Notes"])
    desktop.click(*viewer["Notes"], repeat=3, button=5)  # three wheel steps down
    desktop.click(*viewer["Reference"])
    desktop.key("ctrl+slash")  # Tk's select-all
    desktop.key("ctrl+c")
    desktop.click(*orders.at("Customer"))
    desktop.key("ctrl+v")
    desktop.click(*orders.at("Amount"))
    desktop.xdotool("type", "--delay", "15", amount)
    desktop.key("ctrl+s")
    time.sleep(2.0)  # files the paper, takes the next one: the pause between instances


def saved_from(log: Path, start: int) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()[start:]]


def test_a_copy_paste_routine_with_a_scroll_replays_and_no_value_is_exported(
    desktop, forms, tmp_path
):
    orders, returns = forms
    viewer_process, viewer, log = start_viewer(desktop, tmp_path, orders)
    try:
        rec = start_recorder(desktop, tmp_path)  # default policy: no typed text kept
        for amount in AMOUNTS[:COPIED_RUNS]:
            employee_copies(desktop, viewer, orders, amount)
        for number in range(RETURNS):
            employee_returns(desktop, returns, AMOUNTS[-1 - number])
        assert rec.stop() is not None and rec.process.returncode == 0
        recorded = saved_from(log, 0)
        assert [r["reference"] for r in recorded] == REFERENCES[:COPIED_RUNS]
        assert all(r["notes_top"] > 0 for r in recorded)  # every instance scrolled

        db = rec.db
        with open_store(db) as store:
            run_id = mining.mine(store, mining.MiningConfig())
            found = store.query(
                "SELECT p.process_id FROM processes p JOIN process_steps s "
                "USING (run_id, process_id) WHERE run_id = ? AND s.kind = 'copy' "
                "ORDER BY p.n_instances DESC",
                [run_id],
            ).rows()
        assert found, "mining found no candidate that copies"
        process_id = str(found[0][0])
        assert_no_recorded_value_in_any_export(db, process_id)

        flow = tmp_path / "copy.json"
        done = cli("export", "process", process_id, "--db", str(db), "--format", "workflow",
                   "--out", str(flow))  # fmt: skip
        assert done.returncode == 0, done.stderr
        workflow = load_workflow(flow)
        kinds = [s["kind"] for s in workflow["steps"]]
        assert {"scroll", "copy", "paste"} <= set(kinds), kinds
        amount_column = next(
            s["value"]["input"] for s in workflow["steps"]
            if s["kind"] == "type" and s["target"]["element"] == "Amount"
        )  # fmt: skip

        rows = [{amount_column: a} for a in ("17.25", "980.10")]
        inputs = write_inputs(tmp_path / "copy.csv", {amount_column: amount_column}, rows)
        before, start = len(orders.saved_rows()), len(saved_from(log, 0))
        done = cli("replay", str(flow), "--inputs", str(inputs), "--yes", env=desktop.env,
                   cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
        replayed = wait_for(lambda: len(saved_from(log, start)) == 2 and saved_from(log, start))
        assert orders.saved_rows()[before:] == [
            {"Customer": shown["reference"], "Amount": row[amount_column], "password": ""}
            for shown, row in zip(replayed, rows, strict=True)
        ]
        assert [r["reference"] for r in replayed] == REFERENCES[COPIED_RUNS : COPIED_RUNS + 2]
        assert all(r["notes_top"] > 0 for r in replayed)  # replay scrolled the notes

        # the Robot Framework suite of the same candidate, run by `robot`, does the same
        suite = tmp_path / "copy.robot"
        done = cli("export", "process", process_id, "--db", str(db), "--format", "robot",
                   "--out", str(suite))  # fmt: skip
        assert done.returncode == 0, done.stderr
        before, start = len(orders.saved_rows()), len(saved_from(log, 0))
        robot = subprocess.run(
            [sys.executable, "-m", "robot", "--variable", f"INPUTS:{inputs}", "--outputdir",
             str(tmp_path / "robot"), str(suite)],
            cwd=tmp_path, env={**desktop.env, "PYTHONPATH": str(REPO)}, capture_output=True,
            text=True, timeout=300,
        )  # fmt: skip
        assert robot.returncode == 0, robot.stdout + robot.stderr
        replayed = wait_for(lambda: len(saved_from(log, start)) == 2 and saved_from(log, start))
        assert [r["Amount"] for r in orders.saved_rows()[before:]] == ["17.25", "980.10"]
        assert [r["Customer"] for r in orders.saved_rows()[before:]] == [
            r["reference"] for r in replayed
        ]
    finally:
        viewer_process.terminate()
        viewer_process.wait(timeout=10)


def assert_no_recorded_value_in_any_export(db: Path, process_id: str) -> None:
    """With text capture off, no typed amount and no copied reference is in any export."""
    from explorer.export import FORMATS, export

    for fmt in FORMATS:
        content = export(db, process_id, fmt).content.decode("utf-8", "replace")
        leaked = [v for v in REFERENCES + AMOUNTS if v in content]
        assert leaked == [], (fmt, leaked[:3])
