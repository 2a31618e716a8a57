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
from storage.collector.errors import ForbiddenError
from storage.collector.ledger import Ledger
from storage.collector.service import create_app
from storage.collector.status import collector_status
from storage.collector.uploads import Uploads

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
