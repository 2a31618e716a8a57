"""Consensus steps in words a business reader understands, for the PDD and BPMN exports.

Mining's steps say ``copy|AcroRd32.exe|Invoice number|…``; a process owner reads "Copy
“Invoice number” from Adobe Acrobat Reader", then "Paste it into “Reference” in SAP".
Built from the step's kind, its element, its application (a known process name becomes
the product's name) and, for a paste, the copy it pastes. Keys of a hotkey are shown only
when they are a key chord (`explorer.workflow.is_key_chord`), never a recorded value.
The words hold recorded names as they are: each renderer escapes them for its format.

Example::

    describe_steps(bundle.detail.steps.to_dicts())[0]  # 'Switch to Outlook'
"""

from __future__ import annotations

import json
import re
from typing import Any

from explorer.workflow import is_key_chord, normalise_keys

#: Process names of common office applications → the name people use for them.
APP_NAMES = {
    "outlook": "Outlook", "thunderbird": "Thunderbird", "excel": "Excel", "winword": "Word",
    "powerpnt": "PowerPoint", "acrord32": "Adobe Acrobat Reader", "acrobat": "Adobe Acrobat",
    "saplogon": "SAP", "sapgui": "SAP", "chrome": "Chrome", "msedge": "Edge",
    "firefox": "Firefox", "explorer": "File Explorer", "teams": "Teams", "notepad": "Notepad",
}  # fmt: skip
#: Kinds that carry their own verb; other kinds are spelled out from their name.
VERBS = {"click": "Click", "double_click": "Double-click", "right_click": "Right-click",
         "scroll": "Scroll through", "type": "Fill in", "copy": "Copy", "cut": "Cut"}  # fmt: skip


def describe_steps(steps: list[dict[str, Any]]) -> list[str]:
    """One sentence per consensus step (``process_steps`` rows, in order)."""
    by_no = {s["step_no"]: s for s in steps}
    sentences = []
    last_copy = None
    for step in steps:
        sentences.append(_sentence(step, by_no, last_copy))
        if _kind(step) in ("copy", "cut"):
            last_copy = step["step_no"]
    return sentences


def app_name(app: str | None) -> str | None:
    """``AcroRd32.exe`` → ``Adobe Acrobat Reader``; an unknown name without ``.exe``."""
    if not app:
        return None
    base = re.sub(r"\.(exe|app)$", "", app.strip(), flags=re.IGNORECASE)
    return APP_NAMES.get(base.lower(), base)


def _sentence(step: dict, by_no: dict[int, dict], last_copy: int | None) -> str:
    kind, app = _kind(step), app_name(step.get("app"))
    element = f"“{step['target']}”" if step.get("target") else None
    in_app = f" in {app}" if app else ""
    if kind in ("focus", "wait_window"):
        verb = "Switch to" if kind == "focus" else "Wait for"
        return f"{verb} {app or 'the window'}"
    if kind == "hotkey":
        return f"Press {_keys_in_words(step)}{in_app}"
    if kind in ("copy", "cut"):
        return f"{VERBS[kind]} {element or 'the selection'}{f' from {app}' if app else ''}"
    if kind == "paste":
        source = step.get("transfer_from_step")
        what = ""
        if source is not None:
            what = "it" if source == last_copy else f"what step {source} copied"
        into = f" into {element}" if element else ""
        return " ".join(f"Paste {what}{into}{in_app}".split())
    verb = VERBS.get(kind) or _spelled(kind)
    return f"{verb} {element or 'the window'}{in_app}"


def _keys_in_words(step: dict) -> str:
    raw = step.get("example_values")
    values = json.loads(raw) if isinstance(raw, str) and raw else raw or []
    keys = normalise_keys(str(values[0])) if values else ""
    if not is_key_chord(keys):
        return "a key combination"
    return "+".join(
        part.capitalize() if len(part) > 1 else part.upper() for part in keys.split("+")
    )


def _kind(step: dict) -> str:
    return step.get("kind") or str(step.get("action") or "").split("|", 1)[0]


def _spelled(kind: str) -> str:
    """``editField`` → ``Edit field``, ``select_option`` → ``Select option``."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind).replace("_", " ").lower().split()
    return " ".join(words).capitalize() if words else "Do"
