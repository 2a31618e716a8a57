"""The Dash app: pages from ``explorer/pages``, a navbar built from the page registry."""

from __future__ import annotations

import logging
from pathlib import Path

import dash
from dash import Dash, dcc, html
from flask import Flask, Response, request, send_file

from explorer.config import ExplorerConfig
from explorer.context import attach

HERE = Path(__file__).resolve().parent
#: plotly.js with only the cartesian traces, from npm ``plotly.js-cartesian-dist-min``.
PARTIAL_PLOTLY = HERE / "vendor" / "plotly-cartesian.min.js"
#: Where Dash's renderer loads plotly.js from when serving locally.
PLOTLY_PATH = "/_dash-component-suites/plotly/package_data/plotly.min.js"
log = logging.getLogger("taskmine.explorer")


def build_app(db: Path, config: ExplorerConfig) -> Dash:
    """A Dash app serving ``db``. Create one per process: Dash pages register globally."""
    app = Dash(
        "explorer",
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="taskmine explorer",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    attach(app.server, db, config)
    serve_partial_plotly(app.server)
    app.layout = shell
    return app


def serve_partial_plotly(server: Flask) -> None:
    """Answer the renderer's request for plotly.js with the cartesian partial bundle.

    Every chart here is a bar, heatmap or scatter trace, which the cartesian bundle holds
    in 1.5 MB instead of the full bundle's 4.8 MB; a browser's first visit spends most of
    its time compiling that JavaScript. Dash's renderer loads plotly.js from one fixed
    URL, so the swap happens there. A bundle of another plotly.js version than the one
    plotly.py writes figures for is not used.
    """
    from plotly.offline import get_plotlyjs_version

    try:
        with PARTIAL_PLOTLY.open(encoding="utf-8") as bundle:
            head = bundle.read(200)
    except OSError:
        head = ""  # not installed with the package: the full bundle still works
    if f" v{get_plotlyjs_version()}\n" not in head:
        log.warning("%s is missing or not plotly.js %s: serving the full bundle",
                    PARTIAL_PLOTLY, get_plotlyjs_version())  # fmt: skip
        return

    @server.before_request
    def partial_plotly() -> Response | None:
        if request.path.endswith(PLOTLY_PATH):
            return send_file(PARTIAL_PLOTLY, mimetype="text/javascript", max_age=86400)
        return None


def shell() -> html.Div:
    """Navbar, the current page, and nothing else; built per request so pages stay fresh."""
    links = [
        dcc.Link(page["name"], href=page["relative_path"], className="nav-link")
        for page in dash.page_registry.values()
        if page.get("path_template") is None and page.get("nav", True)
    ]
    brand = html.Div([html.Span("◆", className="brand-mark"), "taskmine"], className="brand")
    return html.Div(
        [
            html.Header([brand, html.Nav(links, className="nav")], className="topbar"),
            html.Main(dash.page_container, className="content"),
        ]
    )
