"""The Robot Framework export runs green with ``robot`` under Xvfb and fills the form app.

The suite is rendered from a workflow built the way ``export`` builds one (consensus
steps as mining writes them), run by Robot Framework's own ``robot`` command with two
input rows, and what the Tk form saved must be those rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from explorer.robot_suite import argument_names, render_robot
from explorer.workflow import build_workflow
from tests.explorer.test_workflow import row as mined_row
from tests.recorder.recorder_harness import REPO

pytestmark = pytest.mark.x11

ROWS = [{"customer": "Northwind & Co", "amount": "17.25", "do_step_6": ""},
        {"customer": "O'Reilly ${x} #1", "amount": "4", "do_step_6": "no"}]  # fmt: skip


def mined_steps() -> list[dict]:
    def row(step_no: int, kind: str, **fields) -> dict:
        return mined_row(step_no, kind, action=f"{kind}|python3", app="python3",
                         window_template="Orders - Form", **fields)  # fmt: skip

    return [
        row(1, "focus"),
        row(2, "click", target="Customer"),
        row(3, "type", target="Customer", varies=True, input_slot="customer",
            example_values=json.dumps(["Acme"])),
        row(4, "click", target="Amount"),
        row(5, "type", target="Amount", varies=True, input_slot="amount",
            example_values=json.dumps(["12.50"])),
        row(6, "click", target="password", optional=True, support=0.1),  # skipped: flag empty
        row(7, "hotkey", example_values=json.dumps(["ctrl+s"])),
    ]  # fmt: skip


def test_the_robot_suite_fills_the_form_once_per_row(desktop, apps, tmp_path):
    orders = apps["orders"]
    orders.saved.unlink(missing_ok=True)
    workflow = build_workflow({"name": "Enter order ${EMPTY} # | \\ "}, mined_steps())
    suite = tmp_path / "enter-order.robot"
    suite.write_text(render_robot(workflow), encoding="utf-8")
    inputs = tmp_path / "orders.csv"
    inputs.write_text(
        "customer,amount,do_step_6\n"
        + "".join(f'"{r["customer"]}",{r["amount"]},{r["do_step_6"]}\n' for r in ROWS),
        encoding="utf-8",
    )
    env = {**desktop.env, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-m", "robot", "--variable", f"INPUTS:{inputs}", "--outputdir",
         str(tmp_path / "out"), str(suite)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 task, 1 passed, 0 failed" in done.stdout
    assert orders.saved_rows() == [
        {"Customer": r["customer"], "Amount": r["amount"], "password": ""} for r in ROWS
    ]


def test_a_suite_with_a_broken_workflow_fails_before_any_step(desktop, apps, tmp_path):
    orders = apps["orders"]
    orders.saved.unlink(missing_ok=True)
    text = render_robot(build_workflow({"name": "Enter order"}, mined_steps()))
    start = text.index("${WORKFLOW}    ") + len("${WORKFLOW}    ")
    suite = tmp_path / "broken.robot"
    suite.write_text(text[:start] + "bm90IGpzb24=" + text[text.index("\n", start) :])
    (tmp_path / "inputs.csv").write_text("customer,amount\nAcme,1\n")
    env = {**desktop.env, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "robot", "--outputdir", str(tmp_path / "out"), str(suite)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode != 0
    assert "is not a workflow" in done.stdout + done.stderr
    assert orders.saved_rows() == []


def test_the_suite_carries_no_recorded_text_as_robot_syntax(tmp_path):
    """Robot's own parser finds only our imports, variables and keyword calls."""
    from robot.api import TestSuite

    from explorer.robot_suite import LIBRARY, keyword_name

    hostile = "x}    Evaluate    __import__('os').system('touch PWNED')    # ${EMPTY}\n*** Tasks"
    steps = [{**s, "target": hostile if s["target"] else None, "app": hostile,
              "window_template": hostile} for s in mined_steps()]  # fmt: skip
    workflow = build_workflow({"name": hostile}, steps)
    path = tmp_path / "hostile.robot"
    path.write_text(render_robot(workflow), encoding="utf-8")
    suite = TestSuite.from_file_system(str(path))
    calls: set[str] = set()

    def walk(body) -> None:
        for item in body:
            if item.type == "KEYWORD":
                calls.add(item.name)
            walk(getattr(item, "body", []))

    walk([*suite.tests, *suite.resource.keywords])
    steps_called = {keyword_name(s) for s in workflow["steps"]}
    assert calls == {"Read Inputs", "Run The Process", "Perform Step", "Step Is Chosen",
                     *steps_called}  # fmt: skip
    assert [k.name for k in suite.resource.keywords] == ["Run The Process", *[
        keyword_name(s) for s in workflow["steps"]]]  # fmt: skip
    assert [(i.type, i.name, tuple(i.args)) for i in suite.resource.imports] == [
        ("LIBRARY", LIBRARY, ("${WORKFLOW}",))
    ]
    assert [v.name for v in suite.resource.variables] == ["${INPUTS}", "${WORKFLOW}"]
    assert [t.name for t in suite.tests] == ["Run The Process Once Per Row"]


def test_no_input_overwrites_a_variable_of_the_process_keyword():
    """``Run The Process`` assigns ``${chosen}`` and defaults to ``${EMPTY}``: an input of
    either name (Robot ignores case and underscores) would be overwritten or shadow it."""
    args = argument_names(["Chosen", "EMPTY", "chosen_x", "Customer"])
    normalised = [a.replace("_", "").lower() for a in args.values()]
    assert "chosen" not in normalised and "empty" not in normalised
    assert len(set(normalised)) == 4 and args["Customer"] == "customer"
