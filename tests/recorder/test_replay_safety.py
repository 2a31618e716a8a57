"""Replay validates everything before its first action, and stops when the person says so.

Issue 13 item 14: a pattern of ``(((`` passed validation and replay performed step 1
before a traceback; ``timeout_s: 1e300`` waited forever; a huge workflow ran for minutes;
deep JSON gave a RecursionError; a Latin-1 inputs file a UnicodeDecodeError. These tests
use a desktop that only records what replay asks of it (the X11 tests are in
``test_replay.py``).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.workflow import WorkflowFormatError, load_workflow
from recorder.backends.base import WindowInfo
from recorder.replay import (
    ReplayError,
    ReplayOptions,
    ReplayStopped,
    check_replayable,
    replay,
)
from recorder.replay_desktop import KillSwitch
from recorder.replay_inputs import read_inputs
from taskmine.cli import main
from tests.recorder.recorder_harness import REPO
from tests.recorder.test_replay import step, text_input, workflow

FORM = WindowInfo(window_id=7, app="formapp", title="Orders - Form", x=40, y=40, width=360,
                  height=220)  # fmt: skip


class RecordingDesktop:
    """A desktop with one window that records every action asked of it."""

    def __init__(self, kill: KillSwitch | None = None) -> None:
        self.done: list[tuple] = []
        self.kill = kill

    def _act(self, *what) -> None:
        if self.kill:
            self.kill.check()
        self.done.append(what)

    def windows(self):
        if self.kill:
            self.kill.check()
        return [FORM]

    def active_window(self):
        return FORM

    def activate(self, window):
        self._act("activate", window.window_id)

    def element_bounds(self, window, name):
        return (100, 100, 50, 20)

    def click(self, x, y, button, count):
        self._act("click", x, y, button, count)

    def scroll(self, x, y, dx, dy):
        self._act("scroll", x, y, dx, dy)

    def type(self, text):
        self._act("type", text)

    def press(self, keys):
        self._act("press", keys)

    def screenshot(self, path):
        return path


def simple(*steps: dict, inputs: list[dict] | None = None) -> dict:
    return workflow(
        [step(1, "click", element="Customer"), step(2, "type", value={"input": "customer"}),
         *steps],
        [text_input("customer", 2), *(inputs or [])],
    )  # fmt: skip


def test_a_pattern_that_does_not_compile_stops_replay_before_step_1():
    document = simple(step(3, "focus", window="((("))
    desktop = RecordingDesktop()
    with pytest.raises(ReplayError, match=r"step 3: window_pattern '\(\(\(' is not a regular"):
        replay(document, [{"customer": "Acme"}], ReplayOptions(step_delay_s=0), desktop)
    assert desktop.done == []


def test_a_timeout_past_the_limit_is_refused():
    document = simple()
    document["steps"][0]["timeout_s"] = 1e300
    with pytest.raises(ReplayError, match=r"step 1: timeout_s 1e\+300 is more than 600 s"):
        check_replayable(document)


def test_the_cli_refuses_an_unbounded_timeout_in_the_file(tmp_path, capsys):
    document = simple()
    document["steps"][0]["timeout_s"] = 1e300
    flow, inputs = tmp_path / "w.json", tmp_path / "in.csv"
    flow.write_text(json.dumps(document))
    inputs.write_text("customer\nAcme\n")
    assert main(["replay", str(flow), "--inputs", str(inputs), "--dry-run"]) == 1
    assert "timeout_s" in capsys.readouterr().err


def test_too_many_steps_are_refused_before_anything_runs(tmp_path):
    document = simple()
    document["steps"] = [step(i, "hotkey", keys="tab") for i in range(1, 20_002)]
    document["inputs"] = []
    flow = tmp_path / "w.json"
    flow.write_text(json.dumps(document))
    with pytest.raises(WorkflowFormatError, match="steps"):
        load_workflow(flow)


def test_a_huge_file_is_refused_by_its_size(tmp_path):
    flow = tmp_path / "w.json"
    with flow.open("w") as handle:
        handle.write('{"schema_version": 1, "pad": "')
        handle.write("x" * (33 * 2**20))
        handle.write('"}')
    with pytest.raises(WorkflowFormatError, match="is larger than"):
        load_workflow(flow)


@pytest.mark.parametrize("depth", [900, 100_000])
def test_deeply_nested_json_is_one_clear_error(tmp_path, capsys, depth):
    flow, inputs = tmp_path / "w.json", tmp_path / "in.csv"
    flow.write_text('{"schema_version": 1, "steps": ' + "[" * depth + "]" * depth + "}")
    inputs.write_text("customer\nAcme\n")
    assert main(["replay", str(flow), "--inputs", str(inputs), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "w.json" in err and "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_infinite_numbers_are_not_json(tmp_path):
    document = simple()
    flow = tmp_path / "w.json"
    flow.write_text(json.dumps(document).replace('"support": 1.0', '"support": NaN', 1))
    with pytest.raises(WorkflowFormatError, match="NaN"):
        load_workflow(flow)


def test_a_latin1_inputs_file_is_read(tmp_path):
    inputs = tmp_path / "in.csv"
    inputs.write_bytes("customer\nMüller & Söhne\nCafé Noir\n".encode("latin-1"))
    rows = read_inputs(inputs, simple())
    assert [r["customer"] for r in rows] == ["Müller & Söhne", "Café Noir"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"customer\nAc\x00me\n", "line 2"),
        (b"customer\n" + b"x" * 200_000 + b"\n", "line 2"),
    ],
)
def test_a_broken_inputs_file_names_its_line(tmp_path, content, message):
    inputs = tmp_path / "in.csv"
    inputs.write_bytes(content)
    with pytest.raises(ReplayError, match=message):
        read_inputs(inputs, simple())


def test_the_kill_switch_stops_replay_at_the_next_action():
    pointer = [(640, 400)]
    kill = KillSwitch(pointer=lambda: pointer[0], screen=lambda: (1280, 800))
    desktop = RecordingDesktop(kill)
    document = simple(step(3, "hotkey", keys="ctrl+s"))
    original = desktop.type

    def type_then_push_mouse_into_corner(text):
        original(text)
        pointer[0] = (1279, 0)  # the person pushes the mouse into the top-right corner

    desktop.type = type_then_push_mouse_into_corner
    with pytest.raises(ReplayStopped, match="screen corner"):
        replay(document, [{"customer": "Acme"}, {"customer": "Globex"}],
               ReplayOptions(step_delay_s=0), desktop)  # fmt: skip
    assert [d[0] for d in desktop.done] == ["click", "type"]  # no ctrl+s, no second run


def test_a_tripped_hotkey_stops_replay_before_it_acts():
    kill = KillSwitch(pointer=lambda: (640, 400), screen=lambda: (1280, 800))
    kill.trip("the kill hotkey was pressed")
    desktop = RecordingDesktop(kill)
    with pytest.raises(ReplayStopped, match="hotkey"):
        replay(simple(), [{"customer": "Acme"}], ReplayOptions(step_delay_s=0), desktop)
    assert desktop.done == []


def test_the_kill_hotkey_cannot_be_a_step_of_the_workflow():
    from recorder.replay import KILL_HOTKEY

    with pytest.raises(ReplayError, match="kill switch"):
        check_replayable(simple(step(3, "hotkey", keys=KILL_HOTKEY)))


def test_every_key_the_schema_accepts_is_one_replay_can_press():
    """The workflow schema (explorer) and replay (recorder) share one key vocabulary."""
    import re

    from explorer.workflow import workflow_schema
    from recorder.replay import MODIFIER_KEYS, NAMED_KEYS, parse_keys

    pattern = re.compile(workflow_schema()["$defs"]["step"]["properties"]["keys"]["pattern"])
    for name in NAMED_KEYS:
        assert pattern.match(name) and pattern.match(f"ctrl+shift+{name}")
        parse_keys(f"ctrl+{name}")
    for modifier in MODIFIER_KEYS:
        assert pattern.match(f"{modifier}+s")
    for value in ("4500004047", "a", "hello", "ctrl+banana", "ctrl+", "f21", "ctrl+ab"):
        assert not pattern.match(value), value


def test_scroll_steps_are_performed_at_their_element(tmp_path):
    document = simple(step(3, "scroll", element="Notes", scroll={"dx": 0, "dy": -4}))
    desktop = RecordingDesktop()
    replay(document, [{"customer": "Acme"}], ReplayOptions(step_delay_s=0), desktop)
    assert desktop.done[-1] == ("scroll", 125, 110, 0, -4)


def test_inputs_file_path_is_named_when_missing(tmp_path):
    with pytest.raises(ReplayError, match="does not exist"):
        read_inputs(Path(tmp_path / "nope.csv"), simple())


def test_recorded_text_reaches_the_terminal_escaped():
    from recorder.replay import Action, describe

    line = describe(Action(step=1, kind="click", window="^Evil\x1b[2J\x07$", element="a\x1b]0;x"))
    assert "\x1b" not in line and "\x07" not in line
    assert "\\x1b[2J" in line
    skipped = describe(Action(step=2, kind="click", skip="optional, \x1b[2J is empty"))
    assert "\x1b" not in skipped and "\\x1b[2J" in skipped


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stdin", "refused"),
    [
        (None, "no terminal to ask"),
        (io.StringIO("yes\n"), "no terminal to ask"),  # a pipe is not a person
        (_Terminal("n\n"), "replay cancelled"),
        (_Terminal(""), "replay cancelled"),  # end of input
        (_Terminal("y\n"), None),
    ],
)
def test_replay_asks_a_person_before_acting(stdin, refused):
    from recorder.replay import ask_to_proceed

    out = io.StringIO()
    if refused is None:
        ask_to_proceed("Enter \x1b[31morder", 8, 2, stdin, out)
    else:
        with pytest.raises(ReplayError, match=refused):
            ask_to_proceed("Enter \x1b[31morder", 8, 2, stdin, out)
    assert "8 steps of 'Enter \\x1b[31morder', 2 time(s)" in out.getvalue()
    assert "ctrl+alt+shift+k" in out.getvalue()


def test_a_dry_run_piped_into_head_stops_quietly(tmp_path):
    """``taskmine replay --dry-run ... | head``: no BrokenPipeError traceback."""
    flow, inputs = tmp_path / "w.json", tmp_path / "in.csv"
    flow.write_text(json.dumps(simple()))
    inputs.write_text("customer\n" + "Acme\n" * 5000)  # far more than a pipe holds
    reader = subprocess.Popen(
        [sys.executable, "-m", "taskmine.cli", "replay", str(flow), "--inputs", str(inputs),
         "--dry-run"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert reader.stdout.readline() == "run 1 of 5000\n"
    reader.stdout.close()  # as head does once it has its lines
    err = reader.stderr.read()
    assert reader.wait(timeout=60) == 141, err
    assert err == ""
