"""Bind rules and authentication: nothing leaves loopback without credentials."""

from __future__ import annotations

import base64
import io
import subprocess
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from explorer.config import ExplorerConfig
from explorer.errors import InsecureBindError
from explorer.server import check_bind, create_app, is_loopback
from storage.store import open_store
from tests.explorer.explorer_support import REPO, TASKMINE, Server


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.3.2.1", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


STRONG = "k3Q-v9x_7LmT2pRw"  # 16 characters, the shortest secret a public bind accepts


def test_non_loopback_bind_needs_credentials() -> None:
    with pytest.raises(InsecureBindError, match="refusing to serve"):
        check_bind("0.0.0.0", ExplorerConfig())
    check_bind("0.0.0.0", ExplorerConfig(token=STRONG))
    check_bind("0.0.0.0", ExplorerConfig(username="ana", password=STRONG))
    with pytest.raises(InsecureBindError):
        check_bind("0.0.0.0", ExplorerConfig(username="ana"))  # a user without password


@pytest.mark.parametrize(
    "config",
    [
        ExplorerConfig(token=" "),
        ExplorerConfig(token="\t \n"),
        ExplorerConfig(token="short"),
        ExplorerConfig(token=STRONG[:-1]),
        ExplorerConfig(username="ana", password="pw"),
        ExplorerConfig(username=" ", password=STRONG),
    ],
)
def test_a_public_bind_refuses_blank_or_short_secrets(config: ExplorerConfig) -> None:
    with pytest.raises(InsecureBindError, match="refusing to serve"):
        check_bind("0.0.0.0", config)


def test_cli_refuses_a_public_bind_without_credentials(dev_db: Path) -> None:
    done = subprocess.run(
        [*TASKMINE, "explore", "--db", str(dev_db), "--host", "0.0.0.0", "--port", "9"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "HOME": str(dev_db.parent)},
    )
    assert done.returncode == 1
    assert "refusing to serve recordings on 0.0.0.0" in done.stderr
    assert "TASKMINE_EXPLORER_TOKEN" in done.stderr


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test looks at the redirect itself


def test_live_server_with_a_token_answers_401_without_it(dev_db: Path) -> None:
    server = Server(dev_db, env={"TASKMINE_EXPLORER_TOKEN": "s3cret"})
    try:
        status, headers, body = _get(server.url + "/opportunities")
        assert status == 401 and b"credentials required" in body
        assert headers["WWW-Authenticate"].startswith("Bearer")
        assert _get(server.url + "/screenshot/1")[0] == 401
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as moved:
            opener.open(server.url + "/opportunities?token=s3cret&tab=2", timeout=20)
        assert moved.value.code == 303  # the token leaves the URL (and the history) at once
        assert moved.value.headers["Location"] == "/opportunities?tab=2"
        assert "taskmine_token=s3cret" in moved.value.headers["Set-Cookie"]
        assert _get(server.url + "/screenshot/1", {"Cookie": "taskmine_token=s3cret"})[0] == 200
        assert _get(server.url + "/", {"Authorization": "Bearer s3cret"})[0] == 200
        assert _get(server.url + "/", {"Authorization": "Bearer wrong"})[0] == 401
    finally:
        output = server.stop()
    assert "s3cret" not in output  # the start-up line names no secret


@pytest.fixture(scope="module")
def token_client(dev_db_master: Path):
    """A test client of an app whose token is not ASCII."""
    app = create_app(dev_db_master, ExplorerConfig(token="Schlüssel-ßecret-Ω"))
    return app.server.test_client()


@pytest.mark.parametrize("offered", ["wrong", "ünïcödé", "Schlüssel-ßecret-Ω!", "\u202e"])
def test_a_wrong_token_of_any_alphabet_is_401_not_500(token_client, offered: str) -> None:
    assert token_client.get("/", headers={"Authorization": f"Bearer {offered}"}).status_code == 401
    assert token_client.get("/", query_string={"token": offered}).status_code == 401


def test_a_token_that_is_not_ascii_works(token_client) -> None:
    answer = token_client.get("/", headers={"Authorization": "Bearer Schlüssel-ßecret-Ω"})
    assert answer.status_code == 200


def test_basic_auth_with_a_password_that_is_not_ascii(dev_db_master: Path) -> None:
    app = create_app(dev_db_master, ExplorerConfig(username="zoë", password="pässwörd"))
    client = app.server.test_client()
    good = base64.b64encode("zoë:pässwörd".encode()).decode()
    bad = base64.b64encode("zoë:passwörd".encode()).decode()
    assert client.get("/", headers={"Authorization": f"Basic {good}"}).status_code == 200
    assert client.get("/", headers={"Authorization": f"Basic {bad}"}).status_code == 401


@pytest.mark.parametrize("prefix", ["", "/anything", "/screenshot/1"])
def test_the_plotly_bundle_needs_credentials_too(token_client, prefix: str) -> None:
    from explorer.app import PLOTLY_PATH

    assert token_client.get(prefix + PLOTLY_PATH).status_code == 401


def test_basic_auth(dash_app, dev_db: Path) -> None:
    app = create_app(dev_db, ExplorerConfig(username="ana", password="pw"))
    client = app.server.test_client()
    assert client.get("/").status_code == 401
    assert client.get("/").headers["WWW-Authenticate"].startswith("Basic")

    def basic(user: str, password: str) -> dict[str, str]:
        return {
            "Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        }

    assert client.get("/", headers=basic("ana", "nope")).status_code == 401
    assert client.get("/", headers=basic("ana", "pw")).status_code == 200


def test_readme_documents_every_setting_and_command() -> None:
    from storage.settings import describe

    readme = (REPO / "explorer" / "README.md").read_text()
    for name, _default, _help in describe(ExplorerConfig):
        assert f"| `{name}` |" in readme
    for command in ("taskmine explore", "taskmine export process", "taskmine demo"):
        assert command in readme


def test_plotly_js_is_the_cartesian_bundle_of_the_same_version(dash_app) -> None:
    """The renderer's request for plotly.js gets the partial bundle (a third of the size),
    of the plotly.js version plotly.py writes figures for."""
    from plotly.offline import get_plotlyjs_version

    from explorer.app import PLOTLY_PATH

    answer = dash_app.server.test_client().get(PLOTLY_PATH)
    assert answer.status_code == 200
    head = answer.get_data(as_text=True)[:200]
    assert f"plotly.js (cartesian - minified) v{get_plotlyjs_version()}" in head


def test_without_the_partial_bundle_the_full_one_is_served(tmp_path, monkeypatch) -> None:
    """A missing (or other-version) partial bundle is a warning, not a broken app."""
    from flask import Flask

    import explorer.app

    monkeypatch.setattr(explorer.app, "PARTIAL_PLOTLY", tmp_path / "missing.js")
    server = Flask("bare")
    explorer.app.serve_partial_plotly(server)
    assert server.test_client().get(explorer.app.PLOTLY_PATH).status_code == 404


def test_the_screenshot_route_serves_a_changed_rectangle_as_the_full_frame(dev_db: Path) -> None:
    """A recorder stores a new screen as the rectangle that changed on top of the previous
    screenshot; the explorer shows the analyst the whole screen, as before."""
    screen = Image.new("RGB", (320, 200), (210, 210, 210))
    typed = Image.new("RGB", (60, 14), (20, 20, 20))
    with open_store(dev_db) as store:
        row = {"ts": datetime(2024, 3, 1, 9), "width": 320, "height": 200}
        (full,) = store.append_rows(
            "screenshots", [{**row, "format": "webp", "image": _encoded(screen, "WEBP")}]
        )
        (change,) = store.append_rows("screenshots", [{**row, "format": "png",
                                                       "image": _encoded(typed, "PNG"),
                                                       "base_id": full, "tile_x": 40,
                                                       "tile_y": 30}])  # fmt: skip
    server = Server(dev_db)
    try:
        status, headers, body = _get(f"{server.url}/screenshot/{change}")
        full_status, full_headers, _ = _get(f"{server.url}/screenshot/{full}")
    finally:
        server.stop()
    assert (status, headers["Content-Type"]) == (200, "image/png")
    assert (full_status, full_headers["Content-Type"]) == (200, "image/webp")  # as stored
    shown = Image.open(io.BytesIO(body)).convert("RGB")
    assert shown.size == (320, 200)
    assert shown.crop((40, 30, 100, 44)).getcolors() == [(60 * 14, (20, 20, 20))]
    assert shown.getpixel((39, 30)) != (20, 20, 20) and shown.getpixel((100, 44)) != (20, 20, 20)


def _encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, lossless=True) if fmt == "WEBP" else image.save(out, fmt)
    return out.getvalue()
