"""Exports of one candidate process, shared by the explorer's buttons and the CLI.

Each format is a pure function of a `queries.ProcessBundle` returning bytes; `export`
reads the bundle and dispatches. Formats: BPMN 2.0 (pm4py, the consensus steps as tasks,
optional steps behind an exclusive gateway), a self-contained HTML process definition
document, the workflow JSON that ``taskmine replay`` runs, and XES and CSV of the
instances' events.
"""

from __future__ import annotations

import base64
import html
import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import polars as pl

from explorer import queries
from explorer.components.common import fmt_duration, fmt_share
from explorer.components.process_map import process_map_svg
from explorer.errors import ExplorerError
from explorer.step_words import describe_steps
from storage.exporters import csv_bytes
from taskmine import __version__


@dataclass(frozen=True)
class Exported:
    filename: str
    mimetype: str
    content: bytes


FORMATS = {
    "bpmn": ("bpmn", "application/xml"),
    "pdd": ("html", "text/html"),
    "workflow": ("json", "application/json"),
    "xes": ("xes", "application/xml"),
    "csv": ("csv", "text/csv"),
    "pdd-md": ("md", "text/markdown"),
    "skeleton": ("py", "text/x-python"),
    "robot": ("robot", "text/plain"),
}


def export(
    db: Path, key: str, fmt: str, run_id: int | None = None, raw_csv: bool = False
) -> Exported:
    """Render candidate ``key`` of ``db`` in ``fmt`` (one of `FORMATS`).

    CSV has formulas neutralised for spreadsheets unless ``raw_csv`` (`storage.formulas`).

    Example::

        doc = export(Path("work.duckdb"), "3", "pdd")
        Path(doc.filename).write_bytes(doc.content)
    """
    if fmt not in FORMATS:
        raise ExplorerError(f"unknown export format {fmt!r}", f"use one of {', '.join(FORMATS)}")
    bundle = queries.read_bundle(db, key, run_id)
    render = {
        "bpmn": to_bpmn,
        "pdd": to_pdd_html,
        "workflow": to_workflow_json,
        "xes": to_xes,
        "csv": partial(to_csv, raw=raw_csv),
        "pdd-md": to_pdd_markdown,
        "skeleton": to_skeleton,
        "robot": to_robot,
    }[fmt]
    extension, mimetype = FORMATS[fmt]
    return Exported(f"{_slug(bundle.detail.row['name'])}.{extension}", mimetype, render(bundle))


def _slug(name: str) -> str:
    slug = "".join(c.lower() if c.isalnum() else "-" for c in name).strip("-")
    return "-".join(part for part in slug.split("-") if part)[:60] or "process"


# -- workflow JSON -----------------------------------------------------------------------


def workflow(bundle: queries.ProcessBundle) -> dict:
    """The consensus workflow as a replayable document (see ``explorer.workflow``)."""
    from explorer.workflow import build_workflow

    return build_workflow(bundle.detail.row, bundle.detail.steps.to_dicts(), bundle.detail.run_id)


def to_workflow_json(bundle: queries.ProcessBundle) -> bytes:
    from explorer.workflow import dumps_workflow

    return dumps_workflow(workflow(bundle))


def to_skeleton(bundle: queries.ProcessBundle) -> bytes:
    """A Python replay script, one function per step (see ``explorer.skeleton``)."""
    from explorer.skeleton import render_skeleton

    return render_skeleton(workflow(bundle)).encode("utf-8")


def to_robot(bundle: queries.ProcessBundle) -> bytes:
    """A Robot Framework suite, one keyword per step (see ``explorer.robot_suite``)."""
    from explorer.robot_suite import render_robot

    return render_robot(workflow(bundle)).encode("utf-8")


def to_pdd_markdown(bundle: queries.ProcessBundle) -> bytes:
    from explorer.pdd_markdown import to_pdd_markdown as render

    return render(bundle)


# -- BPMN ----------------------------------------------------------------------------------


def to_bpmn(bundle: queries.ProcessBundle) -> bytes:
    """BPMN 2.0 from the consensus steps; falls back to mining's model if it has no steps."""
    steps = bundle.detail.steps
    if steps.is_empty():
        if bundle.detail.bpmn_xml:
            return bundle.detail.bpmn_xml.encode()
        raise ExplorerError(f"candidate {bundle.detail.row['name']!r} has no steps to export")
    from pm4py.objects.bpmn.exporter.variants.etree import get_xml_string
    from pm4py.objects.bpmn.obj import BPMN

    model = BPMN(name=bundle.detail.row["name"])
    order = []
    previous = BPMN.StartEvent(id="start", name="start")
    model.add_node(previous)
    order.append(previous)
    rows = steps.to_dicts()
    for s, words in zip(rows, describe_steps(rows), strict=True):
        task = BPMN.Task(id=f"step_{s['step_no']}", name=f"{s['step_no']}. {words}")
        model.add_node(task)
        if s["optional"]:
            split = BPMN.ExclusiveGateway(
                id=f"split_{s['step_no']}",
                name="",
                gateway_direction=BPMN.Gateway.Direction.DIVERGING,
            )
            join = BPMN.ExclusiveGateway(
                id=f"join_{s['step_no']}",
                name="",
                gateway_direction=BPMN.Gateway.Direction.CONVERGING,
            )
            for node in (split, task, join):
                model.add_node(node)
                order.append(node)
            for source, target in ((previous, split), (split, task), (task, join), (split, join)):
                model.add_flow(BPMN.SequenceFlow(source, target))
            previous = join
        else:
            order.append(task)
            model.add_flow(BPMN.SequenceFlow(previous, task))
            previous = task
    end = BPMN.EndEvent(id="end", name="end")
    model.add_node(end)
    order.append(end)
    model.add_flow(BPMN.SequenceFlow(previous, end))
    _place(model, order)
    return get_xml_string(model)


def _place(model, order: list) -> None:
    """Lay the chain out left to right (pm4py's own layouter needs Graphviz installed).

    Optional steps' skip flows arc above the task they bypass.
    """
    from pm4py.objects.bpmn.obj import BPMN

    x, middle = 40, 160
    for node in order:
        width, height = (
            (140, 70)
            if isinstance(node, BPMN.Task)
            else (50, 50)
            if isinstance(node, BPMN.Gateway)
            else (36, 36)
        )
        node.set_x(x)
        node.set_y(middle - height // 2)
        node.set_width(width)
        node.set_height(height)
        x += width + 50
    layout = model.get_layout()
    for flow in model.get_flows():
        source, target = flow.get_source(), flow.get_target()
        edge = layout.get(flow)
        edge.del_waypoints()
        if isinstance(source, BPMN.Gateway) and isinstance(target, BPMN.Gateway):
            sx = source.get_x() + source.get_width() // 2
            tx = target.get_x() + target.get_width() // 2
            points = [
                (sx, source.get_y()),
                (sx, middle - 70),
                (tx, middle - 70),
                (tx, target.get_y()),
            ]
        else:
            points = [(source.get_x() + source.get_width(), middle), (target.get_x(), middle)]
        for point in points:
            edge.add_waypoint(point)


# -- event logs ----------------------------------------------------------------------------


def to_csv(bundle: queries.ProcessBundle, raw: bool = False) -> bytes:
    """One row per event of every instance, traceable to its input file and row.

    For spreadsheets unless ``raw``: formulas neutralised (see `storage.formulas`).
    """
    frame = bundle.events.with_columns(
        pl.lit(bundle.detail.row["key"]).alias("process_key"),
        pl.lit(bundle.detail.row["name"]).alias("process_name"),
    )
    return csv_bytes(frame, raw)


def to_xes(bundle: queries.ProcessBundle) -> bytes:
    """The instances as an IEEE XES log: one trace per instance, the action as activity."""
    import pm4py

    frame = bundle.events.select(
        pl.col("instance_id").cast(pl.String).alias("case:concept:name"),
        pl.col("action").alias("concept:name"),
        pl.col("ts").dt.replace_time_zone("UTC").alias("time:timestamp"),
        pl.col("user_id").alias("org:resource"),
        pl.col("kind"),
        pl.col("app"),
        pl.col("source_file"),
        pl.col("source_row"),
    ).to_pandas()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.xes"
        pm4py.write_xes(frame, str(path), case_id_key="case:concept:name")
        return path.read_bytes()


# -- process definition document -------------------------------------------------------


#: Screenshot formats an export embeds; a format from an imported file is recorded text,
#: so anything else is left out rather than written into a ``src`` attribute.
IMAGE_FORMATS = {"webp": "webp", "png": "png", "jpeg": "jpeg", "jpg": "jpeg", "gif": "gif"}


def image_data_uri(shot: tuple[str, bytes] | None) -> str | None:
    """A ``data:`` URI of a screenshot, or None when there is none or its format is not
    one of `IMAGE_FORMATS` (the URI holds only that fixed name and base64)."""
    if shot is None:
        return None
    fmt, data = shot
    mime = IMAGE_FORMATS.get(str(fmt).strip().lower())
    if mime is None:
        return None
    return f"data:image/{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_pdd_html(bundle: queries.ProcessBundle) -> bytes:
    """A process definition document an RPA developer can work from, in one HTML file."""
    detail, row = bundle.detail, bundle.detail.row
    e = html.escape
    step_rows = []
    rows = detail.steps.to_dicts()
    for s, words in zip(rows, describe_steps(rows), strict=True):
        uri = image_data_uri(bundle.screenshots.get(s["screenshot_id"]))
        alt = e(f"step {s['step_no']}", quote=True)
        image = f'<img src="{e(uri, quote=True)}" alt="{alt}">' if uri else "—"
        flags = [f for f, on in (("optional", s["optional"]), ("repeated", s["repeated"])) if on]
        step_rows.append(
            [
                str(s["step_no"]),
                e(words),
                e(s["window_template"] or ""),
                fmt_share(s["support"]),
                e(", ".join(flags)),
                e(s["input_slot"] or ("varies" if s["varies"] else "")),
                "" if s["transfer_from_step"] is None else f"from step {s['transfer_from_step']}",
                image,
            ]
        )
    inputs = [
        [
            e(s["input_slot"] or f"input_{s['step_no']}"),
            str(s["step_no"]),
            e(", ".join(map(str, json.loads(s["example_values"] or "[]")[:5]))),
        ]
        for s in detail.steps.filter(pl.col("varies")).iter_rows(named=True)
    ]
    variants = [
        [
            str(v["variant_id"]),
            str(v["n_instances"]),
            fmt_share(v["share"]),
            fmt_duration(v["mean_duration_s"]),
            e(" → ".join(v["actions"])),
        ]
        for v in detail.variants.iter_rows(named=True)
    ]
    durations = bundle.instances["duration_s"]
    stats = [
        ["Instances", f"{row['n_instances']:,}"],
        ["Users", f"{row['n_users']:,}"],
        ["Per week", f"{row['per_week']:.1f}"],
        ["Mean duration", fmt_duration(row["mean_duration_s"])],
        ["Median duration", fmt_duration(durations.median() if len(durations) else None)],
        ["Hours saved per month", f"{row['hours_saved_per_month']:.1f}"],
        ["Score", f"{row['score']:.2f}"],
        ["Confidence", fmt_share(row["confidence"])],
        ["Applications", e(", ".join(row["apps"] or []))],
    ]
    sections = [
        f"<h1>{e(row['name'])}</h1>",
        f"<p class='meta'>Process definition document · candidate {e(row['key'])} of mining "
        f"run {detail.run_id} · generated by taskmine {__version__} on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC</p>",
        "<h2>Statistics</h2>",
        _table(["Figure", "Value"], stats),
        "<h2>Process map</h2>",
        process_map_svg(bundle.edges),
        "<h2>Steps</h2>",
        _table(
            ["#", "Step", "Window", "Support", "Flags", "Input", "Data transfer", "Screenshot"],
            step_rows,
        ),
        "<h2>Inputs</h2>",
        _table(["Input", "Step", "Example values"], inputs) if inputs else "<p>None.</p>",
        "<h2>Variants</h2>",
        _table(["Variant", "Instances", "Share", "Mean duration", "Actions"], variants),
    ]
    return _PDD_PAGE.format(title=e(row["name"]), body="\n".join(sections)).encode()


_PDD_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · process definition</title>
<style>
body {{ font-family: system-ui, sans-serif; color: #1d2433; max-width: 1100px;
       margin: 32px auto; padding: 0 24px; }}
h1 {{ margin-bottom: 4px; }} h2 {{ margin-top: 32px; border-bottom: 1px solid #e4e7ee; }}
.meta {{ color: #667085; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
th, td {{ border: 1px solid #e4e7ee; padding: 6px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f3f5fa; }}
img {{ max-width: 260px; border: 1px solid #e4e7ee; border-radius: 4px; }}
</style></head><body>
{body}
</body></html>
"""
