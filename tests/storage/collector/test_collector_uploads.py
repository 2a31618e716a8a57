"""The collector's upload bookkeeping, in-process on a real data folder: a device's first
uploads bind it once even when they race, and abandoned uploads are swept."""

from __future__ import annotations

import hashlib
import io
import os
import time
from datetime import datetime

import polars as pl
import pytest

from storage.collector.config import CollectorConfig
from storage.collector.errors import ForbiddenError, InvalidBatchError
from storage.collector.ledger import Ledger
from storage.collector.service import create_app
from storage.collector.status import collector_status
from storage.collector.uploads import Uploads
from storage.models import SESSION_SCHEMA

DAY_S = 86400


def _upload(user: str) -> tuple[str, bytes]:
    out = io.BytesIO()
    pl.DataFrame(
        {"event_id": [1], "user_id": [user], "ts": [datetime(2026, 3, 2, 9)], "kind": ["click"]}
    ).write_parquet(out)
    body = out.getvalue()
    return hashlib.sha256(body).hexdigest(), body


def test_two_first_uploads_of_a_new_device_cannot_bind_it_to_both_users(tmp_path):
    """Both requests authenticated before either landed (the service reads the device at
    the start of a request), so both carry it unbound; the second must still be refused."""
    uploads = Uploads(tmp_path, CollectorConfig().limits())
    token = uploads.ledger.add_device("desk-new", [])
    first_request, second_request = (uploads.ledger.authenticate(token) for _ in range(2))
    assert first_request.users == second_request.users == ()
    (alice, alice_body), (mallory, mallory_body) = _upload("alice"), _upload("mallory")
    landed = uploads.receive(first_request, alice, "events", 0, len(alice_body), alice_body)
    assert landed["state"] == "landed" and landed["events"] == 1
    with pytest.raises(ForbiddenError, match="only its own users"):
        uploads.receive(second_request, mallory, "events", 0, len(mallory_body), mallory_body)
    users = {p.parent.parent.name for p in (tmp_path / "events").rglob("*.parquet")}
    assert users == {"user=alice"}
    assert not list((tmp_path / "partial").glob("*"))  # the refused upload left nothing
    assert Ledger(tmp_path).devices_summary()[0]["users"] == ["alice"]


def test_abandoned_uploads_and_sidecars_are_swept_at_start_and_fresh_ones_kept(tmp_path):
    old = time.time() - 8 * DAY_S
    files = {
        "old partial": tmp_path / "partial" / ("a" * 64),
        "old sidecar": tmp_path / "received" / f"{'b' * 64}.sessions",
        "fresh partial": tmp_path / "partial" / ("c" * 64),
        "fresh sidecar": tmp_path / "received" / f"{'d' * 64}.screenshots",
    }
    for name, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PAR1")
        if name.startswith("old"):
            os.utime(path, (old, old))
    Ledger(tmp_path)  # a collector's data folder
    create_app(tmp_path, CollectorConfig())  # what `taskmine collect` builds as it starts
    assert {name for name, path in files.items() if path.exists()} == {
        "fresh partial",
        "fresh sidecar",
    }
    status = collector_status(tmp_path)
    assert "backlog: 1 uploads in progress, 0.0 KiB" in status
    assert "backlog: 1 sidecars waiting, 0.0 KiB" in status
    uploads = Uploads(tmp_path, CollectorConfig(abandoned_after_days=0.5).limits())
    assert uploads.sweep(now=time.time() + DAY_S) == 2  # the fresh ones, a day later


def test_uploads_in_chunks_are_hashed_as_they_arrive_and_after_a_restart_from_disk(tmp_path):
    limits = CollectorConfig().limits()
    uploads = Uploads(tmp_path, limits)
    device = uploads.ledger.authenticate(uploads.ledger.add_device("desk-1", ["alice"]))
    sha, body = _upload("alice")
    half = len(body) // 2
    wrong = "0" * 64  # the same bytes under another name: refused at the last chunk
    assert uploads.receive(device, wrong, "events", 0, len(body), body[:half])["offset"] == half
    with pytest.raises(InvalidBatchError, match="do not have the SHA-256"):
        uploads.receive(device, wrong, "events", half, len(body), body[half:])
    uploads.receive(device, sha, "events", 0, len(body), body[:half])
    restarted = Uploads(tmp_path, limits)  # no running hash: read from disk at the end
    landed = restarted.receive(device, sha, "events", half, len(body), body[half:])
    assert landed["state"] == "landed" and landed["events"] == 1
    assert not list((tmp_path / "partial").glob("*"))


def test_a_sidecar_is_kept_checked_in_the_table_s_types_and_lands_with_its_events(tmp_path):
    uploads = Uploads(tmp_path, CollectorConfig().limits())
    device = uploads.ledger.authenticate(uploads.ledger.add_device("desk-1", ["alice"]))
    out = io.BytesIO()  # session ids as categoricals, times in milliseconds: they cast
    pl.DataFrame(
        {"session_id": ["s1"], "user_id": ["alice"], "started_at": [datetime(2026, 3, 2, 9)]}
    ).with_columns(
        pl.col("session_id").cast(pl.Categorical), pl.col("started_at").cast(pl.Datetime("ms"))
    ).write_parquet(out)
    side = out.getvalue()
    side_sha = hashlib.sha256(side).hexdigest()
    uploads.receive(device, side_sha, "sessions", 0, len(side), side)
    kept = tmp_path / "received" / f"{side_sha}.sessions"
    assert pl.read_parquet_schema(kept) == SESSION_SCHEMA
    events = io.BytesIO()
    pl.DataFrame(
        {"event_id": [1], "session_id": ["s1"], "user_id": ["alice"],
         "ts": [datetime(2026, 3, 2, 9)], "kind": ["click"]}
    ).write_parquet(events)  # fmt: skip
    body = events.getvalue()
    sha = hashlib.sha256(body).hexdigest()
    uploads.receive(device, sha, "events", 0, len(body), body, {"sessions": side_sha})
    (landed,) = (tmp_path / "sessions").rglob("*.parquet")
    assert pl.read_parquet(landed)["started_at"].to_list() == [datetime(2026, 3, 2, 9)]
    assert not kept.exists()
