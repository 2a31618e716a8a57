"""Screenshot strips and the large view: one frame per consensus step, or per event of an
instance (replay); a click opens the frame large, with the click position marked."""

from __future__ import annotations

import polars as pl
from dash import html

from explorer.components.common import screenshot_src


def _marker(x: float | None, y: float | None) -> html.Div | None:
    """A ring at the click position, given as fractions of the image's width and height."""
    if x is None or y is None:
        return None
    return html.Div(
        className="click-marker", style={"left": f"{100 * x:.2f}%", "top": f"{100 * y:.2f}%"}
    )


def shot_view(
    screenshot_id: int, caption: str, x: float | None, y: float | None, image_id: dict | None = None
) -> html.Div:
    """An image with its click marker, positioned over it (thumbnail or large).

    With ``image_id`` the image comes without its source, which a callback sets once the
    page is drawn: a strip of thirty screenshots then does not hold up the page."""
    image = (
        html.Img(id=image_id, alt=caption)
        if image_id
        else html.Img(src=screenshot_src(screenshot_id), alt=caption)
    )
    return html.Div([image, _marker(x, y)], className="shot")


def _frame(
    strip: str,
    index: int,
    number: str,
    caption: str,
    detail: str,
    shot: dict | None,
    deferred: bool = False,
) -> html.Figure:
    image_id = {"type": f"{strip}-image", "index": index} if deferred else None
    image = (
        shot_view(shot["shot"], caption, shot.get("x"), shot.get("y"), image_id)
        if shot
        else html.Div("no screenshot", className="frame-missing")
    )
    return html.Figure(
        [
            html.Button(
                image,
                id={"type": strip, "index": index},
                className="frame-open",
                title="open large",
                disabled=shot is None,
                n_clicks=0,
            ),
            html.Figcaption(
                [html.B(number), " ", caption, html.Br(), html.Span(detail, className="muted")]
            ),
        ],
        className="frame",
    )


def _strip(frames: list, empty: str, id: str | None = None) -> html.Div | html.P:  # noqa: A002
    props = {"id": id} if id else {}
    if not frames:
        return html.P(empty, className="muted", **props)
    return html.Div(frames, className="filmstrip", **props)


def shots_of(frame: pl.DataFrame, caption: str) -> list[dict | None]:
    """The large view's data per frame: screenshot, click position, caption column."""
    return [
        None
        if r["screenshot_id"] is None
        else {
            "shot": int(r["screenshot_id"]),
            "x": r["mark_x"],
            "y": r["mark_y"],
            "caption": r[caption],
        }
        for r in frame.iter_rows(named=True)
    ]


def step_filmstrip(steps: pl.DataFrame, strip: str, id: str) -> html.Div | html.P:  # noqa: A002
    """A screenshot per step of the consensus workflow (``steps`` with ``caption``); the
    images' sources come from `image_sources`, set by a callback after the page is drawn."""
    shots = shots_of(steps, "caption")
    frames = [
        _frame(
            strip,
            i,
            f"{s['step_no']}.",
            s["caption"],
            f"support {100 * s['support']:.0f}%",
            shot,
            deferred=True,
        )
        for i, (s, shot) in enumerate(zip(steps.iter_rows(named=True), shots, strict=True))
    ]
    return _strip(frames, "Mining recorded no consensus steps for this candidate.", id)


def image_sources(shots: list[dict | None]) -> list[str]:
    """The deferred images' sources, in the order `step_filmstrip` placed them."""
    return [screenshot_src(shot["shot"]) for shot in shots if shot]


def replay(events: pl.DataFrame, strip: str) -> html.Div | html.P:
    """Every event of one instance, in order, each with the screen it was done on."""
    events = events.with_columns(caption=event_caption())
    shots = shots_of(events, "caption")
    frames = [
        _frame(
            strip,
            i,
            f"{e['position'] + 1}.",
            e["caption"],
            " · ".join(str(v) for v in (e["element"], e["text"]) if v) or (e["window_title"] or ""),
            shot,
        )
        for i, (e, shot) in enumerate(zip(events.iter_rows(named=True), shots, strict=True))
    ]
    return _strip(frames, "This instance has no events.")


def replay_shots(events: pl.DataFrame) -> list[dict | None]:
    """The large view's data for each frame of `replay`."""
    return shots_of(events.with_columns(caption=event_caption()), "caption")


def event_caption() -> pl.Expr:
    """An event in a few words: ``click · SAP`` (``?`` for an unknown app)."""
    app = pl.when(pl.col("app") != "").then(pl.col("app")).otherwise(pl.lit("?"))
    return pl.format("{} · {}", pl.col("kind"), app)


def lightbox_frame(id: str) -> html.Div:  # noqa: A002
    """The large view, hidden until a frame is opened; Esc or × closes it."""
    return html.Div(
        html.Div(
            [
                html.Div(
                    [
                        html.Span(id=f"{id}-caption", className="lightbox-caption"),
                        html.Button(
                            "×",
                            id=f"{id}-close",
                            className="lightbox-close",
                            title="close (Esc)",
                            n_clicks=0,
                        ),
                    ],
                    className="lightbox-bar",
                ),
                html.Div(id=f"{id}-content"),
            ],
            className="lightbox-panel",
        ),
        id=id,
        className="lightbox",
        hidden=True,
    )


def lightbox_state(shots: list | None, index: int) -> tuple[bool, list, str]:
    """The large view's ``hidden``, content and caption for frame ``index`` of a strip
    whose `shots_of` data is ``shots``: closed when that frame has no screenshot."""
    shot = (shots or [])[index] if 0 <= index < len(shots or []) else None
    if not shot:
        return True, [], ""
    return False, lightbox_content(shot), shot.get("caption") or ""


def lightbox_content(shot: dict) -> list:
    """The screenshot at full width with its click marked, and what the mark means."""
    return [
        shot_view(shot["shot"], shot.get("caption") or "", shot.get("x"), shot.get("y")),
        html.P(
            "The ring marks where the click landed."
            if shot.get("x") is not None
            else "No click on this screen (typing, or the screen as it was before).",
            className="muted",
        ),
    ]
