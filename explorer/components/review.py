"""The review of one candidate: its badges, the decisions an analyst takes on it and the
exports, as pure builders (the process page wires their callbacks)."""

from __future__ import annotations

import re

from dash import dcc, html

from explorer.components.common import card, plural

#: Export button id -> (format, label); the page registers one callback per button.
EXPORT_BUTTONS = {
    "process-export-bpmn": ("bpmn", "BPMN 2.0"),
    "process-export-pdd": ("pdd", "Process document (HTML)"),
    "process-export-pdd-md": ("pdd-md", "Process document (Markdown)"),
    "process-export-workflow": ("workflow", "Workflow JSON"),
    "process-export-skeleton": ("skeleton", "Python script skeleton"),
    "process-export-xes": ("xes", "XES log"),
    "process-export-csv": ("csv", "CSV of instances"),
}
FILE_STEM_CHARS = 60


def file_name(name: str, extension: str) -> str:
    """A download's name from a candidate's: lower-case words joined by dashes, cut at a
    word boundary, never ending in a dash (``invoice-entry-saplogon.bpmn``)."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    stem = ""
    for word in words:
        longer = f"{stem}-{word}" if stem else word
        if len(longer) > FILE_STEM_CHARS:
            break
        stem = longer
    return f"{stem or (words[0][:FILE_STEM_CHARS] if words else 'process')}.{extension}"


def badges(row: dict, in_review: bool) -> html.Div:
    shown = []
    if row["dismissed"]:
        shown.append(html.Span("not a process", className="badge badge-warn"))
    if row["confirmed"]:
        shown.append(html.Span("confirmed", className="badge badge-ok"))
    elif in_review:
        shown.append(html.Span("in review queue", className="badge badge-warn"))
    for note in (row["note"] or "").split(" · "):
        if note and note != "confirmed":
            shown.append(html.Span(note, className="badge"))
    return html.Div(shown)


def decisions_card(
    row: dict,
    merge_choices: list[tuple[str, str]],
    split_preview: list[tuple[str, int]],
    undo: str | None,
    is_part: bool,
) -> html.Section:
    """Rename, confirm, merge, split, dismiss and undo, each saying what it will do."""
    return card(
        "Analyst decisions",
        _naming(row),
        _merging(merge_choices),
        html.Div(
            [
                html.Button(
                    "Split into main variants",
                    id="process-split",
                    className="secondary",
                    disabled=not split_preview,
                ),
                html.Button("Not a process", id="process-dismiss", className="danger"),
                html.Button(
                    f"Undo {undo}" if undo else "Nothing to undo",
                    id="process-undo",
                    className="secondary",
                    disabled=undo is None,
                ),
            ],
            className="actions",
        ),
        html.P(_split_text(split_preview, is_part), id="process-split-preview", className="muted"),
        html.Div(id="process-decision-status", className="muted"),
    )


def _naming(row: dict) -> html.Div:
    return html.Div(
        [
            dcc.Input(
                id="process-name-input",
                type="text",
                value=row["name"],
                debounce=False,
                placeholder="a name an analyst would use",
            ),
            html.Button("Rename", id="process-rename"),
            html.Button(
                "Confirmed" if row["confirmed"] else "Confirm as a routine",
                id="process-confirm",
                className="secondary",
                disabled=bool(row["confirmed"]),
                title="it joins the ranking whatever its confidence",
            ),
        ],
        className="actions",
    )


def _merging(choices: list[tuple[str, str]]) -> html.Div:
    return html.Div(
        [
            dcc.Dropdown(
                id="process-merge-with",
                placeholder="merge another candidate into this",
                options=[{"label": n, "value": s} for s, n in choices],
                disabled=not choices,
                style={"minWidth": "320px"},
            ),
            html.Button("Merge", id="process-merge", className="secondary", disabled=not choices),
        ],
        className="actions",
    )


def _split_text(preview: list[tuple[str, int]], is_part: bool) -> str:
    if preview:
        return "Would make: " + ", ".join(
            f"{label} ({plural(n, 'instance')})" for label, n in preview
        )
    if is_part:
        return "A part of a split: undo the split to split it otherwise."
    return "Its instances all take the same main path: no main variants to split into."


def exports_card() -> html.Section:
    return card(
        "Export",
        html.P(
            "Hand this candidate to an RPA developer or another process-mining tool.",
            className="muted",
        ),
        html.Div(
            [
                html.Button(label, id=bid, className="secondary")
                for bid, (_, label) in EXPORT_BUTTONS.items()
            ],
            className="actions",
        ),
        html.Div(
            [
                html.Span(id="process-export-progress", className="progress"),
                html.Span(id="process-export-done"),
            ],
            id="process-export-status",
            className="muted",
            role="status",
        ),
        dcc.Download(id="process-download"),
    )
