"""Recorded text in the explorer's plotly charts is shown, never read as HTML or as a
hover template's fields."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import polars as pl

from explorer.components.figures import app_hours_bar, day_timeline

HOSTILE = "<a href='https://evil.example'>Pay</a> %{y} <b>now</b>"


def test_app_names_are_escaped_on_the_axis() -> None:
    fig = app_hours_bar(pl.DataFrame({"app": [HOSTILE, "excel"], "hours": [2.0, 1.0]}))
    labels = list(fig.data[0].y)
    assert "excel" in labels
    assert all("<" not in label for label in labels)
    assert html.escape(HOSTILE, quote=False) in labels


def test_candidate_names_are_escaped_and_stay_out_of_the_hover_template() -> None:
    start = datetime(2026, 11, 2, 9)
    instances = pl.DataFrame(
        {
            "name": [HOSTILE],
            "start_ts": [start],
            "end_ts": [start + timedelta(minutes=3)],
            "instance_id": [7],
        }
    )
    empty = pl.DataFrame(schema={"minute": pl.Datetime, "events": pl.Int64})
    sessions = pl.DataFrame(
        schema={"session_id": pl.Int64, "start": pl.Datetime, "end": pl.Datetime}
    )
    fig = day_timeline(sessions, instances, empty)
    (bar,) = [trace for trace in fig.data if trace.customdata is not None and 7 in trace.customdata]
    assert "<" not in bar.name and "&lt;b&gt;now" in bar.name
    assert "evil" not in bar.hovertemplate and "Pay" not in bar.hovertemplate
