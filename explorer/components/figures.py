"""Plotly figures of the overview, process detail and recordings pages (no I/O).

Plotly reads its labels as a little HTML (bold, links) and its hover templates as
``%{...}`` fields: recorded text (app names, candidate names from window titles) is
escaped before it becomes a label, and never becomes part of a template.
"""

from __future__ import annotations

import html
from datetime import timedelta

import plotly.graph_objects as go
import polars as pl

from explorer.components.process_map import ACCENT

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PALETTE = (
    "#3451b2",
    "#2f9e44",
    "#e8590c",
    "#9c36b5",
    "#0c8599",
    "#c2255c",
    "#5c940d",
    "#1971c2",
    "#f08c00",
    "#495057",
)


def _style(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
        font={"family": "inherit", "size": 12},
    )
    return fig


def app_hours_bar(per_app: pl.DataFrame, top: int = 12) -> go.Figure:
    """Active hours per application, largest first."""
    head = per_app.head(top).reverse()
    fig = go.Figure(
        go.Bar(
            x=head["hours"].to_list(),
            y=[html.escape(app, quote=False) for app in head["app"].to_list()],
            orientation="h",
            marker_color=ACCENT,
            hovertemplate="%{y}: %{x:.1f} h<extra></extra>",
        )
    )
    fig.update_xaxes(title="active hours", gridcolor="#eee")
    return _style(fig, max(240, 28 * head.height + 60))


def week_heatmap(heatmap: pl.DataFrame) -> go.Figure:
    """Active hours by weekday (rows) and hour of day (columns)."""
    grid = [[0.0] * 24 for _ in DAYS]
    for dow, hour, hours in heatmap.select("dow", "hour", "hours").iter_rows():
        grid[int(dow)][int(hour)] = float(hours)
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            x=[f"{h:02d}" for h in range(24)],
            y=list(DAYS),
            colorscale="Blues",
            hovertemplate="%{y} %{x}h: %{z:.1f} h<extra></extra>",
            colorbar={"title": "h"},
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _style(fig, 260)


def day_timeline(
    sessions: pl.DataFrame, instances: pl.DataFrame, activity: pl.DataFrame
) -> go.Figure:
    """One user's day: sessions, instances coloured by candidate, events per 5 minutes.

    Instance bars carry their instance id as ``customdata`` so a click can open them.
    """
    fig = go.Figure()
    for s in sessions.iter_rows(named=True):
        fig.add_trace(
            _span_bar(
                s["start"], s["end"], "sessions", "#ced4da", f"session {s['session_id']}", None
            )
        )
    names = sorted(set(instances["name"].to_list()))
    for i, name in enumerate(names):
        rows = instances.filter(pl.col("name") == name)
        fig.add_trace(
            go.Bar(
                base=rows["start_ts"].to_list(),
                x=[
                    max((e - s).total_seconds(), 20) * 1000
                    for s, e in zip(rows["start_ts"], rows["end_ts"], strict=True)
                ],
                y=["instances"] * rows.height,
                orientation="h",
                name=html.escape(name, quote=False),
                marker_color=PALETTE[i % len(PALETTE)],
                customdata=rows["instance_id"].to_list(),
                hovertemplate="%{fullData.name}<br>%{base|%H:%M:%S}<br>instance %{customdata}"
                "<extra></extra>",
            )
        )
    if activity.height:
        fig.add_trace(
            go.Bar(
                x=activity["minute"].to_list(),
                y=activity["events"].to_list(),
                name="events",
                yaxis="y2",
                marker_color="rgba(52,81,178,0.35)",
                showlegend=False,
                hovertemplate="%{x|%H:%M}: %{y} events<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="overlay",
        xaxis={"type": "date", "gridcolor": "#eee"},
        yaxis={
            "domain": [0.45, 1.0],
            "categoryorder": "array",
            "categoryarray": ["instances", "sessions"],
        },
        yaxis2={"domain": [0.0, 0.35], "title": "events"},
        legend={"orientation": "h", "y": -0.15},
    )
    return _style(fig, 380)


def _span_bar(start, end, row: str, colour: str, label: str, key) -> go.Bar:
    length = max((end - start) / timedelta(milliseconds=1), 1000)
    return go.Bar(
        base=[start],
        x=[length],
        y=[row],
        orientation="h",
        marker_color=colour,
        showlegend=False,
        hovertext=label,
        hoverinfo="text",
        customdata=[key],
    )
