"""The Dash app: pages from ``explorer/pages``, a navbar built from the page registry."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Dash, dcc, html

from explorer.config import ExplorerConfig
from explorer.context import attach

HERE = Path(__file__).resolve().parent


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
    app.layout = shell
    return app


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
