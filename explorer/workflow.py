"""The replayable workflow document (schema version 1): build it, validate it, read it.

Mining's consensus steps say what people did; an RPA developer (and ``taskmine replay``)
needs to know what to do: which window to bring forward, which element to click, which
value to type from which input column, which keys to press, and what decides whether an
optional step runs. `build_workflow` turns ``process_steps`` rows into that document; it is
a pure function so the explorer, the CLI and the tests share one definition. The JSON
Schema in ``schemas/workflow-1.schema.json`` is the contract; `validate_workflow` enforces
it and every writer and reader goes through it.

Example::

    doc = build_workflow({"name": "Enter order"}, steps.to_dicts(), run_id=3)
    validate_workflow(doc)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from explorer.errors import ExplorerError
from taskmine import __version__

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / f"workflow-{SCHEMA_VERSION}.schema.json"
#: Kinds `taskmine replay` performs; an export leaves steps of other kinds out, with a note.
REPLAYABLE_KINDS = (
    "focus", "wait_window", "click", "double_click", "right_click", "type", "hotkey",
    "copy", "cut", "paste", "scroll",
)  # fmt: skip
#: Kinds that are states of the recording, not something a bot does.
NOT_ACTIONS = frozenset({"idle", "paused", "resumed"})
#: Kinds that enter a value, so a step of them needs an input, a constant or a transfer.
VALUE_KINDS = frozenset({"type", "paste"})
#: Keys of the clipboard steps when the recording did not say which combination was used.
CLIPBOARD_KEYS = {"copy": "ctrl+c", "cut": "ctrl+x", "paste": "ctrl+v"}
#: The combinations a recording may name for each clipboard kind (the recorder's, see
#: ``recorder.reduce.CLIPBOARD``); any other recorded text of such a step is its value.
CLIPBOARD_CHORDS = {
    "copy": {"ctrl+c", "cmd+c", "ctrl+insert"},
    "cut": {"ctrl+x", "cmd+x", "shift+delete"},
    "paste": {"ctrl+v", "cmd+v", "shift+insert"},
}
#: Key names some recordings spell differently from the workflow schema.
KEY_ALIASES = {"escape": "esc", "return": "enter", "del": "delete", "super": "cmd",
               "control": "ctrl", "pgup": "page_up", "pgdn": "page_down"}  # fmt: skip
#: A scroll step whose mined step holds no wheel steps (the recorder's median ``dx``,
#: ``dy``: an imported log may have none) scrolls three down.
DEFAULT_SCROLL = {"dx": 0, "dy": -3}
#: Bounds on what `load_workflow` reads: a workflow is a few hundred kilobytes.
MAX_WORKFLOW_BYTES = 32 * 2**20
PROCESS_FIELDS = {
    "name": "name", "signature": "signature", "key": "key", "instances": "n_instances",
    "users": "n_users", "score": "score", "confidence": "confidence",
}  # fmt: skip
_PLACEHOLDER = re.compile(r"<[^<>\s]*>")


class WorkflowFormatError(ExplorerError):
    """A workflow document does not follow the workflow schema."""

    hint = "export it again with `taskmine export process ID --format workflow`, or fix the file"


def build_workflow(
    process: dict[str, Any],
    steps: Iterable[dict[str, Any]],
    run_id: int | None = None,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """The workflow document of one candidate.

    ``process``: the candidate's row (``name``, and where known ``signature, key,
    n_instances, n_users, score, confidence``); ``steps``: its ``process_steps`` rows in
    order. Steps that are recording states (idle, paused) are left out; ids stay mining's
    step numbers so that every step traces back to the consensus workflow.
    """
    rows = [s for s in steps if (s.get("kind") or _kind_of(s["action"])) not in NOT_ACTIONS]
    if not rows:
        raise ExplorerError(f"candidate {process.get('name')!r} has no steps to export")
    kept, omitted = _replayable_steps(process, rows)
    out_steps, inputs, constants, transfers = [], [], [], []
    for row, step in kept:
        out_steps.append(step)
        value = step["value"] or {}
        if "input" in value:
            inputs.append(_input(row, value["input"], step["optional"]))
        elif "constant" in value:
            constants.append({"step": step["id"], "value": value["constant"]})
        elif "transfer_from" in value:
            transfers.append({"from_step": value["transfer_from"], "to_step": step["id"]})
        decision = step["decision"]
        if decision and decision["kind"] != "input_present":
            inputs.append(_flag(step["id"], decision["input"]))
    meta = {field: process.get(column) for field, column in PROCESS_FIELDS.items()}
    document = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"taskmine {__version__}",
        "created_at": (created_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "process": {**meta, "run_id": run_id},
        "steps": out_steps,
        "inputs": inputs,
        "constants": constants,
        "transfers": transfers,
        "omitted": omitted,
    }
    return json.loads(json.dumps(document, default=_plain))


def _replayable_steps(
    process: dict[str, Any], rows: list[dict[str, Any]]
) -> tuple[list[tuple[dict, dict]], list[dict[str, Any]]]:
    """(row, step) pairs of the steps replay can perform, and the others as ``omitted``
    entries; a candidate with none is refused, with the reasons."""
    built = [(row, _step(row)) for row in rows]
    omitted = [
        {"id": step["id"], "kind": step["kind"], "reason": reason}
        for _, step in built
        if (reason := unreplayable(step))
    ]
    left_out = {o["id"] for o in omitted}
    kept = [(row, _unlink(step, left_out)) for row, step in built if step["id"] not in left_out]
    if not kept:
        reasons = "; ".join(f"step {o['id']} {o['reason']}" for o in omitted[:5])
        raise ExplorerError(
            f"candidate {process.get('name')!r} has no step replay can perform ({reasons})",
            "export it as bpmn, pdd or pdd-md to document it instead",
        )
    return kept, omitted


def unreplayable(step: dict[str, Any]) -> str | None:
    """Why replay could not perform ``step`` (its words go into ``omitted``), or None."""
    kind, target = step["kind"], step["target"]
    if kind not in REPLAYABLE_KINDS:
        return f"is a {kind!r}, an action of an imported log that replay cannot perform"
    if kind in ("focus", "wait_window") and not target["window_pattern"]:
        return "names no window (the recording kept no title)"
    if "click" in kind and not target["window_pattern"]:
        return "has no window to click in (the recording kept no title)"
    if "click" in kind and not (target["element"] or target["relative_position"]):
        return "has neither an element nor a position to click"
    if kind in ("hotkey", *CLIPBOARD_KEYS) and not step["keys"]:
        return "kept no key combination replay can press"
    return None


def with_omitted(workflow: dict[str, Any]) -> list[tuple[int, dict[str, Any] | None]]:
    """``(id, step)`` for the steps in document order, with ``(id, None)`` for each
    ``omitted`` step before the first step of a higher id: where a generated script marks
    that a step was left out."""
    pending = sorted(int(o["id"]) for o in workflow.get("omitted", []))
    out: list[tuple[int, dict[str, Any] | None]] = []
    for step in workflow["steps"]:
        while pending and pending[0] < step["id"]:
            out.append((pending.pop(0), None))
        out.append((int(step["id"]), step))
    return out + [(i, None) for i in pending]


def _unlink(step: dict[str, Any], left_out: set[int]) -> dict[str, Any]:
    """A paste whose copy was left out pastes whatever the clipboard holds."""
    value = step["value"] or {}
    if value.get("transfer_from") in left_out:
        return {**step, "value": None}
    return step


def _step(row: dict[str, Any]) -> dict[str, Any]:
    step_id = int(row["step_no"])
    kind = row.get("kind") or _kind_of(row["action"])
    attrs = _attrs(row)
    examples = _examples(row)
    value = _value(row, kind, step_id, examples)
    optional = bool(row.get("optional"))
    support = float(row.get("support") or 0.0)
    return {
        "id": step_id,
        "kind": kind,
        "action": row.get("action"),
        "target": {
            "app": row.get("app"),
            "window_title": row.get("window_template") or None,
            "window_pattern": title_pattern(row.get("window_template")),
            "element": row.get("target") or None,
            "relative_position": _relative_position(attrs),
        },
        "value": value,
        "keys": _keys(kind, examples),
        "optional": optional,
        "decision": _decision(step_id, value, attrs, support) if optional else None,
        "repeated": bool(row.get("repeated")),
        "support": support,
        "screenshot_id": row.get("screenshot_id"),
        **({"scroll": _scroll(attrs)} if kind == "scroll" else {}),
    }


def _value(row: dict, kind: str, step_id: int, examples: list[str]) -> dict | None:
    """An input slot when the value varies (or was never recorded), a constant when it
    does not, a transfer for a paste of an earlier copy; nothing for other kinds."""
    if row.get("transfer_from_step") is not None:
        return {"transfer_from": int(row["transfer_from_step"])}
    if row.get("input_slot"):
        return {"input": slot_name(row["input_slot"])}
    if kind not in VALUE_KINDS:
        return None
    if kind == "paste":  # the clipboard holds what the person copied outside the routine
        return None
    if row.get("varies") or not examples:
        return {"input": slot_name(f"{row.get('target') or 'text'}_{step_id}")}
    return {"constant": examples[0]}


def _decision(step_id: int, value: dict | None, attrs: dict, support: float) -> dict:
    """What chooses an optional step: mining's rule if it found one, else the inputs row.

    Without a value in the row, a step most instances have runs and a rare one does not,
    so that a step mining saw in 95% of instances is not dropped for want of a column.
    """
    usual = support >= 0.5
    mined = attrs.get("decision")
    if isinstance(mined, dict) and mined.get("rule"):
        column = slot_name(mined.get("input") or f"do_step_{step_id}")
        return {"kind": "mined", "input": column, "default": usual, "rule": str(mined["rule"])}
    if value and "input" in value:
        rule = f"run step {step_id} when {value['input']} is not empty"
        return {"kind": "input_present", "input": value["input"], "default": False, "rule": rule}
    column = f"do_step_{step_id}"
    rule = f"run step {step_id} when {column} is yes" + (" or left empty" if usual else "")
    return {"kind": "flag", "input": column, "default": usual, "rule": rule}


def _input(row: dict, name: str, optional: bool) -> dict[str, Any]:
    examples = _examples(row)
    entry = {
        "name": name,
        "step": int(row["step_no"]),
        "type": "text",
        "required": not optional,
        "examples": examples,
    }
    if not examples:
        entry["note"] = "values were not recorded (privacy policy); supply them"
    return entry


def _flag(step_id: int, name: str) -> dict[str, Any]:
    return {"name": name, "step": step_id, "type": "flag", "required": False, "examples": []}


def _keys(kind: str, examples: list[str]) -> str | None:
    """The key combination a hotkey or clipboard step presses, normalised (``ctrl+s``).

    Only a key chord: a clipboard step's recorded text may be the copied value (imported
    logs and the simulator keep it there), so it counts only when it is one of that kind's
    chords; a hotkey's only when it matches the schema's key grammar.
    """
    if kind not in ("hotkey", *CLIPBOARD_KEYS):
        return None
    recorded = normalise_keys(examples[0]) if examples else ""
    if kind in CLIPBOARD_KEYS:
        return recorded if recorded in CLIPBOARD_CHORDS[kind] else CLIPBOARD_KEYS[kind]
    return recorded if is_key_chord(recorded) else None


def normalise_keys(text: str) -> str:
    """``Ctrl + Escape`` → ``ctrl+esc``: lower case, no spaces, the schema's key names."""
    if text.endswith("+ "):  # the recorder writes ctrl+space as "ctrl+ "
        text = text[:-1] + "space"
    parts = text.strip().lower().replace(" ", "").split("+")
    if len(parts) > 1 and parts[-1] == "":  # "ctrl++" presses the + key
        parts = [*parts[:-2], "+"]
    return "+".join(KEY_ALIASES.get(p, p) for p in parts)


def is_key_chord(keys: str) -> bool:
    """Whether ``keys`` follows the schema's key grammar (see ``keys`` in the schema)."""
    return bool(_key_grammar().match(keys))


@cache
def _key_grammar() -> re.Pattern[str]:
    return re.compile(workflow_schema()["$defs"]["step"]["properties"]["keys"]["pattern"])


def _scroll(attrs: dict) -> dict[str, int]:
    """Wheel steps of a scroll step: ``dx``, ``dy`` of its attrs, else `DEFAULT_SCROLL`."""
    try:
        amounts = {axis: round(float(attrs[axis])) for axis in ("dx", "dy")}
    except (KeyError, TypeError, ValueError, OverflowError):
        return dict(DEFAULT_SCROLL)
    if any(abs(v) > 1000 for v in amounts.values()) or amounts == {"dx": 0, "dy": 0}:
        return dict(DEFAULT_SCROLL)
    return amounts


def _examples(row: dict) -> list[str]:
    raw = row.get("example_values")
    values = json.loads(raw) if isinstance(raw, str) else raw or []
    return [str(v) for v in values if v is not None]


def _attrs(row: dict) -> dict:
    raw = row.get("attrs")
    data = json.loads(raw) if isinstance(raw, str) and raw else raw or {}
    return data if isinstance(data, dict) else {}


def _relative_position(attrs: dict) -> dict[str, float] | None:
    if "rel_x" in attrs and "rel_y" in attrs:
        return {"x": float(attrs["rel_x"]), "y": float(attrs["rel_y"])}
    return None


def _kind_of(action: str) -> str:
    """Mining's action label starts with the event kind (``kind|app|target|title|url``)."""
    return action.split("|", 1)[0] or "unknown"


def _plain(value: object) -> object:
    """JSON for numpy and polars scalars that rows may carry."""
    return value.item() if hasattr(value, "item") else str(value)


def slot_name(text: str) -> str:
    """An inputs column name that is also a Python identifier (``Invoice no.`` →
    ``invoice_no``), so the script skeleton can take it as a parameter."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "value"
    return f"v_{slug}" if slug[0].isdigit() else slug


def title_pattern(template: str | None) -> str | None:
    """A regular expression matching whole window titles of a mining title template:
    literal parts escaped, each ``<…>`` placeholder any non-empty text."""
    if not template:
        return None
    parts = _PLACEHOLDER.split(template)
    return "^" + ".+?".join(re.escape(part) for part in parts) + "$"


@cache
def workflow_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_workflow(document: Any) -> None:
    """Raise `WorkflowFormatError` naming the first place where ``document`` breaks the
    schema; also check that step references point at steps that exist."""
    from jsonschema import Draft202012Validator

    version = document.get("schema_version") if isinstance(document, dict) else None
    if version != SCHEMA_VERSION:
        raise WorkflowFormatError(
            f"workflow schema version {version!r} is not supported; this taskmine reads "
            f"version {SCHEMA_VERSION}",
            "export the workflow again with this taskmine, or upgrade taskmine",
        )
    validator = Draft202012Validator(workflow_schema())
    try:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    except RecursionError as exc:
        raise WorkflowFormatError("workflow is nested too deeply to be a workflow") from exc
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "the document"
        message = first.message if len(first.message) <= 300 else first.message[:300] + "…"
        raise WorkflowFormatError(f"workflow is not valid at {where}: {message}")
    ids = {s["id"] for s in document["steps"]}
    for ref in [t["from_step"] for t in document["transfers"]] + [
        i["step"] for i in document["inputs"]
    ]:
        if ref not in ids:
            raise WorkflowFormatError(f"workflow refers to step {ref}, which it does not have")


def load_workflow(path: Path) -> dict[str, Any]:
    """Read and validate a workflow file; errors name the file.

    Bounded before parsing: a file past `MAX_WORKFLOW_BYTES`, JSON nested past Python's
    recursion limit and the non-JSON numbers NaN and Infinity are refused in one line.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_WORKFLOW_BYTES:
            raise WorkflowFormatError(
                f"{path} is larger than a workflow can be ({size:,} bytes; at most "
                f"{MAX_WORKFLOW_BYTES:,})"
            )
        document = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except FileNotFoundError as exc:
        raise WorkflowFormatError(f"workflow file {path} does not exist") from exc
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise WorkflowFormatError(f"{path} is not JSON ({exc})") from exc
    except RecursionError as exc:
        raise WorkflowFormatError(f"{path} is nested too deeply to be a workflow") from exc
    try:
        validate_workflow(document)
    except WorkflowFormatError as exc:
        raise WorkflowFormatError(f"{path}: {exc.args[0]}") from exc
    return document


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def dumps_workflow(document: dict[str, Any]) -> bytes:
    """Validated, pretty JSON bytes: nothing leaves taskmine that replay would refuse."""
    validate_workflow(document)
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
