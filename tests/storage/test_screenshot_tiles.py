"""Screenshots stored as a full frame plus changed rectangles read back as full frames:
from the store, after a Parquet round trip, and from databases of the schema before."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from PIL import Image

from storage.errors import ImportFormatError
from storage.exporters import export_events, write_parquet
from storage.importers import import_logs
from storage.schema import MIGRATIONS
from storage.store import open_store

TS = datetime(2024, 3, 1, 9)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _screens() -> tuple[Image.Image, list[tuple[int, int, Image.Image]], Image.Image]:
    """A 64x48 screen, two changed rectangles (x, y, tile) and the screen after both."""
    screen = Image.new("RGB", (64, 48), (200, 200, 200))
    tiles = [(8, 4, Image.new("RGB", (10, 6), (255, 0, 0))), (12, 6, Image.new("RGB", (5, 5), 0))]
    after = screen.copy()
    for x, y, tile in tiles:
        after.paste(tile, (x, y))
    return screen, tiles, after


def _store_chain(store) -> list[int]:
    """The full frame and its two changes, each on the one before (as the recorder does)."""
    screen, tiles, _ = _screens()
    ids = store.append_rows(
        "screenshots", [{"ts": TS, "format": "png", "width": 64, "height": 48,
                         "image": _png(screen)}]
    )  # fmt: skip
    for x, y, tile in tiles:
        row = {"ts": TS, "format": "png", "width": 64, "height": 48, "image": _png(tile),
               "base_id": ids[-1], "tile_x": x, "tile_y": y}  # fmt: skip
        ids += store.append_rows("screenshots", [row])
    return ids


def _pixels(shot: tuple[str, bytes]) -> bytes:
    return Image.open(io.BytesIO(shot[1])).convert("RGB").tobytes()


def test_changed_rectangles_read_back_as_full_frames(db_path):
    screen, tiles, after = _screens()
    with open_store(db_path) as store:
        key, first, second = _store_chain(store)
        assert store.screenshot(key) == ("png", _png(screen))  # a full frame: as stored
        fmt, data = store.screenshot(second)
        assert fmt == "png" and Image.open(io.BytesIO(data)).size == (64, 48)
        assert _pixels((fmt, data)) == after.tobytes()
        halfway = screen.copy()
        halfway.paste(tiles[0][2], tiles[0][:2])
        assert _pixels(store.screenshot(first)) == halfway.tobytes()
        assert store.screenshot(999) is None


def test_a_chain_that_never_reaches_a_full_frame_shows_nothing(db_path):
    tile = _png(Image.new("RGB", (4, 4)))
    with open_store(db_path) as store:
        store.con.execute(  # a loop and a dangling base, as a hand-made file could hold
            "INSERT INTO screenshots (screenshot_id, ts, format, image, base_id, tile_x, tile_y) "
            "VALUES (1, ?, 'png', ?, 2, 0, 0), (2, ?, 'png', ?, 1, 0, 0), "
            "(3, ?, 'png', ?, 77, 0, 0), (4, ?, 'png', ?, NULL, NULL, NULL), "
            "(5, ?, 'png', ?, 4, 1, 1)",
            [TS, tile, TS, tile, TS, tile, TS, b"not an image", TS, tile],
        )
        assert store.screenshot(1) is None
        assert store.screenshot(3) is None
        assert store.screenshot(5) is None  # its full frame does not decode
        assert store.screenshot(4) == ("png", b"not an image")  # served as stored, as before


def test_a_database_of_the_previous_schema_opens_and_shows_its_screenshots(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP, description VARCHAR)"
    )
    for version, description, ddl in MIGRATIONS[:2]:
        con.execute(ddl)
        con.execute("INSERT INTO schema_version VALUES (?, now(), ?)", [version, description])
    con.execute(
        "INSERT INTO screenshots (screenshot_id, ts, format, width, height, image) "
        "VALUES (1, ?, 'webp', 360, 220, ?)",
        [TS, b"RIFF....WEBP"],
    )
    con.close()
    with open_store(path) as store:  # upgrades in place
        assert store.screenshot(1) == ("webp", b"RIFF....WEBP")
    with open_store(path, read_only=True) as store:
        assert store.screenshot(1) == ("webp", b"RIFF....WEBP")


def test_parquet_carries_changed_rectangles_and_renumbers_their_bases(tmp_path, db_path):
    _, _, after = _screens()
    with open_store(db_path) as store:
        store.append_sessions(pl.DataFrame({"session_id": ["s1"], "user_id": ["u1"]}))
        *_, last = _store_chain(store)
        store.append_events(
            pl.DataFrame({"session_id": ["s1"], "user_id": ["u1"], "ts": [TS],
                          "kind": ["click"], "screenshot_id": [last]})
        )  # fmt: skip
        export_events(store, tmp_path / "out.parquet")
    with open_store(tmp_path / "analyst.duckdb") as store:
        store.append_rows(  # ids 1..2 taken: the imported ones move
            "screenshots", [{"ts": TS, "format": "png", "image": b"x"}] * 2
        )
        import_logs(store, [tmp_path / "out.parquet"])
        shot = store.read_events(["screenshot_id"])["screenshot_id"][0]
        assert shot != last
        assert _pixels(store.screenshot(shot)) == after.tobytes()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"base_id": [None, 9]}, "data row 1: base_id 9 is not a screenshot_id of this file"),
        ({"tile_x": [None, -3]}, "data row 1: a changed rectangle .* negative tile_x"),
        ({"tile_y": [None, None]}, r"data row 1: a changed rectangle \(base_id 1\) has no tile"),
        ({"base_id": [None, 2]}, "data row 1: screenshot_id 2: its chain .* loops"),
        (
            {"base_id": [2, 1], "tile_x": [0, 0], "tile_y": [0, 0]},
            "data row 0: screenshot_id 1: its chain of base_id never reaches a full frame",
        ),
    ],
)
def test_import_refuses_a_change_it_cannot_place(tmp_path: Path, db_path, change, message):
    """A change with nowhere to go, or a chain of bases that loops, would show a wrong
    screen or none: the file is refused, naming the row, and nothing is imported."""
    shots = pl.DataFrame(
        {"screenshot_id": [1, 2], "ts": [TS, TS], "format": ["png", "png"],
         "image": [b"a", b"b"], "base_id": [None, 1], "tile_x": [None, 0], "tile_y": [None, 0]}
    ).with_columns(**{name: pl.Series(values) for name, values in change.items()})  # fmt: skip
    events = pl.DataFrame({"user_id": ["u1"], "ts": [TS], "kind": ["click"], "screenshot_id": [2]})
    write_parquet(tmp_path / "bad.parquet", events, screenshots=shots)
    with open_store(db_path) as store:
        with pytest.raises(ImportFormatError, match=message):
            import_logs(store, [tmp_path / "bad.parquet"])
        assert store.count("screenshots") == 0  # nothing half-imported


def test_long_chains_and_a_loop_far_down_a_chain_are_told_apart():
    from storage.importers.parquet import _never_reaches_a_full_frame

    n = 5000  # one full frame and 4,999 changes, each on the one before: no loop
    ids = pl.Series(range(1, n + 1))
    chain = pl.Series([None, *range(1, n)])
    assert not _never_reaches_a_full_frame(ids, chain).any()
    looped = chain.scatter(0, n)  # the first now sits on the last: all of them loop
    assert _never_reaches_a_full_frame(ids, looped).all()
    tail = pl.Series([None, *range(1, n - 2), n, n - 1])  # only the last two point at each other
    assert _never_reaches_a_full_frame(ids, tail).tolist() == [False] * (n - 2) + [True, True]
