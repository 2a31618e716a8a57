"""The running recorder ships to a real collector on its schedule: while the collector is
down the sessions wait in the outbox and the recorder backs off, recording on; once it is
up every session lands once. Plus the outbox lock and what a collector address may hold."""

from __future__ import annotations

import duckdb
import polars as pl
import psutil
import pytest

from recorder.outbox import outbox_backlog, outbox_dir, outbox_lock
from storage.store import open_store
from tests.recorder.recorder_harness import run_cli, start_recorder, wait_for, write_config
from tests.storage.collector.collector_support import CollectorProcess, add_token, free_port

pytestmark = pytest.mark.x11


def _landed(data) -> pl.DataFrame:
    if not list((data / "events").rglob("*.parquet")):
        return pl.DataFrame()
    return duckdb.sql(
        f"SELECT session_id, event_id, kind FROM read_parquet('{data}/events/**/*.parquet')"
    ).pl()


def test_the_service_ships_to_a_collector_on_its_schedule_through_an_outage(
    desktop, apps, tmp_path
):
    data = tmp_path / "collector"
    token = add_token(data, "desk-1")
    token_file = tmp_path / "device.token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    collector = CollectorProcess(data, free_port())  # down until started below
    rec = start_recorder(
        desktop, tmp_path, screenshots=False, session_minutes=0.02, ship_to=collector.url,
        ship_every_minutes=0.02, ship_retry_s=0.2, ship_token_file=str(token_file),
    )  # fmt: skip
    state = tmp_path / "state"
    try:
        desktop.click(*apps["orders"].at("Customer"))
        wait_for(lambda: outbox_backlog(state), what="a closed session in the outbox")
        wait_for(lambda: rec.status().get("ship_failures", 0) >= 2, what="failed rounds")
        assert "cannot reach the collector" in rec.status()["ship_error"]
        assert rec.status()["state"] == "recording"
        status = rec.cli("recorder", "status").stdout
        assert f"outbox for 127.0.0.1:{collector.port}:" in status
        assert f"shipping to {collector.url}" in status and "failing" in status
        assert token not in " ".join(psutil.Process(rec.process.pid).cmdline())

        desktop.click(*apps["orders"].at("Customer"))  # still recording during the outage
        collector.start()
        wait_for(lambda: "click" in _landed(data).get_column("kind", default=pl.Series()), 30,
                 "the clicks to land")  # fmt: skip
        wait_for(lambda: rec.status().get("ship_error") is None, what="a round that succeeded")
    finally:
        log = rec.stop()
        collector.stop()
    assert token not in log and token not in collector.log.read_text()
    landed = _landed(data)
    with open_store(rec.db, read_only=True) as store:
        recorded = store.query("SELECT session_id, event_id, kind FROM events")
    key = ["session_id", "event_id"]
    assert landed.select(key).is_unique().all()
    # whole sessions land: every event of each session that arrived, and nothing else
    shipped = recorded.filter(pl.col("session_id").is_in(landed["session_id"].implode()))
    assert shipped.sort(key).equals(landed.sort(key))
    assert landed.filter(pl.col("kind") == "click").height >= 1
    assert rec.status()["ship_acknowledged"] >= 1


def test_two_shippers_do_not_use_one_outbox_at_once(tmp_path):
    """A manual `ship` while another shipper (the service's schedule, a timer) holds the
    outbox stops with a clear message and touches nothing."""
    state, db = tmp_path / "state", tmp_path / "rec.duckdb"
    with open_store(db):
        pass
    config = write_config(tmp_path / "rec.toml", state_dir=str(state))
    url = f"http://127.0.0.1:{free_port()}"
    outbox = outbox_dir(state, url)
    with outbox_lock(outbox):
        busy = run_cli(
            "recorder", "ship", "--db", str(db), "--to", url, "--config", str(config),
            env={"TASKMINE_COLLECT_TOKEN": "tmc_x", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert busy.returncode == 1, busy.stderr
        assert "another shipper is uploading the outbox" in busy.stderr
        assert "Traceback" not in busy.stderr
    assert [p.name for p in outbox.iterdir()] == [".lock"]
    free = run_cli(
        "recorder", "ship", "--db", str(db), "--to", url, "--config", str(config),
        env={"TASKMINE_COLLECT_TOKEN": "tmc_x", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert free.returncode == 0, free.stderr  # no closed session: nothing to upload


def test_collector_addresses_with_credentials_or_in_clear_text_are_refused(tmp_path):
    from recorder.config import load_recorder_config
    from storage.errors import ConfigError

    secret = "s3cr3t-pw"
    with pytest.raises(ConfigError, match="user name or password") as refused:
        load_recorder_config(overrides={"ship_to": f"https://ann:{secret}@collector:8765"})
    assert secret not in str(refused.value)
    with pytest.raises(ConfigError, match="plain HTTP"):
        load_recorder_config(overrides={"ship_to": "http://collector.example.com:8765"})
    assert load_recorder_config(overrides={"ship_to": "https://collector:8765"}).ship_to

    state = tmp_path / "state"
    config = write_config(tmp_path / "rec.toml", state_dir=str(state))
    cli = run_cli(
        "recorder", "ship", "--to", f"https://ann:{secret}@127.0.0.1:1", "--config", str(config),
        env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert cli.returncode == 1 and "user name or password" in cli.stderr
    assert secret not in cli.stderr and not state.exists()


def test_a_token_on_the_command_line_is_warned_about_and_a_token_file_works(tmp_path):
    config = write_config(tmp_path / "rec.toml", state_dir=str(tmp_path / "state"))
    db = tmp_path / "rec.duckdb"
    with open_store(db):
        pass
    url = f"http://127.0.0.1:{free_port()}"  # no closed session: nothing is sent
    ship = ["recorder", "ship", "--db", str(db), "--to", url, "--config", str(config)]
    on_line = run_cli(*ship, "--token", "tmc_visible", env={"PATH": "/usr/bin:/bin"})
    assert "warning: --token shows in the process list" in on_line.stderr
    token_file = tmp_path / "token"
    token_file.write_text("tmc_hidden\n")
    token_file.chmod(0o600)
    from_file = run_cli(*ship, "--token-file", str(token_file), env={"PATH": "/usr/bin:/bin"})
    assert from_file.returncode == 0, from_file.stderr  # nothing to upload, token accepted
    assert "warning" not in from_file.stderr
    missing = run_cli(*ship, env={"PATH": "/usr/bin:/bin"})
    assert missing.returncode == 1 and "needs a device token" in missing.stderr


def test_rounds_that_fail_wait_longer_each_time_up_to_the_schedule(tmp_path, caplog):
    from concurrent.futures import Future

    from recorder.config import RecorderConfig
    from recorder.uploader import Uploader

    token_file = tmp_path / "token"
    token_file.write_text("tmc_x\n")
    token_file.chmod(0o644)  # others may read it: warned about
    config = RecorderConfig(
        ship_to=f"http://127.0.0.1:{free_port()}",  # nobody listens
        ship_every_minutes=0.1,
        ship_retry_s=1.0,
        ship_token_file=str(token_file),
    )
    written: list = []

    def export(outbox):  # the writer's part: one closed session file in the outbox
        (outbox / "u_1_s.parquet").write_bytes(b"PAR1")
        written.append(outbox)
        done = Future()
        done.set_result({"files": []})
        return done

    uploader = Uploader(config, tmp_path / "state", export, env={})
    delays = [uploader.ship_once() for _ in range(5)]
    assert delays == [1.0, 2.0, 4.0, 6.0, 6.0]  # doubling, then the schedule's 6 s
    assert uploader.failures == 5 and "cannot reach the collector" in uploader.last_error
    assert len(written) == 5 and (written[0] / "u_1_s.parquet").exists()  # kept
    assert "readable by other users" in caplog.text
