"""Every recorded string is hostile: exports must carry it as data, never as code or markup.

The payloads are those of issue 13 (a Python skeleton that ran ``touch PWNED``, stored XSS
through a screenshot format, raw HTML in the Markdown PDD) and the characters that break
literals: quotes of every kind, backslashes, newlines, NUL, line separators, format braces.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from explorer import queries
from explorer.export import to_pdd_html
from explorer.pdd_markdown import to_pdd_markdown
from explorer.skeleton import render_skeleton
from explorer.workflow import build_workflow, validate_workflow

REPO = Path(__file__).resolve().parents[2]
PYTHON_BREAKERS = [
    'sap"""\nimport os; os.system("touch PWNED")\nif r\'\'\'',
    "Name ''':#\nimport os; os.system('touch PWNED')\n#",
    "C:\\Users\\new",
    "ends with a backslash \\",
    "nul \x00 byte",
    "line\u2028separator and \x85 and \x0c form feed",
    "{inputs} {0} %s {{}}",
    "lone surrogate \ud800",
    "`backticks` and $(touch PWNED)",
]
HTML_PAYLOAD = '<img src=x onerror=alert(1)>"\' onmouseover="alert(2)" x=\'&amp;<script>x</script>'
BAD_FORMAT = 'webp" onerror="alert(1)" x="'


def _steps(text: str) -> list[dict]:
    """Consensus steps (as mining writes them) with ``text`` in every recorded field."""

    def row(step_no: int, kind: str, **fields) -> dict:
        base = {
            "step_no": step_no, "action": f"{kind}|{text}", "kind": kind, "app": text,
            "window_template": text, "target": text, "support": 1.0, "optional": False,
            "repeated": False, "varies": False, "input_slot": None,
            "example_values": json.dumps([text]), "transfer_from_step": None,
            "screenshot_id": None, "attrs": json.dumps({"decision": {"rule": text}}),
        }  # fmt: skip
        return {**base, **fields}

    return [
        row(1, "focus"),
        row(2, "click", attrs=json.dumps({"rel_x": 5, "rel_y": 6})),
        row(3, "type", varies=True, input_slot=text),
        row(4, "type"),  # a constant
        row(5, "hotkey", example_values=json.dumps(["ctrl+s"])),
        row(6, "click", optional=True, support=0.3),
        row(7, text),  # a kind no replay knows
    ]


@pytest.mark.parametrize("text", PYTHON_BREAKERS)
def test_the_skeleton_parses_and_runs_no_recorded_code(text, tmp_path):
    document = build_workflow({"name": text}, _steps(text))
    validate_workflow(document)
    source = render_skeleton(document)
    ast.parse(source)  # a SyntaxError is a failure
    script = tmp_path / "bot.py"
    script.write_text(source, encoding="utf-8")
    probe = (
        "import runpy, sys, json; sys.path.insert(0, sys.argv[1]); "
        "ns = runpy.run_path(sys.argv[2]); "
        "print(json.dumps([ns['PROCESS'], [d.__doc__ for d in ns.values() if callable(d) "
        "and getattr(d, '__name__', '').startswith('step_')]]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(REPO), str(script)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "PWNED").exists()
    name, docs = json.loads(done.stdout)
    assert name == text  # the recorded string arrives as data, byte for byte
    assert docs and all(repr(text) in doc or text in doc for doc in docs[:4])


def _hostile_bundle(bundle: queries.ProcessBundle) -> queries.ProcessBundle:
    """The bundle of a real candidate with every recorded string replaced by the payload."""

    def poison(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(
            pl.lit(json.dumps([HTML_PAYLOAD]) if name == "example_values" else HTML_PAYLOAD).alias(
                name
            )
            for name, dtype in frame.schema.items()
            if dtype == pl.String and name != "attrs"
        ).with_columns(
            pl.lit([HTML_PAYLOAD]).alias(name)
            for name, dtype in frame.schema.items()
            if dtype == pl.List(pl.String)
        )

    detail = bundle.detail
    row = {k: HTML_PAYLOAD if isinstance(v, str) else v for k, v in detail.row.items()}
    row["apps"] = [HTML_PAYLOAD]
    steps = poison(detail.steps).with_columns(varies=pl.lit(True))
    shots = {i: (BAD_FORMAT, data) for i, (_, data) in bundle.screenshots.items()}
    shots |= {i: ("png", data) for i, (_, data) in list(bundle.screenshots.items())[:1]}
    return dataclasses.replace(
        bundle,
        detail=dataclasses.replace(detail, row=row, steps=steps, variants=poison(detail.variants)),
        edges=poison(bundle.edges),
        events=poison(bundle.events),
        screenshots=shots,
    )


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _check_markup(page: str, allowed: set[str]) -> None:
    parsed = _Elements()
    parsed.feed(page)
    tags = {tag for tag, _ in parsed.tags}
    assert tags <= allowed, tags - allowed
    for tag, attrs in parsed.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        if tag == "img":
            assert set(attrs) <= {"src", "alt"}, attrs
            assert attrs["src"].startswith(("data:image/png;base64,", "data:image/webp;base64,"))
        assert not any("javascript:" in (v or "") for v in attrs.values())
    assert any(HTML_PAYLOAD in chunk for chunk in parsed.text)  # shown, as text


PDD_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "thead",
            "tbody", "tr", "th", "td", "img", "svg", "g", "path", "rect", "text", "defs",
            "marker", "polygon", "circle", "line"}  # fmt: skip


def test_the_html_pdd_escapes_every_field_and_attribute(dev_db_master):
    bundle = _hostile_bundle(queries.read_bundle(dev_db_master, "0"))
    page = to_pdd_html(bundle).decode()
    _check_markup(page, PDD_TAGS)
    assert page.count("<img ") == 1  # only the screenshot whose format is an image format


def test_the_markdown_pdd_renders_no_recorded_html(dev_db_master):
    from markdown_it import MarkdownIt

    bundle = _hostile_bundle(queries.read_bundle(dev_db_master, "0"))
    text = to_pdd_markdown(bundle).decode()
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    _check_markup(rendered, {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th",
                             "td", "img"})  # fmt: skip
    assert rendered.count("<img ") == 1


@pytest.mark.parametrize("name", ["class", "desktop", "YES", "step_1_focus", "None", "do"])
def test_input_names_that_are_keywords_or_taken_become_safe_parameters(name):
    steps = [s for s in _steps("Customer") if s["kind"] in ("focus", "type")]
    document = build_workflow({"name": "Enter order"}, steps)
    document["inputs"][0]["name"] = name
    document["steps"][1]["value"] = {"input": name}
    source = render_skeleton(document)
    ast.parse(source)
    namespace: dict = {"__name__": "skeleton"}
    exec(compile(source, "skeleton.py", "exec"), namespace)
    done = []
    namespace["perform"] = lambda desktop, action: done.append(action)
    namespace["PAUSE_S"] = 0
    namespace["run"](None, **{namespace["INPUTS"][name]: "Acme"})
    assert [a.text for a in done if a.kind == "type"][0] == "Acme"
