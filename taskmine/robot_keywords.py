"""Robot Framework keywords that replay a taskmine workflow: the library of exported suites.

``taskmine export process ID --format robot`` writes a suite (`explorer.robot_suite`) that
imports this library with the workflow as base64-encoded JSON; each step keyword calls
`Perform Step`, which performs that step with taskmine's replay code on this desktop
(`recorder.replay_desktop.LiveDesktop`, so the kill switch stops a run at any moment).
Lives in ``taskmine`` because it joins two stages: the workflow schema (explorer) and
replay (recorder). Needs the ``rpa`` extra (robotframework) only to be run by ``robot``.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from explorer.robot_suite import argument_names
from explorer.workflow import WorkflowFormatError, validate_workflow
from recorder.replay import (
    ReplayOptions,
    action_of,
    check_replayable,
    run_action,
    skip_reason,
)
from recorder.replay_inputs import read_inputs


class TaskmineReplay:
    """Keywords: `Read Inputs`, `Perform Step`, `Step Is Chosen`."""

    ROBOT_LIBRARY_SCOPE = "SUITE"
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, workflow: str, timeout: float = 10.0, retries: int = 1) -> None:
        try:
            document = json.loads(base64.b64decode(workflow, validate=True))
        except (binascii.Error, ValueError, RecursionError) as exc:
            raise WorkflowFormatError(f"the suite's WORKFLOW is not a workflow ({exc})") from exc
        validate_workflow(document)
        self.options = ReplayOptions(timeout_s=float(timeout), retries=int(retries))
        check_replayable(document, self.options.timeout_s)  # before any step runs
        self.workflow = document
        self.steps = {s["id"]: s for s in document["steps"]}
        self.args = argument_names([i["name"] for i in document["inputs"]])
        self.runs = 0
        self._last_step: int | None = None
        self._desktop: Any = None
        self.ROBOT_LIBRARY_LISTENER = self

    def read_inputs(self, path: str) -> list[dict[str, str]]:
        """The rows of the inputs CSV, keyed by the process keyword's argument names;
        empty values of optional inputs are left out (the keyword's default applies)."""
        optional = {i["name"] for i in self.workflow["inputs"] if not i["required"]}
        rows = read_inputs(Path(path), self.workflow)
        return [
            {self.args[name]: row[name] for name in self.args
             if name in row and (row[name] or name not in optional)}
            for row in rows
        ]  # fmt: skip

    def perform_step(self, step_id: int, text: str | None = None) -> None:
        """Perform step ``step_id`` of the workflow (with ``text`` as its input value)."""
        step = self.steps[int(step_id)]
        value = step["value"] or {}
        row = {value["input"]: text or ""} if "input" in value else {}
        action = action_of(step, row, self.options.timeout_s)
        if self._last_step is None or step["id"] <= self._last_step:
            self.runs += 1  # steps go up within a run: a step no higher starts the next
        self._last_step = step["id"]
        run_action(self._live(), action, self.options, f"run {self.runs}, step {step['id']}")

    def step_is_chosen(self, step_id: int, value: str | None = None) -> bool:
        """Whether optional step ``step_id`` runs for this decision column's ``value``."""
        step = self.steps[int(step_id)]
        return skip_reason(step, {step["decision"]["input"]: value or ""}) is None

    def _live(self):
        if self._desktop is None:
            from recorder.replay_desktop import LiveDesktop

            self._desktop = LiveDesktop()
        return self._desktop

    def _close(self) -> None:
        """Listener method: the suite is done, stop listening for the kill hotkey."""
        if self._desktop is not None:
            self._desktop.close()
