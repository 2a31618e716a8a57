"""The workflow document: built from hand-made consensus steps, checked against its schema."""

from __future__ import annotations

import copy
import json
import re

import pytest

from explorer.workflow import (
    WorkflowFormatError,
    build_workflow,
    dumps_workflow,
    load_workflow,
    slot_name,
    title_pattern,
    validate_workflow,
)

PROCESS = {"name": "Enter invoice", "signature": "sig-1", "key": "0", "n_instances": 20,
           "n_users": 2, "score": 0.8, "confidence": 0.9}  # fmt: skip


def row(step_no: int, kind: str, **fields) -> dict:
    """A ``process_steps`` row as mining writes it (JSON columns as strings)."""
    base = {
        "step_no": step_no, "action": f"{kind}|app|x|t|", "kind": kind, "app": "erp",
        "window_template": "Invoice <num> - ERP", "target": None, "support": 1.0,
        "optional": False, "repeated": False, "varies": False, "input_slot": None,
        "example_values": None, "transfer_from_step": None, "screenshot_id": None,
        "attrs": "{}",
    }  # fmt: skip
    return {**base, **fields}


STEPS = [
    row(1, "focus"),
    row(2, "click", target="Customer", attrs=json.dumps({"rel_x": 120, "rel_y": 18})),
    row(
        3,
        "type",
        target="Customer",
        varies=True,
        input_slot="customer_3",
        example_values=json.dumps(["Acme", "Globex"]),
    ),
    row(
        4,
        "type",
        target="Currency",
        example_values=json.dumps(["EUR"]),
        attrs=json.dumps({"value": "EUR"}),
    ),
    row(5, "copy", target="Reference", example_values=json.dumps(["ctrl+c"])),
    row(6, "paste", target="Memo", transfer_from_step=5),
    row(
        7,
        "type",
        target="Discount",
        varies=True,
        input_slot="discount_7",
        optional=True,
        support=0.4,
        example_values=json.dumps(["5", "10"]),
    ),
    row(8, "click", target="Print", optional=True, support=0.3),
    row(9, "idle"),
    row(10, "hotkey", example_values=json.dumps(["Ctrl+S"])),
    row(11, "type", target="Note"),  # text not kept by the privacy policy
]


@pytest.fixture
def document() -> dict:
    return build_workflow(PROCESS, STEPS, run_id=7)


def test_the_document_follows_the_schema(document):
    validate_workflow(document)
    assert document["schema_version"] == 1
    assert document["process"] == {"name": "Enter invoice", "signature": "sig-1", "key": "0",
                                   "instances": 20, "users": 2, "score": 0.8,
                                   "confidence": 0.9, "run_id": 7}  # fmt: skip


def test_steps_keep_mining_numbers_and_leave_out_recording_states(document):
    assert [(s["id"], s["kind"]) for s in document["steps"]] == [
        (1, "focus"), (2, "click"), (3, "type"), (4, "type"), (5, "copy"), (6, "paste"),
        (7, "type"), (8, "click"), (10, "hotkey"), (11, "type"),
    ]  # fmt: skip


def test_targets_carry_window_pattern_element_and_fallback_position(document):
    click = document["steps"][1]["target"]
    assert click == {
        "app": "erp",
        "window_title": "Invoice <num> - ERP",
        "window_pattern": r"^Invoice\ .+?\ \-\ ERP$",
        "element": "Customer",
        "relative_position": {"x": 120.0, "y": 18.0},
    }
    assert re.match(click["window_pattern"], "Invoice 4711 - ERP")
    assert not re.match(click["window_pattern"], "Invoice 4711 - ERP (copy)")


def test_values_are_inputs_constants_or_transfers(document):
    by_id = {s["id"]: s for s in document["steps"]}
    assert by_id[3]["value"] == {"input": "customer_3"}
    assert by_id[4]["value"] == {"constant": "EUR"}
    assert by_id[6]["value"] == {"transfer_from": 5}
    assert by_id[11]["value"] == {"input": "note_11"}
    assert by_id[2]["value"] is None
    assert document["constants"] == [{"step": 4, "value": "EUR"}]
    assert document["transfers"] == [{"from_step": 5, "to_step": 6}]


def test_inputs_list_every_column_replay_reads(document):
    inputs = {i["name"]: i for i in document["inputs"]}
    assert list(inputs) == ["customer_3", "discount_7", "do_step_8", "note_11"]
    assert inputs["customer_3"] == {
        "name": "customer_3",
        "step": 3,
        "type": "text",
        "required": True,
        "examples": ["Acme", "Globex"],
    }
    assert inputs["discount_7"]["required"] is False
    assert inputs["do_step_8"]["type"] == "flag"
    assert "not recorded" in inputs["note_11"]["note"]


def test_optional_steps_carry_the_decision_that_chooses_them(document):
    by_id = {s["id"]: s for s in document["steps"]}
    assert by_id[7]["decision"] == {
        "kind": "input_present",
        "input": "discount_7",
        "default": False,
        "rule": "run step 7 when discount_7 is not empty",
    }
    assert by_id[8]["decision"] == {
        "kind": "flag",
        "input": "do_step_8",
        "default": False,
        "rule": "run step 8 when do_step_8 is yes",
    }
    assert by_id[3]["decision"] is None


def test_a_step_most_instances_have_runs_unless_the_row_says_no():
    steps = [row(1, "hotkey", optional=True, support=0.85, example_values='["ctrl+s"]')]
    decision = build_workflow(PROCESS, steps)["steps"][0]["decision"]
    assert decision == {
        "kind": "flag",
        "input": "do_step_1",
        "default": True,
        "rule": "run step 1 when do_step_1 is yes or left empty",
    }


def test_a_decision_mining_found_is_kept():
    rule = {"rule": "when the amount is over 1000", "input": "Needs approval"}
    steps = [row(1, "click", target="Approve", optional=True, support=0.2,
                 attrs=json.dumps({"decision": rule}))]  # fmt: skip
    step = build_workflow(PROCESS, steps)["steps"][0]
    assert step["decision"] == {
        "kind": "mined",
        "input": "needs_approval",
        "default": False,
        "rule": "when the amount is over 1000",
    }


def test_keys_are_normalised_and_clipboard_steps_get_defaults(document):
    by_id = {s["id"]: s for s in document["steps"]}
    assert by_id[10]["keys"] == "ctrl+s"
    assert by_id[5]["keys"] == "ctrl+c"
    assert by_id[6]["keys"] == "ctrl+v"
    assert by_id[3]["keys"] is None


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(schema_version=2), "version 2 is not supported"),
        (lambda d: d["steps"][0].pop("target"), "steps/0"),
        (lambda d: d["steps"][6].update(decision=None), "steps/6/decision"),
        (lambda d: d["steps"][2].update(value={"input": "a", "constant": "b"}), "steps/2/value"),
        (lambda d: d["inputs"][0].update(name="has space"), "inputs/0/name"),
        (lambda d: d["transfers"][0].update(from_step=99), "step 99"),
    ],
)
def test_validation_names_where_a_document_is_wrong(document, change, where):
    broken = copy.deepcopy(document)
    change(broken)
    with pytest.raises(WorkflowFormatError, match=re.escape(where)):
        validate_workflow(broken)


def test_load_round_trips_and_names_a_bad_file(document, tmp_path):
    path = tmp_path / "w.json"
    path.write_bytes(dumps_workflow(document))
    assert load_workflow(path) == document
    path.write_text("{not json")
    with pytest.raises(WorkflowFormatError, match="w.json is not JSON"):
        load_workflow(path)


def test_a_candidate_without_steps_is_refused():
    with pytest.raises(Exception, match="no steps"):
        build_workflow(PROCESS, [row(1, "idle")])


@pytest.mark.parametrize(
    ("text", "name"),
    [("Invoice no.", "invoice_no"), ("2nd line", "v_2nd_line"), ("", "value"), ("É", "value")],
)
def test_slot_names_are_identifiers(text, name):
    assert slot_name(text) == name


def test_a_literal_title_matches_only_itself():
    assert title_pattern("Orders - Form") == r"^Orders\ \-\ Form$"
    assert title_pattern(None) is None


def test_every_candidate_of_a_database_exports_a_valid_workflow(dev_db_master):
    from explorer import queries
    from explorer.export import export

    found = queries.read_opportunities(dev_db_master, queries.Filters(), 0.0)
    keys = found.ranking["key"].to_list()
    assert keys
    for key in keys:
        document = json.loads(export(dev_db_master, key, "workflow").content)
        validate_workflow(document)
        assert document["process"]["key"] == key


# -- the developer's other exports: script skeleton, Markdown PDD -----------------------


def test_the_skeleton_has_one_function_per_step_and_the_inputs_as_parameters(document):
    import ast

    from explorer.skeleton import render_skeleton

    tree = ast.parse(render_skeleton(document))
    functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
    assert [n for n in functions if n.startswith("step_")] == [
        "step_1_focus", "step_2_click_customer", "step_3_type_customer",
        "step_4_type_currency", "step_5_copy_reference", "step_6_paste_memo",
        "step_7_type_discount", "step_8_click_print", "step_10_hotkey_ctrl_s",
        "step_11_type_note",
    ]  # fmt: skip
    run = functions["run"].args
    assert [a.arg for a in run.args] == ["desktop", "customer_3", "note_11", "discount_7",
                                         "do_step_8"]  # fmt: skip
    assert ast.get_docstring(functions["step_3_type_customer"]).startswith("type customer_3")
    assert len(run.defaults) == 2  # the optional ones


def test_the_skeleton_performs_the_steps_a_row_asks_for(document):
    from explorer.skeleton import render_skeleton

    code = render_skeleton(document)
    namespace: dict = {"__name__": "skeleton"}
    exec(compile(code, "skeleton.py", "exec"), namespace)
    done = []
    namespace["perform"] = lambda desktop, action: done.append(action)
    namespace["PAUSE_S"] = 0
    namespace["run"](None, customer_3="Acme \"Q\" Ltd", note_11="n", discount_7="",
                     do_step_8="yes")  # fmt: skip
    assert [(a.step, a.kind, a.text, a.keys) for a in done] == [
        (1, "focus", None, None), (2, "click", None, None), (3, "type", 'Acme "Q" Ltd', None),
        (4, "type", "EUR", None), (5, "copy", None, "ctrl+c"), (6, "paste", None, "ctrl+v"),
        (8, "click", None, None), (10, "hotkey", None, "ctrl+s"), (11, "type", "n", None),
    ]  # fmt: skip
    assert done[1].element == "Customer" and done[1].offset == (120.0, 18.0)
    assert done[0].window == r"^Invoice\ .+?\ \-\ ERP$"


def test_steps_replay_cannot_do_are_left_out_with_the_reason():
    from explorer.robot_suite import render_robot
    from explorer.skeleton import render_skeleton

    steps = [row(1, "click", target="Name"), row(2, "editField", target='Name "x"\\'),
             row(3, "hotkey", example_values=json.dumps(["4500004047"]))]  # fmt: skip
    document = build_workflow(PROCESS, steps)
    assert [s["id"] for s in document["steps"]] == [1]
    assert document["omitted"] == [
        {"id": 2, "kind": "editField",
         "reason": "is a 'editField', an action of an imported log that replay cannot perform"},
        {"id": 3, "kind": "hotkey", "reason": "kept no key combination replay can press"},
    ]  # fmt: skip
    code = render_skeleton(document)
    namespace: dict = {"__name__": "skeleton"}
    exec(compile(code, "skeleton.py", "exec"), namespace)
    assert set(namespace["OMITTED"]) == {2, 3}
    assert "    # step 2 was left out: OMITTED says why" in code
    robot = render_robot(document)
    assert "    # step 3 was left out (see the workflow's omitted)" in robot.splitlines()


def test_a_candidate_replay_can_do_nothing_of_is_refused_with_the_reasons():
    from explorer.errors import ExplorerError

    with pytest.raises(ExplorerError, match="no step replay can perform .step 1 is a 'editField'"):
        build_workflow(PROCESS, [row(1, "editField", target="x")])


@pytest.mark.parametrize(
    ("kind", "recorded", "keys"),
    [
        ("copy", "4500004047", "ctrl+c"),  # a copied value, as imported logs keep it
        ("paste", "5105600786", "ctrl+v"),
        ("copy", "cmd+c", "cmd+c"),
        ("cut", "Shift + Delete", "shift+delete"),
        ("paste", "ctrl+s", "ctrl+v"),  # a chord, but not a paste's
        ("hotkey", "Ctrl+Escape", "ctrl+esc"),
        ("hotkey", "ctrl+ ", "ctrl+space"),
        ("hotkey", "ctrl++", "ctrl++"),
        ("hotkey", "enter", "enter"),
        ("hotkey", "Acme Ltd", None),
        ("hotkey", "a", None),
        ("hotkey", "4500004047", None),
    ],
)
def test_no_recorded_value_reaches_keys(kind, recorded, keys):
    steps = [row(1, "click", target="x"), row(2, kind, example_values=json.dumps([recorded]))]
    document = build_workflow(PROCESS, steps)
    by_id = {s["id"]: s for s in document["steps"]}
    assert (by_id[2]["keys"] if 2 in by_id else None) == keys
    if len(recorded) > 1 and recorded != keys:
        assert recorded not in json.dumps(document)


def test_a_scroll_step_carries_its_wheel_steps():
    steps = [row(1, "scroll", target="Sheet", attrs=json.dumps({"dx": 0, "dy": -7.4})),
             row(2, "scroll", target="Sheet")]  # fmt: skip
    document = build_workflow(PROCESS, steps)
    assert [s["scroll"] for s in document["steps"]] == [{"dx": 0, "dy": -7}, {"dx": 0, "dy": -3}]
    validate_workflow(document)


def test_the_markdown_pdd_holds_every_step_and_its_screenshot(dev_db_master):
    from explorer import queries
    from explorer.pdd_markdown import to_pdd_markdown

    found = queries.read_opportunities(dev_db_master, queries.Filters(), 0.0)
    bundle = queries.read_bundle(dev_db_master, found.ranking["key"][0])
    text = to_pdd_markdown(bundle).decode()
    steps = list(bundle.detail.steps.iter_rows(named=True))
    assert steps and text.startswith(f"# {bundle.detail.row['name']}\n")
    for s in steps:
        assert f"\n| {s['step_no']} | " in text
        assert f"### {s['step_no']}. " in text
    shots = [s for s in steps if s["screenshot_id"] in bundle.screenshots]
    assert shots and text.count("](data:image/") == len(shots)


def test_every_key_of_the_schema_is_documented():
    from pathlib import Path

    from explorer.workflow import workflow_schema

    def keys(node) -> set[str]:
        found = set()
        if isinstance(node, dict):
            found |= set(node.get("properties", {}))
            for value in node.values():
                found |= keys(value)
        elif isinstance(node, list):
            for value in node:
                found |= keys(value)
        return found

    doc = (Path(__file__).resolve().parents[2] / "docs" / "workflow-format.md").read_text()
    missing = sorted(k for k in keys(workflow_schema()) if f"`{k}`" not in doc)
    assert missing == []


@pytest.mark.parametrize(("fmt", "check"), [
    ("skeleton", lambda text: compile(text, "skeleton.py", "exec") and "def run(" in text),
    ("pdd-md", lambda text: text.startswith("# ") and "## Steps" in text),
])  # fmt: skip
def test_the_cli_exports_the_skeleton_and_the_markdown_pdd(dev_db_master, tmp_path, fmt, check):
    import subprocess
    import sys

    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "taskmine.cli", "export", "process", "0", "--db",
         str(dev_db_master), "--format", fmt, "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert check(out.read_text())


def test_replay_names_what_is_wrong_with_a_workflow_file(document, tmp_path):
    import subprocess
    import sys

    del document["steps"][0]["target"]
    flow, inputs = tmp_path / "w.json", tmp_path / "in.csv"
    flow.write_text(json.dumps(document))
    inputs.write_text("customer_3\nAcme\n")
    done = subprocess.run(
        [sys.executable, "-m", "taskmine.cli", "replay", str(flow), "--inputs", str(inputs),
         "--dry-run"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert f"{flow}: workflow is not valid at steps/0: 'target' is a required property" in (
        " ".join(done.stderr.split())
    )
