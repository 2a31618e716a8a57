"""The collector's HTTP service (FastAPI on uvicorn; the ``collector`` extra).

Routes, all but ``/v1/health`` behind ``Authorization: Bearer <device token>``:

- ``GET /v1/uploads/{sha256}?kind=events|sessions|screenshots``: what the collector holds
  of that upload (``landed``, or ``partial``/``absent`` with the ``offset`` to resume at)
  and the largest chunk it takes.
- ``PUT /v1/uploads/{sha256}?kind=…&offset=N&length=T[&sessions=SHA&screenshots=SHA]``:
  one chunk of the upload's bytes, starting at ``N`` of ``T``; an events upload names
  its sidecar uploads, which must have arrived before its last chunk.

Refusals answer 400 (bad request), 401 (token), 403 (another device's users), 409 (wrong
offset; the body says where to resume), 413 (too large) or 422 (not a valid batch), with
``{"error": "…"}``. Each is logged with the client's address and never with the token.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from storage.collector.config import CollectorConfig
from storage.collector.errors import (
    CollectorError,
    OffsetMismatchError,
    TooLargeError,
    UnauthorizedError,
)
from storage.collector.ledger import Device
from storage.collector.uploads import Uploads
from storage.errors import DiskFullError, TaskmineError

log = logging.getLogger("taskmine.collector")

#: What a client is told when landing fails on the collector's side (the log says why).
DISK_FULL = "the collector's disk is full; the upload is kept, try again later"
FAILED = "the collector could not store the upload; the upload is kept, try again later"


def _device(request: Request, authorization: Annotated[str | None, Header()] = None) -> Device:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        raise UnauthorizedError("no bearer token")
    return request.app.state.uploads.ledger.authenticate(token.strip())


#: A route parameter that is the device whose token the request carries (else 401).
Authorized = Annotated[Device, Depends(_device)]


def create_app(root: Path, config: CollectorConfig) -> FastAPI:
    """The collector app for the data folder ``root``."""
    uploads = Uploads(root, config.limits())
    uploads.sweep()
    limits = uploads.limits
    app = FastAPI(title="taskmine collector", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.uploads = uploads

    @app.exception_handler(CollectorError)
    async def refuse(request: Request, exc: CollectorError) -> JSONResponse:
        where = request.client.host if request.client else "?"
        log.warning(
            "refused %s %s from %s (%d): %s",
            request.method,
            _escaped(request.url.path[:100]),  # decoded: %1b is a real escape
            where,
            exc.status_code,
            _escaped(str(exc)),  # a reason can quote a column name or value of the upload
        )
        body: dict = {"error": str(exc)}
        if isinstance(exc, OffsetMismatchError):
            body["offset"] = exc.offset
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(TaskmineError)
    async def fail(request: Request, exc: TaskmineError) -> JSONResponse:
        # landing failed (full disk, unwritable folder): the partial upload is kept and
        # the client tries again later; landing again rewrites the same files. The detail
        # (paths of the data folder, the OS's words) is for the log, not for the client.
        log.error("could not land an upload: %s", _escaped(str(exc)))
        if isinstance(exc, DiskFullError):
            return JSONResponse({"error": DISK_FULL}, status_code=507)
        return JSONResponse({"error": FAILED}, status_code=500)

    @app.get("/v1/health")
    def health() -> dict:
        return {"ok": True}

    @app.get("/v1/uploads/{sha256}")
    def state(sha256: str, who: Authorized, kind: str = "events") -> dict:
        return uploads.state(sha256, kind) | {"max_chunk_bytes": limits.max_chunk_bytes}

    @app.put("/v1/uploads/{sha256}")
    async def put(
        request: Request,
        sha256: str,
        who: Authorized,
        kind: str,
        offset: int,
        length: int,
        sessions: str | None = None,
        screenshots: str | None = None,
    ) -> dict:
        chunk = await _read_body(request, limits.max_chunk_bytes)
        refs = {"sessions": sessions or "", "screenshots": screenshots or ""}
        answer = await run_in_threadpool(
            uploads.receive, who, sha256, kind, offset, length, chunk, refs
        )
        if answer.get("events") is not None:
            log.info("landed %s from %s: %d events", sha256[:12], who.name, answer["events"])
        return answer

    return app


def _escaped(text: str) -> str:
    """One log line whatever the text holds: newlines and escapes written as ``\\n``."""
    return text.encode("unicode_escape").decode("ascii")


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes before more is read."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLargeError(f"a chunk may be at most {limit:,} bytes")
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise TooLargeError(f"a chunk may be at most {limit:,} bytes")
    return bytes(body)


def serve(
    root: Path,
    host: str,
    port: int,
    config: CollectorConfig,
    certfile: str | None = None,
    keyfile: str | None = None,
) -> None:
    """Serve until interrupted (uvicorn handles SIGINT and SIGTERM)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    uvicorn.run(
        create_app(root, config),
        host=host,
        port=port,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        server_header=False,
        log_level="info",
    )
