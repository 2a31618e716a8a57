"""Hostile inputs (issue 13): nothing we read may hang, half-write, crash or smuggle in junk.

Each test is one attack from the issue, with the database compared before and after.
"""

from __future__ import annotations

import gzip
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console

from mining.config import MiningConfig
from mining.discover import discover_model
from storage.errors import ImportFormatError, StorageError
from storage.exporters import write_parquet, write_xes
from storage.importers import import_logs
from storage.importers.checks import MAX_COLUMNS
from storage.store import Store, open_store
from taskmine.cli import main
from taskmine.ui import Ui


def _events(n: int = 3, **columns: list) -> pl.DataFrame:
    start = datetime(2024, 3, 1, 9)
    frame = pl.DataFrame(
        {
            "user_id": ["u1"] * n,
            "ts": [start + timedelta(seconds=i) for i in range(n)],
            "kind": ["click"] * n,
        }
    )
    return frame.with_columns(**{name: pl.Series(values) for name, values in columns.items()})


def _shots(ids: list[int], formats: list[str] | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "screenshot_id": ids,
            "ts": [datetime(2024, 3, 1, 9)] * len(ids),
            "format": formats or ["png"] * len(ids),
            "image": [b"img"] * len(ids),
        }
    )


def _db_bytes(db: Path) -> bytes:
    return db.read_bytes()


@pytest.fixture
def used_db(tmp_path: Path) -> Path:
    """A database that already holds one import, so 'unchanged' means something."""
    db = tmp_path / "work.duckdb"
    write_parquet(tmp_path / "earlier.parquet", _events(user_id=["u0"] * 3))
    with open_store(db) as store:
        import_logs(store, [tmp_path / "earlier.parquet"])
    return db


def _import(db: Path, *paths: Path) -> list:
    with open_store(db) as store:
        return import_logs(store, list(paths))


def _refused(db: Path, *paths: Path) -> ImportFormatError:
    """Import ``paths``, expect a refusal, and check the database file did not change."""
    before = _db_bytes(db)
    with pytest.raises(ImportFormatError) as caught:
        _import(db, *paths)
    assert _db_bytes(db) == before
    assert "\n" not in str(caught.value)
    return caught.value


# -- 5. wide files ------------------------------------------------------------------------


@pytest.mark.parametrize("width", [MAX_COLUMNS + 1, 1_000_000])
def test_a_csv_header_wider_than_the_limit_is_refused_at_line_1(tmp_path, used_db, width):
    path = tmp_path / "wide.csv"
    names = ["user_id", "ts", "kind", *(f"c{i}" for i in range(width - 3))]
    path.write_text(",".join(names) + "\nu1,2024-03-01T09:00:00Z,click" + "," * (width - 3) + "\n")
    error = _refused(used_db, path)
    assert error.line == 1
    assert f"{width:,} columns" in str(error) and f"at most {MAX_COLUMNS:,}" in str(error)


def test_a_csv_at_the_column_limit_imports(tmp_path, used_db):
    path = tmp_path / "wide.csv"
    extra = MAX_COLUMNS - 3
    names = ["user_id", "ts", "kind", *(f"c{i}" for i in range(extra))]
    path.write_text(",".join(names) + "\nu1,2024-03-01T09:00:00Z,click" + ",v" * extra + "\n")
    [result] = _import(used_db, path)
    assert result.n_events == 1


@pytest.mark.parametrize("width", [MAX_COLUMNS + 1, 8_000])
def test_a_parquet_file_wider_than_the_limit_is_refused(tmp_path, used_db, width):
    path = tmp_path / "wide.parquet"
    extra = {f"c{i}": ["v"] * 3 for i in range(width - 3)}
    _events().with_columns(**{k: pl.Series(v) for k, v in extra.items()}).write_parquet(path)
    error = _refused(used_db, path)
    assert str(path) in str(error) and f"{width:,} columns" in str(error)


# -- 6. a folder with one bad file imports nothing, and says which file and row -------------


def test_a_folder_with_invalid_json_in_attrs_imports_nothing_and_names_file_and_row(
    tmp_path, used_db
):
    folder = tmp_path / "spool"
    folder.mkdir()
    write_parquet(folder / "a.parquet", _events())
    write_parquet(folder / "b.parquet", _events(attrs=[None, '{"ok": 1}', "{bad"]))
    error = _refused(used_db, folder)
    assert f"{folder / 'b.parquet'}: data row 2: attrs" in str(error)


def test_attrs_with_blanks_around_or_inside_its_braces_import_whole(tmp_path, used_db):
    """JSON allows blanks there; they must neither drop attrs nor break the merged JSON."""
    path = tmp_path / "blanks.csv"
    rows = ['" {""a"": 1}",', '"{""b"": 2} ",', '"{ }",x']
    path.write_text(
        "user_id,ts,kind,attrs,extra\n"
        + "".join(f"u1,2024-03-01T09:00:0{i}Z,click,{row}\n" for i, row in enumerate(rows))
    )
    _import(used_db, path)
    with open_store(used_db, read_only=True) as store:
        got = store.query("SELECT attrs FROM events WHERE user_id = 'u1' ORDER BY ts")["attrs"]
    assert [json.loads(a) for a in got] == [{"a": 1}, {"b": 2}, {"extra": "x"}]


def test_a_sessions_sidecar_without_session_ids_is_refused_naming_it(tmp_path, used_db):
    folder = tmp_path / "spool"
    folder.mkdir()
    write_parquet(folder / "a.parquet", _events())
    sessions = pl.DataFrame(
        {"session_id": ["s1", None], "user_id": ["u1", "u1"]}, schema_overrides={"session_id": str}
    )
    write_parquet(folder / "b.parquet", _events(session_id=["s1"] * 3), sessions=sessions)
    error = _refused(used_db, folder)
    assert f"{folder / 'b.sessions.parquet'}: data row 1: session_id is empty" in str(error)


def test_a_failed_write_of_the_second_file_keeps_the_first_out_too(tmp_path, used_db, monkeypatch):
    """Whatever fails while writing, a multi-file import is one transaction."""
    write_parquet(tmp_path / "a.parquet", _events())
    write_parquet(tmp_path / "b.parquet", _events(user_id=["u2"] * 3))
    insert, calls = Store._insert_events, []

    def fail_on_second(self, con, events):
        calls.append(1)
        if len(calls) == 2:
            con.execute("SELECT error('simulated failure')")
        return insert(self, con, events)

    monkeypatch.setattr(Store, "_insert_events", fail_on_second)
    before = _db_bytes(used_db)
    with pytest.raises(StorageError) as caught:
        _import(used_db, tmp_path / "a.parquet", tmp_path / "b.parquet")
    assert str(tmp_path / "b.parquet") in str(caught.value)
    assert "nothing was imported" in str(caught.value)
    assert _db_bytes(used_db) == before


# -- 7 and 2. screenshots sidecars ---------------------------------------------------------


def test_a_screenshots_sidecar_listing_an_id_twice_is_refused(tmp_path, used_db):
    path = tmp_path / "dup.parquet"
    write_parquet(path, _events(300, screenshot_id=[1] * 300), screenshots=_shots([1, 1]))
    error = _refused(used_db, path)
    assert f"{tmp_path / 'dup.screenshots.parquet'}: data row 1" in str(error)
    assert "screenshot_id 1 appears twice" in str(error)


@pytest.mark.parametrize("fmt", ['webp" onerror="alert(1)" x="', "svg+xml", "html", ""])
def test_a_screenshot_format_outside_the_fixed_set_is_refused(tmp_path, used_db, fmt):
    path = tmp_path / "shots.parquet"
    write_parquet(path, _events(screenshot_id=[1, 2, 2]), screenshots=_shots([1, 2], ["png", fmt]))
    error = _refused(used_db, path)
    assert f"{tmp_path / 'shots.screenshots.parquet'}: data row 1: format" in str(error)
    assert "webp, png, jpeg" in str(error)


def test_screenshot_formats_are_stored_in_lower_case(tmp_path, used_db):
    path = tmp_path / "shots.parquet"
    write_parquet(
        path, _events(screenshot_id=[1, 2, 2]), screenshots=_shots([1, 2], ["PNG", "webp"])
    )
    _import(used_db, path)
    with open_store(used_db, read_only=True) as store:
        assert set(store.query("SELECT format FROM screenshots")["format"]) == {"png", "webp"}


# -- 8. XES that is not what it says ----------------------------------------------------------


def _xes(folder: Path, name: str = "log.xes") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    write_xes(path, _events().with_columns(case=pl.lit("c1")), case="case")
    return path


def _imported_xes_attrs(tmp_path: Path, db: Path, extra: str, count: int = -1) -> list[dict]:
    """Import `_xes` with ``extra`` XML after the name of ``count`` events (-1: all); the
    ``attrs`` of the imported events."""
    path = _xes(tmp_path)
    name = '<string key="concept:name" value="click"/>'
    path.write_text(path.read_text().replace(name, name + extra, count))
    [result] = _import(db, path)
    assert result.n_events == 3
    with open_store(db, read_only=True) as store:
        rows = store.query("SELECT attrs FROM events WHERE user_id = 'u1' ORDER BY ts")
    return [json.loads(attrs) for attrs in rows["attrs"]]


def test_an_xes_integer_beyond_64_bits_is_kept_as_text(tmp_path, used_db):
    huge = "100000000000000000000000"
    attrs = _imported_xes_attrs(tmp_path, used_db, f'<int key="n" value="{huge}"/>', 1)
    assert attrs[0]["n"] == huge


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("cut.xes.gz", lambda x: gzip.compress(x)[:60], "ends early"),
        ("plain.xes.gz", lambda x: x, "not gzip-compressed"),
        ("page.xes", lambda x: b"<html><body><p>hi</p></body></html>", "not an XES log"),
        ("list.xes", lambda x: b"<html><trace><event/></trace></html>", "not an XES log"),
    ],
)
def test_xes_that_is_not_xes_is_one_line(tmp_path, used_db, name, data, words):
    path = tmp_path / name
    path.write_bytes(data(_xes(tmp_path / "good").read_bytes()))
    error = _refused(used_db, path)
    assert str(path) in str(error) and words in str(error)


@pytest.mark.parametrize(
    "entity",
    [
        # a billion laughs: each entity ten of the one before
        '<!ENTITY l0 "haha">'
        + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
        + '<!ENTITY ext "&l9;">',
        '<!ENTITY ext SYSTEM "file:///etc/passwd">',
    ],
)
def test_xes_entities_are_never_expanded_into_the_database(tmp_path, used_db, entity):
    path = _xes(tmp_path)
    text = path.read_text().replace("<log ", f"<!DOCTYPE log [{entity}]>\n<log ", 1)
    path.write_text(text.replace('value="u1"', 'value="u1&ext;"', 1))
    error = _refused(used_db, path)
    assert str(path) in str(error)


def test_an_xes_list_attribute_is_kept_as_json(tmp_path, used_db):
    nested = (
        '<list key="tags"><string key="a" value="1"/></list>'
        '<list key="more"><int key="b" value="2"/></list>'  # two: each keeps its own name
    )
    attrs = _imported_xes_attrs(tmp_path, used_db, nested)
    assert set(attrs[0]) == {"tags", "more", "case:concept:name"}
    assert json.loads(attrs[0]["tags"])["children"] == {"a": "1"}


# -- 9. timestamps outside any recording ------------------------------------------------------


@pytest.mark.parametrize(
    "ts", ["0000-01-01T00:00:00Z", "1989-12-31T23:59:59Z", "2100-01-01T00:00:00Z"]
)
def test_csv_timestamps_outside_1990_to_2100_are_refused_with_the_line(tmp_path, used_db, ts):
    path = tmp_path / "old.csv"
    path.write_text(f"user_id,ts,kind\nu1,2024-03-01T09:00:00Z,click\nu1,{ts},click\n")
    error = _refused(used_db, path)
    assert error.line == 3
    assert "outside 1990-01-01 .. 2100-01-01" in str(error)


def test_parquet_timestamps_of_year_146140_are_refused(tmp_path, used_db):
    path = tmp_path / "far.parquet"
    year_146140 = 144_170 * 31_556_952 * 1_000_000  # microseconds since 1970, as stored
    ts = pl.Series([1_709_283_600_000_000, year_146140, 1_709_283_601_000_000])
    _events().with_columns(ts=ts.cast(pl.Datetime("us"))).write_parquet(path)
    error = _refused(used_db, path)
    assert "data row 1: ts" in str(error) and "outside 1990-01-01 .. 2100-01-01" in str(error)


def test_boundary_timestamps_import(tmp_path, used_db):
    path = tmp_path / "edge.csv"
    path.write_text(
        "user_id,ts,kind\nu1,1990-01-01T00:00:00Z,click\nu1,2099-12-31T23:59:59Z,click\n"
    )
    assert _import(used_db, path)[0].n_events == 2


def test_an_error_quotes_only_the_start_of_a_huge_bad_value(tmp_path, used_db):
    path = tmp_path / "huge.csv"
    path.write_text(f"user_id,ts,kind\nu1,{'9' * 100_000},click\n")
    error = _refused(used_db, path)
    assert "ts value '9999" in str(error) and len(str(error)) < 400


# -- 10. control characters -------------------------------------------------------------------


def test_control_characters_are_stripped_on_import(tmp_path, used_db):
    path = tmp_path / "bell.parquet"
    titles = ["Inbox\x07 - Outlook", "tab\tand\nnewline", "esc\x1b[31mred"]
    write_parquet(path, _events(window_title=titles, element_name=["\x01OK", "b", "c"]))
    _import(used_db, path)
    with open_store(used_db, read_only=True) as store:
        got = store.query(
            "SELECT window_title, element_name FROM events WHERE user_id = 'u1' ORDER BY ts"
        )
    assert got["window_title"].to_list() == ["Inbox - Outlook", "tab\tand\nnewline", "esc[31mred"]
    assert got["element_name"].to_list() == ["OK", "b", "c"]


def test_recorded_rows_lose_control_characters_too(db_path):
    with open_store(db_path) as store:
        row = {"user_id": "u1", "ts": datetime(2024, 3, 1), "kind": "click", "app": "a\x07pp"}
        store.append_rows("events", [row])
        assert store.query("SELECT app FROM events").item() == "app"


def test_mining_discovers_a_model_whose_action_has_a_control_character():
    """A database written before import stripped them must still mine."""
    start = datetime(2024, 3, 1, 9)
    events = pl.DataFrame(
        {
            "instance_id": [1, 1, 2, 2],
            "position": [0, 1, 0, 1],
            "action": ["focus:Inbox\x07", "click:\x01OK", "focus:Inbox\x07", "click:\x01OK"],
            "ts": [start + timedelta(seconds=i) for i in range(4)],
        }
    )
    model = discover_model(events, MiningConfig())
    assert "Inbox" in model.bpmn_xml and "\x07" not in model.bpmn_xml


# -- issue 10: malformed CSV names the line ---------------------------------------------------


def test_mixed_line_endings_are_named_with_their_line(tmp_path, used_db):
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        b"user_id,ts,kind\nu1,2024-03-01T09:00:00Z,click\r\n"
        b"u1,2024-03-01T09:00:01Z,click\ru1,2024-03-01T09:00:02Z,click\n"
    )
    error = _refused(used_db, path)
    assert error.line is not None
    assert "state machine" not in str(error)
    assert f"line {error.line} of {path}" in str(error)


# -- 13. folders and file names -----------------------------------------------------------------


def test_a_folder_import_skips_links_that_leave_the_folder_with_a_warning(tmp_path, used_db):
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    write_parquet(outside / "secret.parquet", _events(user_id=["secret"] * 3))
    write_parquet(outside / "sub" / "deep.parquet", _events(user_id=["deep"] * 3))
    folder = tmp_path / "spool"
    folder.mkdir()
    write_parquet(folder / "mine.parquet", _events(user_id=["mine"] * 3))
    write_parquet(folder / "inner.parquet", _events(user_id=["inner"] * 3))
    (folder / "link.parquet").symlink_to(outside / "secret.parquet")
    (folder / "again.parquet").symlink_to(folder / "inner.parquet")  # stays inside: fine
    (folder / "dir").symlink_to(outside / "sub")
    warnings: list[str] = []
    with open_store(used_db) as store:
        import_logs(store, [folder], on_warning=warnings.append)
        users = set(store.query("SELECT DISTINCT user_id FROM events")["user_id"])
    assert users == {"u0", "mine", "inner"}
    assert len(warnings) == 2
    assert all("leaves" in w and str(folder) in w for w in warnings)


def test_file_names_with_terminal_escapes_are_printed_escaped(tmp_path, db_path, capsys):
    path = tmp_path / "evil\x1b]0;owned\x07\x1b[2J.csv"
    path.write_text("user_id,ts,kind\nu1,yesterday,click\n")
    assert main(["import", str(path), "--db", str(db_path)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "evil\\x1b]0;owned\\x07\\x1b[2J.csv" in err
    assert err.count("\n") == 1


def test_a_progress_bar_shows_a_name_as_text_not_as_markup(monkeypatch):
    """A replayed workflow's name is in the bar: "[/x]" must not crash rich's markup parser,
    nor "[link=…]" become a hyperlink, nor an escape sequence reach the terminal."""
    ui = Ui()
    ui.err = Console(file=io.StringIO(), force_terminal=True, width=200)
    monkeypatch.setattr(Ui, "interactive", property(lambda self: True))
    name = "'[/x] [link=http://evil.example]me[/link] \x1b]0;owned\x07'"
    with ui.progress(f"replaying {name}") as on_progress:
        on_progress(1, 2)
    shown = ui.err.file.getvalue()
    assert "[/x] [link=http://evil.example]me[/link]" in shown
    assert "\\x1b]0;owned" in shown and "\x1b]" not in shown  # no OSC: no title, no link
