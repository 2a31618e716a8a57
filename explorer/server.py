"""Serving the explorer: bind rules, authentication, the screenshot route.

Binding anything but a loopback address exposes recordings of people's work to the
network, so it needs credentials; with credentials configured every request is checked,
whatever the address.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
from pathlib import Path

from dash import Dash
from flask import Flask, Response, abort, request

from explorer import queries
from explorer.app import build_app
from explorer.config import ExplorerConfig
from explorer.context import current
from explorer.errors import InsecureBindError
from storage.errors import TaskmineError

TOKEN_COOKIE = "taskmine_token"
IMAGE_TYPES = {"webp": "image/webp", "png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg"}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, config: ExplorerConfig) -> None:
    """Refuse a non-loopback bind without credentials (`InsecureBindError`)."""
    if not is_loopback(host) and not config.has_credentials:
        raise InsecureBindError(
            f"refusing to serve recordings on {host}, which other machines can reach, "
            "without an access token or basic-auth credentials"
        )


def create_app(db: Path, config: ExplorerConfig) -> Dash:
    """The explorer app with its screenshot route and, if configured, authentication."""
    app = build_app(db, config)
    server: Flask = app.server
    server.add_url_rule("/screenshot/<int:screenshot_id>", "screenshot", _screenshot)
    if config.has_credentials:
        server.before_request(_authenticate)
        server.after_request(_remember_token)
    return app


def serve(db: Path, host: str, port: int, config: ExplorerConfig) -> None:
    """Check the bind, then serve until interrupted."""
    check_bind(host, config)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = create_app(db, config)
    threading.Thread(target=_warm_up, args=(db, config), daemon=True).start()
    app.run(host=host, port=port, debug=False)


def _warm_up(db: Path, config: ExplorerConfig) -> None:
    """Compute the cached aggregates while the analyst opens the browser.

    Quick reads first: a page opened meanwhile waits for the shared reader at most for
    the one read under way, and the slowest (the overview's, over every event) comes last.
    """
    try:
        queries.read_user_days(db)
        queries.read_opportunities(db, queries.Filters(), config.review_confidence)
        queries.read_overview(db)
    except TaskmineError:
        pass  # the pages explain it when asked


def _screenshot(screenshot_id: int) -> Response:
    try:
        found = queries.read_screenshot(current().db, screenshot_id)
    except TaskmineError:
        found = None
    if found is None:
        abort(404)
    fmt, data = found
    response = Response(data, mimetype=IMAGE_TYPES.get(fmt.lower(), "application/octet-stream"))
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def _authenticate() -> Response | None:
    config = current().config
    if config.token:
        offered = (
            request.args.get("token")
            or request.cookies.get(TOKEN_COOKIE)
            or request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        )
        if offered and hmac.compare_digest(offered, config.token):
            return None
    auth = request.authorization
    if (
        config.username
        and auth is not None
        and auth.type == "basic"
        and hmac.compare_digest(auth.username or "", config.username)
        and hmac.compare_digest(auth.password or "", config.password)
    ):
        return None
    challenge = 'Basic realm="taskmine"' if config.username else 'Bearer realm="taskmine"'
    return Response(
        "taskmine explorer: credentials required. Open the URL printed by `taskmine explore` "
        "(it carries ?token=…) or log in with the configured user.\n",
        status=401,
        mimetype="text/plain",
        headers={"WWW-Authenticate": challenge},
    )


def _remember_token(response: Response) -> Response:
    """A token given once in the URL becomes a cookie, so links and callbacks keep working."""
    token = request.args.get("token")
    if token and hmac.compare_digest(token, current().config.token):
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
    return response
