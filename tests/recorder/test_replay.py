"""`taskmine replay` on a real X server: a hand-written workflow fills the Tk form app.

The `desktop` and `apps` fixtures (recorder_harness) start a private Xvfb with two form
windows, "Orders - Form" at +40+40 and "Private Notes - Form" beside it; replay must find
the right one by its title pattern. Replay runs through the CLI, as a user would run it.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explorer.workflow import validate_workflow
from recorder.replay import ReplayError, check_replayable, parse_keys

pytestmark = pytest.mark.x11

ORIGIN = (40, 40)  # the orders window's position (recorder_harness geometry)


def step(
    step_id: int,
    kind: str,
    *,
    element=None,
    offset=None,
    value=None,
    keys=None,
    optional=False,
    decision=None,
    window=r"^Orders\ \-\ Form$",
    **extra,
) -> dict:
    return {
        "id": step_id, "kind": kind, "action": None,
        "target": {"app": None, "window_title": None, "window_pattern": window,
                   "element": element,
                   "relative_position": {"x": offset[0], "y": offset[1]} if offset else None},
        "value": value, "keys": keys, "optional": optional, "decision": decision,
        "repeated": False, "support": 1.0, **extra,
    }  # fmt: skip


def workflow(steps: list[dict], inputs: list[dict]) -> dict:
    document = {
        "schema_version": 1, "generator": "test", "process": {"name": "Enter order"},
        "steps": steps, "inputs": inputs, "constants": [], "transfers": [],
    }  # fmt: skip
    validate_workflow(document)
    return document


def text_input(name: str, step_id: int, required: bool = True) -> dict:
    return {"name": name, "step": step_id, "type": "text", "required": required, "examples": []}


def order_workflow(amount_offset: tuple[int, int]) -> dict:
    """Focus, click Customer by name, type, click Amount by position, type, optional PIN,
    save with ctrl+s."""
    pin_rule = {
        "kind": "input_present",
        "input": "pin",
        "default": False,
        "rule": "when there is a pin",
    }
    return workflow(
        [
            step(1, "focus"),
            step(2, "click", element="Customer"),
            step(3, "type", value={"input": "customer"}),
            step(4, "click", offset=amount_offset),
            step(5, "type", value={"input": "amount"}),
            step(6, "click", element="password", optional=True, decision=pin_rule),
            step(7, "type", value={"input": "pin"}, optional=True, decision=pin_rule),
            step(8, "hotkey", keys="ctrl+s"),
        ],
        [text_input("customer", 3), text_input("amount", 5), text_input("pin", 7, False)],
    )


def write(folder: Path, document: dict, rows: list[dict]) -> tuple[Path, Path]:
    flow, inputs = folder / "workflow.json", folder / "inputs.csv"
    flow.write_text(json.dumps(document))
    with inputs.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return flow, inputs


def replay_cli(desktop, folder: Path, *args: str, yes: bool = True) -> subprocess.CompletedProcess:
    """``taskmine replay`` run from ``folder`` (failure screenshots land there), with
    ``--yes`` unless ``yes`` is false; standard input is closed, as in CI."""
    return subprocess.run(
        [sys.executable, "-m", "taskmine.cli", "replay", *args, *(["--yes"] if yes else [])],
        cwd=folder, env=desktop.env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def start_replay(desktop, folder: Path, *args: str) -> subprocess.Popen:
    """``taskmine replay --yes`` in the background, to stop it while it waits."""
    return subprocess.Popen(
        [sys.executable, "-m", "taskmine.cli", "replay", *args, "--yes"],
        cwd=folder, env=desktop.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture
def orders(apps):
    """The orders form, with what earlier tests saved forgotten."""
    app = apps["orders"]
    app.saved.unlink(missing_ok=True)
    return app


def amount_offset(app) -> tuple[int, int]:
    x, y = app.at("Amount")
    return x - ORIGIN[0], y - ORIGIN[1]


def test_replay_fills_the_form_once_per_row(desktop, orders, apps, tmp_path):
    rows = [
        {"customer": "Acme Ltd", "amount": "125.50", "pin": ""},
        {"customer": "O'Brien & Sons", "amount": "7", "pin": "4711"},
        {"customer": "Globex", "amount": "99.99", "pin": ""},
    ]
    flow, inputs = write(tmp_path, order_workflow(amount_offset(orders)), rows)
    done = replay_cli(desktop, tmp_path, str(flow), "--inputs", str(inputs))
    assert done.returncode == 0, done.stderr
    assert "replayed 'Enter order' 3 time(s)" in done.stderr
    assert orders.saved_rows() == [
        {"Customer": r["customer"], "Amount": r["amount"], "password": r["pin"]} for r in rows
    ]
    assert apps["private"].saved_rows() == []  # the other window was never touched


def test_a_copied_value_is_pasted_where_the_transfer_says(desktop, orders, tmp_path):
    document = workflow(
        [
            step(1, "click", element="Customer"),
            step(2, "type", value={"input": "customer"}),
            step(3, "hotkey", keys="ctrl+/"),  # Tk's select-all
            step(4, "copy", keys="ctrl+c"),
            step(5, "click", element="Amount"),
            step(6, "paste", keys="ctrl+v", value={"transfer_from": 4}),
            step(7, "hotkey", keys="ctrl+s"),
        ],
        [text_input("customer", 2)],
    )
    document["transfers"] = [{"from_step": 4, "to_step": 6}]
    flow, inputs = write(tmp_path, document, [{"customer": "Initech 42"}])
    done = replay_cli(desktop, tmp_path, str(flow), "--inputs", str(inputs))
    assert done.returncode == 0, done.stderr
    assert orders.saved_rows() == [
        {"Customer": "Initech 42", "Amount": "Initech 42", "password": ""}
    ]


def test_dry_run_prints_each_run_and_touches_nothing(desktop, orders, tmp_path):
    rows = [{"customer": "Initech", "amount": "1", "pin": ""},
            {"customer": "Umbrella", "amount": "2", "pin": "9"}]  # fmt: skip
    flow, inputs = write(tmp_path, order_workflow((10, 10)), rows)
    done = replay_cli(desktop, tmp_path, str(flow), "--inputs", str(inputs), "--dry-run")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "run 1 of 2"
    assert lines[1] == r"  step   1: focus /^Orders\ \-\ Form$/"
    assert lines[2] == r"  step   2: click 'Customer' in window /^Orders\ \-\ Form$/"
    assert lines[3] == r"  step   3: type 'Initech' in window /^Orders\ \-\ Form$/"
    assert lines[4] == r"  step   4: click at offset (10, 10) in window /^Orders\ \-\ Form$/"
    assert lines[6] == "  step   6: skip (optional, pin is empty)"
    assert "run 2 of 2" in lines and "  step   7: type '9' in window" in "\n".join(lines)
    assert orders.saved_rows() == []


def test_a_missing_column_is_named_before_anything_is_done(desktop, orders, tmp_path):
    flow, inputs = write(tmp_path, order_workflow((10, 10)), [{"customer": "Acme", "pin": ""}])
    done = replay_cli(desktop, tmp_path, str(flow), "--inputs", str(inputs))
    assert done.returncode == 1
    assert "has no column 'amount' (step 5); its columns are: customer, pin" in done.stderr
    assert orders.saved_rows() == []


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([step(1, "focus", window=r"^Invoices - Form$", timeout_s=1)],
         r"run 1, step 1: no window whose title matches /^Invoices - Form$/ appeared within 1 s"),
        ([step(1, "click", element="Discount", timeout_s=1)],
         "run 1, step 1: element 'Discount' was not found in the window"),
    ],
)  # fmt: skip
def test_a_missing_target_stops_with_a_screenshot(desktop, orders, tmp_path, steps, message):
    flow, inputs = write(tmp_path, workflow(steps, []), [{"unused": "1"}, {"unused": "2"}])
    done = replay_cli(desktop, tmp_path, str(flow), "--inputs", str(inputs))
    assert done.returncode == 1
    assert message in done.stderr
    shot = tmp_path / "replay-failure-run1-step1.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(shot) in done.stderr.replace("\n", "")


def test_steps_replay_cannot_perform_are_refused_up_front():
    document = workflow(
        [step(1, "editField", element="x"), step(2, "hotkey", keys="ctrl+s"),
         step(3, "click")],
        [],
    )  # fmt: skip
    document["steps"][1]["keys"] = "ctrl+banana"  # past the schema, as a hand edit may be
    with pytest.raises(ReplayError) as caught:
        check_replayable(document)
    assert str(caught.value).startswith(
        "step 1: 'editField' is not something replay can perform; step 2: cannot press "
        "'ctrl+banana': unknown key 'banana'; step 3: click has neither an element nor a "
        "position"
    )


@pytest.mark.parametrize(
    ("keys", "parsed"),
    [
        ("ctrl+s", (["ctrl"], "s")),
        ("enter", ([], "enter")),
        ("ctrl+shift+Escape", (["ctrl", "shift"], "esc")),
    ],
)
def test_key_combinations_parse(keys, parsed):
    assert parse_keys(keys) == parsed


def test_without_yes_and_without_a_terminal_nothing_is_touched(desktop, orders, tmp_path):
    flow, inputs = write(tmp_path, order_workflow(amount_offset(orders)),
                         [{"customer": "Acme", "amount": "1", "pin": ""}])  # fmt: skip
    done = replay_cli(desktop, tmp_path, str(flow), "--inputs", str(inputs), yes=False)
    assert done.returncode == 1
    assert "wants a yes before it touches the desktop" in done.stderr
    assert "--yes" in done.stderr
    assert orders.saved_rows() == []


@pytest.mark.parametrize("stop", ["corner", "hotkey"])
def test_the_kill_switch_stops_a_waiting_replay(desktop, orders, tmp_path, stop):
    """Replay waits (up to a minute) for a window that never comes; the person stops it."""
    document = workflow(
        [step(1, "click", element="Customer"), step(2, "type", value={"input": "customer"}),
         step(3, "focus", window=r"^Never\ Opens$", timeout_s=60),
         step(4, "hotkey", keys="ctrl+s")],
        [text_input("customer", 2)],
    )  # fmt: skip
    flow, inputs = write(tmp_path, document, [{"customer": "Half done"}])
    running = start_replay(desktop, tmp_path, str(flow), "--inputs", str(inputs))
    try:
        time.sleep(5.0)  # it has typed, or nearly, and then waits for the window
        if stop == "corner":
            desktop.xdotool("mousemove", "0", "0")
        else:
            desktop.key("ctrl+alt+shift+k")
        _, err = running.communicate(timeout=20)
    finally:
        running.kill()
        desktop.xdotool("mousemove", "640", "400")
    assert running.returncode == 1, err
    reason = (
        "the mouse was pushed into a screen corner"
        if stop == "corner"
        else "ctrl+alt+shift+k was pressed"
    )
    # at step 3 (waiting), or still typing step 2 when the machine is slow to start replay
    message = " ".join(err.split())
    assert re.search(f"kill switch: {re.escape(reason)} at run 1, step [23];", message)
    assert orders.saved_rows() == []  # ctrl+s never came
