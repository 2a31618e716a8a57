"""Serving the explorer: bind rules, authentication, the screenshot route.

Binding anything but a loopback address exposes recordings of people's work to the
network, so it needs credentials of at least `MIN_SECRET_LENGTH` characters; with
credentials configured every request is checked first, whatever the address and path. A
token given in the URL is moved to a cookie at once (a redirect to the same URL without
it), so it stays out of the browser's history and of links copied from the address bar.
"""

from __future__ import annotations

import hmac
import logging
import threading
from pathlib import Path
from urllib.parse import urlencode

from dash import Dash
from flask import Flask, Response, abort, redirect, request

from explorer import queries
from explorer.app import build_app
from explorer.config import ExplorerConfig
from explorer.context import current
from explorer.errors import InsecureBindError
from storage.errors import TaskmineError
from storage.network import is_loopback

TOKEN_COOKIE = "taskmine_token"
#: Shortest token or password a non-loopback bind accepts.
MIN_SECRET_LENGTH = 16
IMAGE_TYPES = {"webp": "image/webp", "png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg"}


def check_bind(host: str, config: ExplorerConfig) -> None:
    """Refuse a non-loopback bind without strong enough credentials (`InsecureBindError`)."""
    if is_loopback(host):
        return
    if not config.has_credentials:
        raise InsecureBindError(
            f"refusing to serve recordings on {host}, which other machines can reach, "
            "without an access token or basic-auth credentials"
        )
    short = [
        name
        for name, secret in (("token", config.token), ("password", config.password))
        if secret.strip() and len(secret.strip()) < MIN_SECRET_LENGTH
    ]
    if short:
        raise InsecureBindError(
            f"refusing to serve recordings on {host} with a {short[0]} of fewer than "
            f"{MIN_SECRET_LENGTH} characters",
            "choose a longer one, for example from "
            "`python -c 'import secrets; print(secrets.token_urlsafe())'`",
        )


def create_app(db: Path, config: ExplorerConfig) -> Dash:
    """The explorer app with its screenshot route and, if configured, authentication."""
    app = build_app(db, config)
    server: Flask = app.server
    server.add_url_rule("/screenshot/<int:screenshot_id>", "screenshot", _screenshot)
    if config.has_credentials:
        # first of all request hooks: the app's own (the plotly.js route) answer after it
        server.before_request_funcs.setdefault(None, []).insert(0, _authenticate)
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
    if config.token.strip():
        from_url = request.args.get("token", "")
        if from_url and _same(from_url, config.token):
            return _token_to_cookie(from_url) if request.method == "GET" else None
        offered = (
            request.cookies.get(TOKEN_COOKIE)
            or request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        )
        if offered and _same(offered, config.token):
            return None
    auth = request.authorization
    if (
        config.username.strip()
        and auth is not None
        and auth.type == "basic"
        and _same(auth.username or "", config.username)
        and _same(auth.password or "", config.password)
    ):
        return None
    challenge = 'Basic realm="taskmine"' if config.username else 'Bearer realm="taskmine"'
    return Response(
        "taskmine explorer: credentials required. Open the explorer's URL once with "
        "?token=… (the configured token) or log in with the configured user.\n",
        status=401,
        mimetype="text/plain",
        headers={"WWW-Authenticate": challenge},
    )


def _same(offered: str, expected: str) -> bool:
    """Constant-time comparison of secrets in any alphabet (bytes: `hmac` refuses non-ASCII
    text)."""
    return hmac.compare_digest(offered.encode("utf-8"), expected.encode("utf-8"))


def _token_to_cookie(token: str) -> Response:
    """Redirect to the same URL without the token, which now lives in a cookie."""
    rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
    target = request.script_root + request.path + (f"?{urlencode(rest)}" if rest else "")
    response = redirect(target, code=303)
    response.set_cookie(
        TOKEN_COOKIE, token, httponly=True, samesite="Strict", secure=request.is_secure
    )
    return response
