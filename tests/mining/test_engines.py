"""Mining one user at a time, in process and on Ray: the split steps give what the whole
log gives, both engines write identical result tables, and the landing area is read
safely."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mining.actions import LabelFit, fit_ids, fit_spots, fit_templates, label_actions
from mining.config import MiningConfig
from mining.engines.sources import MINING_COLUMNS, export_store, landing_sources
from mining.errors import EngineError
from mining.pipeline import mine, mine_events
from mining.segment import segment_stream
from mining.stages import log_codes, user_actions, user_points, user_structure, user_texts
from mining.structure import (
    action_launchpad,
    action_places,
    action_reads,
    action_sites,
    action_windows,
    batch_routines,
    find_strays,
    finish_segments,
    structural_segments,
    tail_routines,
)
from sample_logs import simulate, write_simulation
from sample_logs.families import multi_routine_log, write_uilog
from storage.importers import import_logs
from storage.landing import write_landing
from storage.store import RESULT_TABLES, open_store
from taskmine.cli import main
from tests.mining.results import results


@pytest.fixture(scope="module")
def events() -> pl.DataFrame:
    """3 users x 2 days of the simulator, as mining reads them."""
    sim = simulate(users=3, days=2, seed=5, screenshots=False)
    return sim.events.select(MINING_COLUMNS).sort("user_id", "ts", "event_id")


@pytest.fixture(scope="module")
def ray_cluster():
    """One local 2-CPU Ray cluster for the module (starting one takes seconds)."""
    pytest.importorskip("ray")
    from mining.engines.ray import RayEngine

    engine = RayEngine(None, object_store=SMALL_STORE, num_cpus=2)
    yield engine
    engine.close()


#: The object store the module's cluster gets (Ray's smallest is 75 MB).
SMALL_STORE = 128 * 1024**2


def per_user(events: pl.DataFrame) -> list[pl.DataFrame]:
    return [f for _, f in sorted(events.partition_by("user_id", as_dict=True).items())]


def test_labels_fitted_on_every_user_equal_labelling_the_whole_log(events):
    config = MiningConfig()
    users = per_user(events)
    counts = [user_texts(u, config)[0] for u in users]
    templates = fit_templates(pl.concat([texts for texts, _ in counts]), config)
    ids = fit_ids(pl.concat([turns for _, turns in counts]))
    points = pl.concat([user_points(u, config, templates, ids)[0] for u in users])
    fit = LabelFit(templates, fit_spots(points, config), ids)
    apart = pl.concat([label_actions(u, config, fit) for u in users])
    assert apart.equals(label_actions(events, config))
    # a user alone would learn other templates: the global fit is what makes them equal
    assert not label_actions(users[0], config).equals(apart.head(users[0].height))


def test_structure_with_routines_and_strays_of_every_user_equals_the_whole_log(events):
    from mining.routines import find_routines
    from mining.stages import user_routines

    config = MiningConfig()
    fit = _fit_of(events, config)
    labelled = [user_actions(u, config, fit) for u in per_user(events)]
    streams, users = [s for s, _ in labelled], [a for _, a in labelled]
    vocabulary, codes = log_codes(streams)
    routines = find_routines(
        np.concatenate(codes).astype(np.int64),
        np.concatenate([s.hard for s in streams]),
        np.concatenate([s.seconds for s in streams]),
        config,
        action_windows(vocabulary),
        action_sites(vocabulary),
        np.concatenate([s.rows for s in streams]),
        action_launchpad(vocabulary),
        action_reads(vocabulary),
    )
    bounds, start = [], 0
    for c in codes:
        bounds.append((start, start + len(c)))
        start += len(c)
    parts = [
        user_structure(u, c, user_routines(routines, b), config)
        for u, c, b in zip(users, codes, bounds, strict=True)
    ]
    counts = [counts for (counts, _), _ in parts]
    strays = find_strays(counts, config, routines.second)
    assert strays["stray"].any()  # the simulator's noise makes some; else this proves little
    batching, tails = batch_routines(counts), tail_routines(counts)
    places = action_places(vocabulary)
    apart = [finish_segments(kept, strays, batching, tails, config, *places) for _, kept in parts]
    framed = (
        label_actions(events, config).with_row_index("i").with_columns(pl.col("i").cast(pl.Int64))
    )
    together = structural_segments(framed, config)
    offsets = [b[0] for b in bounds]
    # segment ids are numbered per user apart: compare which events share an instance
    assert _grouping(pl.concat(apart_i(apart, offsets))).equals(_grouping(together))


def apart_i(apart: list[pl.DataFrame], offsets: list[int]) -> list[pl.DataFrame]:
    return [
        a.with_columns(pl.col("i") + o, segment=pl.col("segment") * 1_000 + n)
        for n, (a, o) in enumerate(zip(apart, offsets, strict=True))
    ]


def _grouping(segments: pl.DataFrame) -> pl.DataFrame:
    """Each event's routine and the first event of its instance (null: noise)."""
    first = pl.col("i").min().over("segment")
    return segments.sort("i").select(
        "i", "routine", first=pl.when(pl.col("segment").is_not_null()).then(first)
    )


def _fit_of(events: pl.DataFrame, config: MiningConfig) -> LabelFit:
    texts, turns = user_texts(events, config)[0]
    templates, ids = fit_templates(texts, config), fit_ids(turns)
    points = user_points(events, config, templates, ids)[0]
    return LabelFit(templates, fit_spots(points, config), ids)


def test_ray_and_local_engines_write_identical_result_tables(events, ray_cluster, tmp_path):
    """The local engine reads the database; Ray reads the landing area, via the CLI."""
    local_db, ray_db, data = tmp_path / "local.duckdb", tmp_path / "ray.duckdb", tmp_path / "data"
    with open_store(local_db) as store:
        store.append_events(events)
        mine(store, MiningConfig())
        write_landing(store.read_events(), data)  # the ids the store gave the events
    assert main(["-q", "mine", "--engine", "ray", "--data", str(data), "--db", str(ray_db)]) == 0
    local, on_ray = results(local_db), results(ray_db)
    assert local["processes"].height >= 3
    for table in RESULT_TABLES:
        assert local[table].equals(on_ray[table]), table


def test_a_local_ray_instance_gets_the_object_store_asked_for(ray_cluster):
    """Every process that touches an object maps the store's pages: its size bounds
    what they add to each process's resident memory (Ray's default: 30 % of RAM)."""
    import ray

    from mining.engines.ray import OBJECT_STORE, default_object_store

    assert ray.cluster_resources()["object_store_memory"] == SMALL_STORE
    assert 0 < default_object_store() <= OBJECT_STORE


def test_an_object_store_size_is_refused_where_it_cannot_apply(tmp_path, capsys):
    db = tmp_path / "out.duckdb"
    for extra, message in [
        (["--address", "auto"], "not an existing cluster"),
        (["--engine", "local"], "is for the Ray engine"),
        (["--object-store", "0.01"], "give at least 0.1"),
        (["--object-store", "nan"], "give at least 0.1"),
    ]:
        engine = [] if "--engine" in extra else ["--engine", "ray"]
        args = ["mine", *engine, "--object-store", "1", *extra, "--db", str(db)]
        assert main(args) == 1, extra
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err
    assert not db.exists()


def test_result_rows_written_in_pieces_are_all_or_nothing(events, tmp_path):
    """`instance_events` arrives one user at a time: a piece that fails to arrive (a
    lost worker) leaves no row of the run, and the run is marked failed."""
    rows = mine_events(events, MiningConfig())
    with open_store(tmp_path / "pieces.duckdb") as store:
        store.append_events(events)
        run = store.start_run({}, "test", 0)

        def pieces():
            yield rows["instance_events"].head(10)
            raise EngineError("Ray lost a mining task: worker died")

        with pytest.raises(EngineError, match="lost"):
            store.finish_run(run, {**rows, "instance_events": pieces()})
        store.fail_run(run)
        counts = store.query("SELECT count(*) AS n FROM instance_events")["n"][0]
        status = store.query("SELECT status FROM mining_runs")["status"].to_list()
    assert counts == 0 and status == ["failed"]


def test_hostile_user_ids_stay_inside_the_landing_area(tmp_path):
    events = pl.DataFrame(
        {
            "event_id": [1, 2, 3],
            "user_id": ["../../escape", "a/b", "%2e%2e"],
            "ts": pl.Series(["2026-01-05 09:00:00"] * 3).str.to_datetime(time_unit="us"),
            "kind": ["click"] * 3,
        }
    )
    write_landing(events, tmp_path / "area")
    events_dir = tmp_path / "area" / "events"
    assert sorted(p.name for p in events_dir.iterdir()) == [
        "user=%252e%252e",
        "user=%2E%2E%2F%2E%2E%2Fescape",
        "user=a%2Fb",
    ]
    # every file stays two levels (user, day) below the events folder
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 3
    assert all(p.parent.parent.parent == events_dir for p in files)
    sources = landing_sources(tmp_path / "area")
    assert [s.user_id for s in sources] == ["%2e%2e", "../../escape", "a/b"]
    assert [s.read()["event_id"].to_list() for s in sources] == [[3], [1], [2]]


def test_a_folder_linked_from_outside_the_landing_area_is_not_read(events, tmp_path):
    write_landing(events, tmp_path / "area")
    write_landing(events.with_columns(user_id=pl.lit("outsider")), tmp_path / "elsewhere")
    (tmp_path / "area" / "events" / "user=outsider").symlink_to(
        tmp_path / "elsewhere" / "events" / "user=outsider"
    )
    users = [s.user_id for s in landing_sources(tmp_path / "area")]
    assert "outsider" not in users and len(users) == 3


def test_a_malformed_landed_file_fails_the_run_with_one_line(events, tmp_path, capsys):
    data, db = tmp_path / "data", tmp_path / "out.duckdb"
    write_landing(events, data)
    bad = next((data / "events").glob("user=*/day=*")) / "part-9.parquet"
    bad.write_bytes(b"PAR1 not really parquet")
    assert main(["mine", "--data", str(data), "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "part-9.parquet" in err[0] and "move the file out" in err[0]
    with open_store(db, read_only=True) as store:
        assert store.query("SELECT status FROM mining_runs")["status"].to_list() == ["failed"]
        assert store.count("instances") == 0


def test_a_malformed_file_on_ray_is_the_same_one_line(events, ray_cluster, tmp_path, capsys):
    data, db = tmp_path / "data", tmp_path / "out.duckdb"
    write_landing(events, data)
    bad = next((data / "events").glob("user=*/day=*")) / "part-9.parquet"
    bad.write_bytes(b"PAR1 not really parquet")
    assert main(["mine", "--engine", "ray", "--data", str(data), "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "part-9.parquet" in err[0] and "move the file out" in err[0]


def test_a_missing_landing_area_is_refused_before_any_work(tmp_path, capsys):
    db = tmp_path / "out.duckdb"
    assert main(["mine", "--data", str(tmp_path / "nothing"), "--db", str(db)]) == 1
    assert "no landing area" in capsys.readouterr().err
    assert not db.exists()


def test_a_store_without_events_gives_a_run_without_instances(db_path):
    with open_store(db_path) as store:
        run = mine(store, MiningConfig())
        assert store.read_results("instances", run).height == 0
        assert store.query("SELECT status FROM mining_runs")["status"].to_list() == ["done"]


def test_a_store_exported_for_ray_reads_back_as_its_events(events, tmp_path):
    path = tmp_path / "sim.duckdb"
    write_simulation(simulate(users=2, days=1, seed=2, screenshots=False), path)
    with open_store(path) as store:
        sources = export_store(store, tmp_path / "export")
        expected = store.read_events(MINING_COLUMNS)
    assert pl.concat([s.read() for s in sources]).equals(expected)


def test_segmenting_one_user_at_a_time_gives_the_whole_logs_instances(tmp_path):
    """Two people's generated UI log: context spans are found per user, but how much of
    a window's use lies inside them is fitted over both, as in the whole log (per user,
    one of them was cut by context instead of structure here)."""
    log_path, _ = write_uilog(multi_routine_log(10), tmp_path)
    with open_store(tmp_path / "log.duckdb") as store:
        import_logs(store, [log_path])
        events = store.read_events(MINING_COLUMNS)
    assert events["user_id"].n_unique() == 2
    config = MiningConfig()
    staged = mine_events(events, config)["instance_events"]
    whole = segment_stream(label_actions(events, config), config)

    def groups(frame: pl.DataFrame) -> set[tuple[int, ...]]:
        ids = frame.group_by("instance_id").agg(pl.col("event_id").sort())["event_id"]
        return {tuple(e) for e in ids.to_list()}

    assert groups(staged) == groups(whole)


def test_an_unreachable_cluster_address_fails_at_once_with_one_line(tmp_path, capsys):
    """Ray itself retries an address that does not answer for minutes."""
    pytest.importorskip("ray")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "out.duckdb"
    for address in (f"127.0.0.1:{port}", f"ray://127.0.0.1:{port}"):
        args = ["mine", "--engine", "ray", "--address", address, "--db", str(db)]
        assert main(args) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"cannot reach the Ray cluster at {address}" in err[0]
    assert main(["mine", "--engine", "ray", "--address", "nowhere", "--db", str(db)]) == 1
    assert "not a Ray cluster address" in capsys.readouterr().err
    assert not db.exists()


def test_options_for_ray_are_refused_when_ray_already_runs_in_the_process(ray_cluster):
    """ray.init would not run again: the options (or another cluster) would be ignored."""
    from mining.engines.ray import RayEngine

    with pytest.raises(EngineError, match="already runs in this process"):
        RayEngine(None, num_cpus=1)
    with RayEngine(None) as engine:  # joining the running one is what it does
        assert engine.machines() == 1


def test_a_database_is_not_mined_on_a_cluster_of_several_machines(events, tmp_path):
    """Without --data the events would be exported to a folder of this machine only: a
    cluster whose nodes have two addresses (a second node on 127.0.0.2) is refused."""
    pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    db = tmp_path / "events.duckdb"
    with open_store(db) as store:
        store.append_events(events)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    try:
        cluster.add_node(num_cpus=1, node_ip_address="127.0.0.2")
        done = subprocess.run(
            [sys.executable, "-m", "taskmine.cli", "mine", "--engine", "ray"]
            + ["--address", cluster.address, "--db", str(db)],
            env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])),
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        cluster.shutdown()
    assert done.returncode == 1
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and "spans 2 machines" in err[0] and "--data" in err[0], done.stderr
    with open_store(db, read_only=True) as store:
        assert store.query("SELECT count(*) AS n FROM mining_runs")["n"][0] == 0
