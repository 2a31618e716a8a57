"""Screenshot strips: one frame per consensus step, or per event of an instance (replay)."""

from __future__ import annotations

import polars as pl
from dash import html

from explorer.components.common import screenshot_src


def _frame(number: str, caption: str, detail: str, screenshot_id: int | None) -> html.Figure:
    image = (
        html.Img(src=screenshot_src(screenshot_id), alt=caption)
        if screenshot_id is not None
        else html.Div("no screenshot", className="frame-missing")
    )
    return html.Figure(
        [
            image,
            html.Figcaption(
                [html.B(number), " ", caption, html.Br(), html.Span(detail, className="muted")]
            ),
        ],
        className="frame",
    )


def _strip(frames: list[html.Figure], empty: str) -> html.Div | html.P:
    return html.Div(frames, className="filmstrip") if frames else html.P(empty, className="muted")


def step_filmstrip(steps: pl.DataFrame) -> html.Div | html.P:
    """A representative screenshot per step of the consensus workflow."""
    frames = [
        _frame(
            f"{s['step_no']}.",
            describe_step(s),
            f"support {100 * s['support']:.0f}%",
            s.get("screenshot_id"),
        )
        for s in steps.iter_rows(named=True)
    ]
    return _strip(frames, "Mining recorded no consensus steps for this candidate.")


def replay(events: pl.DataFrame) -> html.Div | html.P:
    """Every event of one instance, in order, each with its screenshot when one was taken."""
    frames = [
        _frame(
            f"{e['position'] + 1}.",
            f"{e['kind']} · {e['app'] or '?'}",
            " · ".join(str(v) for v in (e["element"], e["text"]) if v) or (e["window_title"] or ""),
            e["screenshot_id"],
        )
        for e in events.iter_rows(named=True)
    ]
    return _strip(frames, "This instance has no events.")


def describe_step(step: dict) -> str:
    """A step in words: ``click “Save” in SAP``."""
    target = f" “{step['target']}”" if step.get("target") else ""
    app = f" in {step['app']}" if step.get("app") else ""
    return f"{step.get('kind') or step['action']}{target}{app}"
