"""What a running collector refuses, and that a refusal writes nothing; TLS and binds."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from datetime import datetime

import polars as pl
import pytest
import requests

from tests.storage.collector.collector_support import (
    CollectorProcess,
    add_token,
    free_port,
    landed_files,
    run_cli,
)

LIMITS = {
    "TASKMINE_COLLECTOR_MAX_UPLOAD_MB": "1",
    "TASKMINE_COLLECTOR_MAX_CHUNK_MB": "0.25",
    "TASKMINE_COLLECTOR_MAX_UNPACKED_MB": "8",
}


def _parquet(frame: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.write_parquet(out)
    return out.getvalue()


def _events(user: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "event_id": [1, 2],
            "session_id": ["s1", "s1"],
            "user_id": [user, user],
            "ts": [datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10)],
            "kind": ["click", "focus"],
        }
    )


def _put(url: str, body: bytes, token: str | None, length: int | None = None, **params):
    sha = params.pop("sha", None) or hashlib.sha256(body).hexdigest()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    query = {"kind": "events", "offset": 0, "length": len(body) if length is None else length}
    return requests.put(
        f"{url}/v1/uploads/{sha}", params=query | params, data=body, headers=headers, timeout=30
    )


def test_bad_tokens_oversize_and_malformed_uploads_are_refused_and_write_nothing(tmp_path):
    data = tmp_path / "collector"
    token = add_token(data, "desk-alice", "alice")
    revoked = add_token(data, "desk-old")
    assert run_cli("collect", "token", "revoke", "desk-old", "--data", str(data)).returncode == 0
    collector = CollectorProcess(data, free_port(), env=LIMITS).start()
    good = _parquet(_events("alice"))
    bomb = pl.lit("a" * (10 << 20))  # 10 MiB unpacked, under 2 KiB packed
    wrong_token = "tmc_" + "x" * 43
    try:
        refusals = [
            (401, _put(collector.url, good, None)),
            (401, _put(collector.url, good, wrong_token)),
            (401, _put(collector.url, good, revoked)),
            (413, _put(collector.url, good, token, length=2 << 20)),  # over max_upload_mb
            (413, _put(collector.url, b"x" * (300 << 10), token)),  # chunk over max_chunk_mb
            (422, _put(collector.url, b"PAR1 not parquet PAR1", token)),
            (422, _put(collector.url, good, token, sha="0" * 64)),  # bytes not of that hash
            (422, _put(collector.url, _parquet(pl.DataFrame({"evil": [1]})), token)),
            (422, _put(collector.url, _parquet(_events("alice").drop("ts")), token)),
            (
                422,
                _put(collector.url, _parquet(_events("alice").with_columns(ts=pl.lit("x"))), token),
            ),
            (422, _put(collector.url, _parquet(_events("alice").with_columns(text=bomb)), token)),
            (403, _put(collector.url, _parquet(_events("mallory")), token)),
            (400, _put(collector.url, good, token, sha="..".ljust(64, "a"))),
            (404, _put(collector.url, good, token, sha="../../etc/passwd".ljust(64, "a"))),
            (400, _put(collector.url, good, token, kind="secrets")),
            (400, _put(collector.url, good, token, offset=5)),  # chunk past the length
        ]
        for status, response in refusals:
            assert response.status_code == status, (status, response.text)
            assert status == 404 or response.json()["error"]
        assert landed_files(data) == []
        assert [p for p in (data / "partial").glob("*")] == []  # refused: no partial kept
        assert (
            "backlog: 0 uploads in progress"
            in run_cli("collect", "status", "--data", str(data)).stdout
        )

        # the same batch from the right device lands, once
        for _ in range(2):
            landed = _put(collector.url, good, token)
            assert landed.status_code == 200 and landed.json()["state"] == "landed"
        assert len([p for p in landed_files(data) if p.is_file()]) == 1
    finally:
        collector.stop()
    log = collector.log.read_text()
    assert log.count("(401)") == 3 and "unknown or revoked token" in log
    assert wrong_token not in log and revoked not in log and token not in log


def test_the_collector_refuses_an_unprotected_bind_to_the_network(tmp_path):
    data = tmp_path / "collector"
    plain = run_cli("collect", "--data", str(data), "--host", "0.0.0.0", "--port", "1")
    assert plain.returncode == 1 and "without TLS" in plain.stderr
    assert "Traceback" not in plain.stderr
    cert, key = _self_signed(tmp_path)
    no_token = run_cli(
        "collect", "--data", str(data), "--host", "0.0.0.0", "--port", "1",
        "--certfile", str(cert), "--keyfile", str(key),
    )  # fmt: skip
    assert no_token.returncode == 1 and "before any device has a token" in no_token.stderr


def test_a_recorder_ships_over_tls_and_never_sends_its_token_in_clear_text(tmp_path):
    from recorder.upload import Collector, check_collector

    with pytest.raises(Exception, match="plain HTTP"):
        check_collector(Collector("http://collector.example.com:8765", "tmc_x"))
    data = tmp_path / "collector"
    token = add_token(data, "desk-1")
    cert, key = _self_signed(tmp_path)
    port = free_port()
    collector = CollectorProcess(data, port, "--certfile", str(cert), "--keyfile", str(key))
    collector.start(verify=str(cert))
    db = tmp_path / "rec.duckdb"
    _one_session(db)
    config = tmp_path / "rec.toml"
    config.write_text(f'[recorder]\nstate_dir = "{tmp_path / "state"}"\n')
    ship = ["recorder", "ship", "--db", str(db), "--to", collector.url, "--config", str(config)]
    try:
        untrusted = run_cli(*ship, env={"TASKMINE_COLLECT_TOKEN": token})
        assert untrusted.returncode == 1 and "cannot reach the collector" in untrusted.stderr
        done = run_cli(*ship, "--cacert", str(cert), env={"TASKMINE_COLLECT_TOKEN": token})
        assert done.returncode == 0 and "shipped 1 session file(s)" in done.stderr, done.stderr
    finally:
        collector.stop()
    assert len(list((data / "events").rglob("*.parquet"))) == 1
    # one question per upload (the events and their sessions), none asked twice
    assert collector.log.read_text().count('"GET /v1/uploads/') == 2


def _one_session(db, image: bytes | None = None) -> None:
    from storage.store import open_store

    with open_store(db) as store:
        shot = None
        if image:
            shots = pl.DataFrame(
                {"session_id": ["s" * 32], "ts": [datetime(2026, 3, 2, 9)], "format": ["webp"]}
            ).with_columns(image=pl.lit(image))
            shot = store.append_screenshots(shots)["screenshot_id"][0]
        store.append_sessions(
            pl.DataFrame(
                {
                    "session_id": ["s" * 32],
                    "user_id": ["u_1"],
                    "started_at": [datetime(2026, 3, 2, 9)],
                    "ended_at": [datetime(2026, 3, 2, 10)],
                }
            )
        )
        store.append_events(
            _events("u_1")
            .with_columns(session_id=pl.lit("s" * 32), screenshot_id=pl.lit(shot, pl.Int64))
            .drop("event_id")
        )


def _self_signed(folder):
    if shutil.which("openssl") is None:
        pytest.fail("openssl is missing: ./run installs it")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def test_a_full_disk_at_the_collector_loses_nothing_and_the_upload_lands_later(
    tmp_path, small_disk
):
    data = small_disk / "collector"
    token = add_token(data, "desk-1")
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(free - (96 << 10), 0))  # leave 96 KiB
    collector = CollectorProcess(data, free_port(), log=tmp_path / "collector.log").start()
    db = tmp_path / "rec.duckdb"
    _one_session(db, image=os.urandom(400 << 10))  # does not compress: needs 400 KiB
    config = tmp_path / "rec.toml"
    config.write_text(f'[recorder]\nstate_dir = "{tmp_path / "state"}"\n')
    ship = ["recorder", "ship", "--db", str(db), "--to", collector.url, "--config", str(config)]
    try:
        full = run_cli(*ship, env={"TASKMINE_COLLECT_TOKEN": token})
        assert full.returncode == 1 and "HTTP 507" in full.stderr and "full" in full.stderr
        assert "Traceback" not in full.stderr
        assert str(small_disk) not in full.stderr  # the collector's paths stay in its log
        assert f"the disk holding {data / 'partial'} is full" in collector.log.read_text()
        assert not list((data / "events").rglob("*.parquet"))
        filler.unlink()
        again = run_cli(*ship, env={"TASKMINE_COLLECT_TOKEN": token})
        assert again.returncode == 0 and "shipped 1 session file(s)" in again.stderr, again.stderr
    finally:
        collector.stop()
    landed = pl.read_parquet(list((data / "events").rglob("*.parquet")))
    assert landed["event_id"].sort().to_list() == [1, 2]
