"""The landing area: hostile user ids stay one folder, days split, sidecars follow."""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import unquote

import duckdb
import polars as pl
import pytest

from storage.collector.batches import land_events
from storage.collector.errors import InvalidBatchError
from storage.collector.layout import partition_dir
from storage.importers.parquet import is_sidecar, sidecar_path
from storage.models import EVENT_SCHEMA

SHA = "ab" * 32
HOSTILE = ["../../etc", "a/b", "..", "nul\x00byte", "%2e%2e", "C:\\x", "ü ñ", "\x1b[2J"]


@pytest.mark.parametrize("user_id", HOSTILE)
def test_a_hostile_user_id_stays_one_folder_under_the_kind(tmp_path, user_id):
    folder = partition_dir(tmp_path, "events", user_id, date(2026, 3, 2))
    assert folder.parent.parent == tmp_path / "events"
    encoded = folder.parent.name.removeprefix("user=")
    # only unreserved characters and %XX escapes: no dot, slash, NUL or escape survives
    assert re.fullmatch(r"(?:[A-Za-z0-9_~-]|%[0-9A-F]{2})+", encoded)
    assert unquote(encoded) == user_id


@pytest.mark.parametrize("user_id", ["", "/" * 70])
def test_an_empty_or_overlong_user_id_is_refused(tmp_path, user_id):
    with pytest.raises(InvalidBatchError, match="user_id"):
        partition_dir(tmp_path, "events", user_id, date(2026, 3, 2))


def test_an_upload_lands_per_user_and_day_with_its_own_sidecars_and_reads_back(tmp_path):
    late, early = datetime(2026, 3, 2, 23, 59), datetime(2026, 3, 3, 0, 1)
    events = pl.DataFrame(
        {
            "event_id": [1, 2, 3],
            "session_id": ["s1", "s1", "s2"],
            "user_id": ["../../etc", "../../etc", "a/b"],
            "ts": [late, early, early],
            "kind": ["click", "click", "focus"],
            "screenshot_id": [10, 11, None],
        }
    )
    sessions = pl.DataFrame({"session_id": ["s1", "s2"], "user_id": ["../../etc", "a/b"]})
    shots = pl.DataFrame(
        {
            "screenshot_id": [10, 11],
            "ts": [late, early],
            "format": ["webp"] * 2,
            "image": [b"a"] * 2,
        }
    )
    assert land_events(tmp_path, SHA, events, sessions, shots) == 3
    assert {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet")} == {
        f"{kind}/user={user}/day={day}/{SHA}.parquet"
        for kind, user, day in [
            ("events", "%2E%2E%2F%2E%2E%2Fetc", "2026-03-02"),
            ("events", "%2E%2E%2F%2E%2E%2Fetc", "2026-03-03"),
            ("events", "a%2Fb", "2026-03-03"),
            ("sessions", "%2E%2E%2F%2E%2E%2Fetc", "2026-03-02"),
            ("sessions", "%2E%2E%2F%2E%2E%2Fetc", "2026-03-03"),
            ("sessions", "a%2Fb", "2026-03-03"),
            ("screenshots", "%2E%2E%2F%2E%2E%2Fetc", "2026-03-02"),
            ("screenshots", "%2E%2E%2F%2E%2E%2Fetc", "2026-03-03"),
        ]
    }
    back = duckdb.sql(
        f'SELECT event_id, user_id, "user", "day" FROM read_parquet(\'{tmp_path}/events/'
        "**/*.parquet', hive_partitioning = true) ORDER BY event_id"
    ).fetchall()
    assert back == [
        (1, "../../etc", "../../etc", date(2026, 3, 2)),
        (2, "../../etc", "../../etc", date(2026, 3, 3)),
        (3, "a/b", "a/b", date(2026, 3, 3)),
    ]
    day_one = (
        tmp_path / "events" / "user=%2E%2E%2F%2E%2E%2Fetc" / "day=2026-03-02" / f"{SHA}.parquet"
    )
    shot = sidecar_path(day_one, "screenshots")
    assert pl.read_parquet(shot)["screenshot_id"].to_list() == [10]  # only its own
    assert is_sidecar(shot) and not is_sidecar(day_one)
    assert pl.read_parquet_schema(day_one) == EVENT_SCHEMA  # the interchange schema exactly


def test_landing_again_rewrites_the_same_files(tmp_path):
    events = pl.DataFrame(
        {"event_id": [1], "user_id": ["u"], "ts": [datetime(2026, 3, 2, 9)], "kind": ["click"]}
    )
    land_events(tmp_path, SHA, events)
    first = {p: p.read_bytes() for p in tmp_path.rglob("*.parquet")}
    land_events(tmp_path, SHA, events)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.parquet")} == first
