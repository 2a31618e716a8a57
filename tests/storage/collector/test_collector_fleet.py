"""Two recorders ship to a real `taskmine collect` that is killed mid-upload and restarted:
every event lands exactly once, and the landing area imports into DuckDB."""

from __future__ import annotations

import json
import math

import duckdb
import polars as pl
import pytest

from recorder.errors import ShipError
from recorder.outbox import outbox_dir
from recorder.ship import ship_sessions
from recorder.upload import Collector, upload_outbox
from sample_logs import simulate
from storage.store import open_store
from tests.storage.collector.collector_support import (
    CollectorProcess,
    add_token,
    free_port,
    landed_files,
    recorder_db,
    run_cli,
)

CHUNK = 64 << 10


@pytest.fixture(scope="module")
def sim():
    return simulate(users=2, days=1, seed=3)


def _recorder_config(folder, state):
    path = folder / f"{state.name}.toml"
    path.write_text(f"[recorder]\nstate_dir = {json.dumps(str(state))}\n")
    return path


def test_two_recorders_ship_through_a_killed_collector_and_every_event_lands_once(tmp_path, sim):
    users = sorted(sim.sessions["user_id"])
    dbs = [recorder_db(tmp_path / f"rec{i}.duckdb", sim, user) for i, user in enumerate(users)]
    data = tmp_path / "collector"
    tokens = [add_token(data, f"desk-{i}") for i in range(2)]
    collector = CollectorProcess(data, free_port()).start()
    states = [tmp_path / "state-a", tmp_path / "state-b"]
    try:
        # Recorder A ships with its own shipping code; the collector dies (SIGKILL) right
        # after taking the first chunk of an upload that needs several.
        outbox = outbox_dir(states[0], collector.url)
        with open_store(dbs[0]) as store:
            assert len(ship_sessions(store, outbox)) == 1
        chunks: list[tuple[str, int, int]] = []

        def kill_mid_upload(path, kind, offset, length):
            chunks.append((kind, offset, length))
            if offset < length and collector.process.poll() is None:
                collector.kill()

        a = Collector(collector.url, tokens[0], chunk_bytes=CHUNK)
        with pytest.raises(ShipError, match="cannot reach the collector"):
            upload_outbox(outbox, a, on_chunk=kill_mid_upload)
        cut_kind, cut_offset, cut_length = next(c for c in chunks if c[1] < c[2])
        assert cut_offset == CHUNK and not (data / "events").exists()
        assert len(list(outbox.glob("*.parquet"))) == 3  # kept: nothing was acknowledged
        config_a = _recorder_config(tmp_path, states[0])
        waiting = run_cli("recorder", "status", "--config", str(config_a)).stdout
        assert f"outbox for 127.0.0.1:{collector.port}: 1 session file(s) not yet" in waiting

        collector.start()
        status = run_cli("collect", "status", "--data", str(data))
        assert "backlog: 1 uploads in progress" in status.stdout, status.stdout

        resumed: list[tuple[str, int, int]] = []
        shipped = upload_outbox(outbox, a, on_chunk=lambda p, k, o, n: resumed.append((k, o, n)))
        assert len(shipped) == 1
        sent_again = [c for c in resumed if c[0] == cut_kind]
        assert sent_again[0][1] == 2 * CHUNK  # resumed after the chunk the collector kept
        assert len(sent_again) == math.ceil(cut_length / CHUNK) - 1
        assert list(outbox.glob("*.parquet")) == []  # acknowledged, so removed

        # Recorder B (and A again) through the command line: B lands, A adds nothing.
        for i, expected in ((1, 1), (0, 0)):
            config = _recorder_config(tmp_path, states[i])  # the same state folder as above
            shipped_cli = run_cli(
                "recorder", "ship", "--db", str(dbs[i]), "--to", collector.url,
                "--token", tokens[i], "--config", str(config),
            )  # fmt: skip
            assert shipped_cli.returncode == 0, shipped_cli.stderr
            assert f"shipped {expected} session file(s)" in shipped_cli.stderr
    finally:
        collector.stop()

    landed = duckdb.sql(
        f'SELECT session_id, event_id, user_id, ts, "user", "day" FROM read_parquet('
        f"'{data}/events/**/*.parquet', hive_partitioning = true)"
    ).pl()
    recorded = pl.concat(
        open_store(db, read_only=True).query("SELECT session_id, event_id, user_id, ts FROM events")
        for db in dbs
    )
    key = ["session_id", "event_id"]
    assert landed.height == recorded.height == sim.events.height
    assert landed.select(key).is_unique().all()
    assert landed.select(key).sort(key).equals(recorded.select(key).sort(key))
    assert (landed["user"] == landed["user_id"]).all()
    assert (landed["day"] == landed["ts"].dt.date()).all()

    status = run_cli("collect", "status", "--data", str(data)).stdout
    for device in ("desk-0", "desk-1"):
        assert f"device {device}: active" in status and "1 upload(s)" in status
    assert "backlog: 0 uploads in progress" in status and "0 sidecars waiting" in status

    # `taskmine import DIR` loads the landing area with its sessions and screenshots, once.
    analyst = tmp_path / "analyst.duckdb"
    for expected in (sim.events.height, 0):
        imported = run_cli("import", str(data), "--db", str(analyst))
        assert imported.returncode == 0, imported.stderr
        assert f"imported {expected:,} events" in imported.stderr
    with open_store(analyst, read_only=True) as store:
        assert store.count("sessions") == 2
        shots = store.query("SELECT count(DISTINCT screenshot_id) FROM events").item()
        assert shots == store.count("screenshots") > 0


def test_a_file_the_collector_refuses_is_kept_aside_and_not_sent_again(tmp_path, sim):
    """A device whose token is bound to another user: the collector answers 403 for its
    batch. The file moves with its sidecars and the reason into the outbox's refused
    folder, the next round sends nothing, and `recorder status` says it is there."""
    user = sorted(sim.sessions["user_id"])[0]
    db = recorder_db(tmp_path / "rec.duckdb", sim, user)
    data = tmp_path / "collector"
    token = add_token(data, "desk-alice", "alice")  # bound to alice, not to `user`
    collector = CollectorProcess(data, free_port()).start()
    state = tmp_path / "state"
    outbox = outbox_dir(state, collector.url)
    try:
        with open_store(db) as store:
            assert len(ship_sessions(store, outbox)) == 1
        shipped = sorted(p.name for p in outbox.glob("*.parquet"))
        device = Collector(collector.url, token)
        with pytest.raises(ShipError, match="refused 1 file.*not sent again"):
            upload_outbox(outbox, device)
        assert list(outbox.glob("*.parquet")) == []
        aside = outbox / "refused"
        assert sorted(p.name for p in aside.glob("*.parquet")) == shipped
        (reason,) = aside.glob("*.reason.txt")
        assert "may ship only its own users" in reason.read_text()

        sent: list[tuple] = []
        assert upload_outbox(outbox, device, on_chunk=lambda *chunk: sent.append(chunk)) == []
        assert sent == []
        status = run_cli("recorder", "status", "--config", str(_recorder_config(tmp_path, state)))
        assert "1 session file(s) refused by the collector" in status.stdout, status.stdout
    finally:
        collector.stop()
    assert landed_files(data) == []
