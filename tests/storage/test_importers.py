"""Importers: each format reads right, keeps provenance and extras; bad input changes nothing."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from storage.errors import ImportFormatError
from storage.exporters import write_parquet, write_xes
from storage.importers import (
    column_map,
    detect_format,
    import_logs,
    load_column_map,
    read_log,
)
from storage.importers.actionlogger import ACTIONLOGGER_COLUMNS
from storage.importers.smartrpa import read_smartrpa
from storage.store import open_store
from taskmine.cli import main
from tests.paths import REPO, UI_LOGS

# -- small valid inputs, one per format ------------------------------------------------

ROWS = [  # (timestamp, user, kind, value); rows 1 and 2 tie in time
    ("2024-03-01T09:00:00.000Z", "u1", "clickButton", "Invoices"),
    ("2024-03-01T09:00:05.250Z", "u1", "insertValue", "INV-1001"),
    ("2024-03-01T09:00:05.250Z", "u1", "copy", "Müller GmbH"),
    ("2024-03-01T09:00:09.000Z", "u2", "paste", "Müller GmbH"),
]
GENERIC_MAP = """
[columns]
ts = "When"
kind = "Action"
user_id = "Who"
text = "Value"
"""


def _actionlogger(rows=ROWS) -> str:
    lines = [",".join(ACTIONLOGGER_COLUMNS) + ",Task"]
    for ts, user, kind, value in rows:
        fields = dict.fromkeys(ACTIONLOGGER_COLUMNS, "")
        fields |= {"timeStamp": ts, "userID": user, "eventType": kind, "target.value": value}
        fields["targetApp"] = "Chrome"
        lines.append(",".join(list(fields.values()) + ["invoice"]))
    return "\n".join(lines) + "\n"


def _smartrpa(rows=ROWS) -> str:
    header = "timestamp,user,category,application,event_type,clipboard_content,mouse_coord"
    body = [
        f'{ts[:10]} {ts[11:19]}:{ts[20:23]},{user},Browser,Chrome,{kind},{value},"10,20"'
        for ts, user, kind, value in rows
    ]
    return "\ufeff" + "\n".join([header, *body]) + "\n"


def _generic(rows=ROWS) -> str:
    body = [
        f"{ts},{user},{kind},{value},extra{i}" for i, (ts, user, kind, value) in enumerate(rows)
    ]
    return "\n".join(["When,Who,Action,Value,Note", *body]) + "\n"


def _events_frame(rows=ROWS) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts": [datetime.fromisoformat(r[0].replace("Z", "")) for r in rows],
            "user_id": [r[1] for r in rows],
            "kind": [r[2] for r in rows],
            "text": [r[3] for r in rows],
        }
    )


def _write_input(tmp_path: Path, fmt: str) -> tuple[Path, str | None]:
    """A valid file of ``fmt`` and, for generic CSV, its column map file."""
    if fmt == "parquet":
        path = tmp_path / "log.parquet"
        write_parquet(path, _events_frame())
        return path, None
    if fmt == "xes":
        path = tmp_path / "log.xes"
        write_xes(path, _events_frame().with_columns(case=pl.col("user_id")), case="case")
        return path, None
    text = {"actionlogger": _actionlogger, "smartrpa": _smartrpa, "csv": _generic}[fmt]()
    path = tmp_path / f"{fmt}.csv"
    path.write_text(text, encoding="utf-8")
    if fmt != "csv":
        return path, None
    cmap = tmp_path / "map.toml"
    cmap.write_text(GENERIC_MAP, encoding="utf-8")
    return path, str(cmap)


FORMATS = ["actionlogger", "smartrpa", "csv", "xes", "parquet"]


def _import(db_path: Path, paths: Path | list[Path], cmap: str | None, fmt: str = "auto"):
    paths = paths if isinstance(paths, list) else [paths]
    with open_store(db_path) as store:
        return import_logs(store, paths, fmt, load_column_map(cmap) if cmap else None)


def _snapshot(db_path: Path) -> dict[str, list]:
    """Every row of every recording table, to compare a database before and after."""
    with open_store(db_path, read_only=True) as store:
        return {
            t: store.query(f"SELECT * FROM {t} ORDER BY ALL").rows()
            for t in ("events", "sessions", "screenshots", "imports", "schema_version")
        }


# -- reading ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_is_detected_and_imported_in_file_order(tmp_path, db_path, fmt):
    path, cmap = _write_input(tmp_path, fmt)
    assert detect_format(path, load_column_map(cmap) if cmap else None) == fmt
    [result] = _import(db_path, path, cmap)
    assert (result.fmt, result.n_events) == (fmt, len(ROWS))
    with open_store(db_path) as store:
        got = store.read_events(["user_id", "ts", "kind", "text", "source_file", "source_row"])
    # Rows 1 and 2 tie in time: file order decides, and source_row says where each came from.
    assert got["kind"].to_list() == [r[2] for r in ROWS]
    assert got["source_row"].to_list() == [0, 1, 2, 3]
    assert got["ts"][1] == datetime(2024, 3, 1, 9, 0, 5, 250000)
    assert got["text"][2] == "Müller GmbH"
    assert set(got["source_file"]) == {str(path.resolve())}


@pytest.mark.parametrize(
    ("fmt", "extra"),
    [
        ("actionlogger", {"Task": "invoice"}),
        ("smartrpa", {"category": "Browser", "mouse_coord": "10,20"}),
        ("csv", {"Note": "extra0"}),
    ],
)
def test_columns_without_a_field_are_kept_in_attrs(tmp_path, db_path, fmt, extra):
    path, cmap = _write_input(tmp_path, fmt)
    _import(db_path, path, cmap)
    with open_store(db_path) as store:
        attrs = json.loads(store.read_events(["attrs"])["attrs"][0])
    assert extra.items() <= attrs.items()


def test_actionlogger_keeps_the_fallback_value_column_too(tmp_path):
    path, _ = _write_input(tmp_path, "actionlogger")
    events = read_log(path).events
    assert events["text"].to_list() == [r[3] for r in ROWS]  # content empty: target.value
    assert json.loads(events["attrs"][0])["target.value"] == "Invoices"


def test_column_map_overlay_adds_ground_truth_to_a_known_format(tmp_path):
    path, _ = _write_input(tmp_path, "actionlogger")
    events = read_log(path, cmap=column_map({"truth_process": "Task"})).events
    assert events["truth_process"].to_list() == ["invoice"] * len(ROWS)
    assert "Task" not in json.loads(events["attrs"][0])


def test_timezone_of_naive_timestamps_comes_from_the_map(tmp_path):
    path = tmp_path / "local.csv"
    path.write_text("When,Who,Action\n2024-07-01 11:00:00,u1,click\n", encoding="utf-8")
    cmap = tmp_path / "map.toml"
    cmap.write_text(
        GENERIC_MAP.replace('text = "Value"', "") + '[timestamp]\ntimezone = "Europe/Rome"\n',
        encoding="utf-8",
    )
    events = read_log(path, "csv", load_column_map(cmap)).events
    assert events["ts"][0] == datetime(2024, 7, 1, 9, 0, 0)  # CEST is UTC+2


def test_reimporting_the_same_content_adds_nothing(tmp_path, db_path):
    path, cmap = _write_input(tmp_path, "csv")
    _import(db_path, path, cmap)
    [again] = _import(db_path, path, cmap)
    assert again.already_imported and again.n_events == 0
    with open_store(db_path) as store:
        assert store.count("events") == len(ROWS)


def test_public_cpn_log_imports_with_the_committed_map(db_path):
    path = UI_LOGS / "cpn_log1_segmented.csv"
    cmap = REPO / "sample_logs" / "maps" / "cpn_log.toml"
    [result] = _import(db_path, path, str(cmap), "csv")
    assert result.n_events == 1400
    with open_store(db_path) as store:
        got = store.query(
            "SELECT source_row, kind, text, truth_instance FROM events ORDER BY event_id"
        )
    assert got["source_row"].to_list() == list(range(1400))
    # Data row 3 is line 5 of the file: caseID 0, insertValue of the password.
    assert got.row(3) == (3, "insertValue", "LittleFrank123", "0")


def test_public_actionlogger_log_imports_with_truth_columns(db_path):
    cmap = REPO / "sample_logs" / "maps" / "cpn_mixed.toml"
    [result] = _import(db_path, UI_LOGS / "cpn_mixed.csv", str(cmap))
    assert (result.fmt, result.n_events) == ("actionlogger", 4638)
    with open_store(db_path) as store:
        got = store.query(
            "SELECT count(DISTINCT user_id), count(DISTINCT truth_instance) "
            "FILTER (WHERE truth_process <> '__noise__') FROM events"
        )
    assert got.row(0) == (2, 400)


def test_folder_import_takes_recording_files_with_their_sidecars(tmp_path, db_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    sessions = pl.DataFrame({"session_id": ["s1"], "user_id": ["u1"]})
    shots = pl.DataFrame(
        {"screenshot_id": [7], "ts": [datetime(2024, 3, 1, 9)], "format": ["png"], "image": [b"x"]}
    )
    events = _events_frame().with_columns(session_id=pl.lit("s1"), screenshot_id=pl.lit(7))
    write_parquet(spool / "0001.parquet", events, sessions=sessions, screenshots=shots)
    write_parquet(spool / "0002.parquet", _events_frame())
    with open_store(db_path) as store:
        results = import_logs(store, [spool])
        assert [r.path.name for r in results] == ["0001.parquet", "0002.parquet"]
        assert store.count("events") == 2 * len(ROWS)
        shot_id = store.query("SELECT screenshot_id FROM events LIMIT 1").item()
        assert store.screenshot(shot_id) == ("png", b"x")
        assert store.count("sessions") == 1


# -- bad input: a clear error and an unchanged database -----------------------------


def _corrupt_csv(fmt: str, problem: str, tmp_path: Path) -> tuple[bytes, int | None, str]:
    """Bytes of a broken file, the line the error must name, and words it must say."""
    good = {"actionlogger": _actionlogger, "smartrpa": _smartrpa, "csv": _generic}[fmt]
    if problem == "bad timestamp":
        rows = [ROWS[0], ("2024-13-01T25:00:00Z", *ROWS[1][1:]), *ROWS[2:]]
        return good(rows).encode(), 3, "2024-13-01"
    if problem == "missing column":
        text = good().replace("timeStamp", "Time").replace("timestamp", "time")
        return text.replace("When", "Date").encode(), 1, "missing required column"
    if problem == "wrong encoding":
        return (
            good().encode("utf-8").replace("Müller".encode(), "Müller".encode("latin-1")),
            4,
            "not UTF-8",
        )
    if problem == "truncated":
        data = good().encode()
        return data[: len(data) - 12], 5, "truncated"
    return b"", None, "empty"


def _corrupt_other(fmt: str, problem: str, tmp_path: Path) -> tuple[bytes, int | None, str]:
    good, _ = _write_input(tmp_path / "good", fmt)
    data = good.read_bytes()
    if fmt == "xes":
        if problem == "bad timestamp":
            return (
                data.replace(b"2024-03-01T09:00:05.250000", b"yesterday", 1),
                15,
                "ts is empty (no valid value in 'time:timestamp')",
            )
        if problem == "missing column":
            return (
                data.replace(b'key="concept:name"', b'key="label"'),
                None,
                "missing required column 'concept:name'",
            )
        if problem == "wrong encoding":
            return data.replace("Müller".encode(), "Müller".encode("latin-1"), 1), 25, "not UTF-8"
        if problem == "truncated":
            cut = data[: len(data) // 2]
            return cut, cut.count(b"\n") + 1, "truncated"
        return b"", None, "empty"
    frame = _events_frame()
    buffer = tmp_path / "tmp.parquet"
    if problem == "bad timestamp":
        frame.with_columns(ts=pl.Series(["2024-03-01 09:00:00", "soon", None, None])).write_parquet(
            buffer
        )
        return buffer.read_bytes(), None, "data row 1: ts value 'soon' is not valid"
    if problem == "missing column":
        frame.drop("kind").write_parquet(buffer)
        return buffer.read_bytes(), None, "missing required column 'kind'"
    if problem == "wrong encoding":
        return _generic().encode(), None, "not a readable Parquet file"
    if problem == "truncated":
        return data[: len(data) // 2], None, "truncated"
    return b"", None, "empty"


PROBLEMS = ["bad timestamp", "missing column", "wrong encoding", "truncated", "empty"]


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_input_names_file_line_and_problem_and_changes_nothing(tmp_path, db_path, fmt, problem):
    (tmp_path / "good").mkdir()
    good, cmap = _write_input(tmp_path / "good", fmt)
    _import(db_path, good, cmap)  # the database already holds one import
    before = _snapshot(db_path)

    corrupt = _corrupt_csv if fmt in ("actionlogger", "smartrpa", "csv") else _corrupt_other
    data, line, words = corrupt(fmt, problem, tmp_path)
    bad = tmp_path / f"bad{good.suffix}"
    bad.write_bytes(data)
    with pytest.raises(ImportFormatError) as caught:
        _import(db_path, bad, cmap)  # format detected, as by default

    message = str(caught.value)
    assert str(bad) in message and words in message
    assert caught.value.line == line
    if line is not None:
        assert f"line {line} of {bad}" in message
    assert _snapshot(db_path) == before


def test_one_bad_file_among_several_imports_none(tmp_path, db_path):
    good, cmap = _write_input(tmp_path, "csv")
    bad = tmp_path / "bad.csv"
    bad.write_text(_generic().replace("INV-1001,extra1", "INV-1001"), encoding="utf-8")
    open_store(db_path).close()
    before = _snapshot(db_path)
    with pytest.raises(ImportFormatError, match="line 3 of .*bad.csv: the row has 4 columns"):
        _import(db_path, [good, bad], cmap)
    assert _snapshot(db_path) == before


def test_cli_reports_bad_input_in_one_line_and_exits_1(tmp_path, db_path, capsys):
    path = tmp_path / "log.csv"
    path.write_text(_actionlogger([ROWS[0], ("01/03/2024 9am", "u1", "click", "x")]))
    code = main(["import", str(path), "--db", str(db_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"error: line 3 of {path}: ts value '01/03/2024 9am' is not valid")
    assert "Traceback" not in err


def test_cli_imports_and_says_how_many(tmp_path, db_path, capsys):
    path, cmap = _write_input(tmp_path, "csv")
    code = main(["import", str(path), "--db", str(db_path), "--column-map", cmap])
    assert code == 0
    assert f"imported 4 events from 1 file(s) into {db_path}" in capsys.readouterr().err


def test_unknown_csv_without_map_says_how_to_import_it(tmp_path):
    path, _ = _write_input(tmp_path, "csv")
    with pytest.raises(ImportFormatError, match="--column-map"):
        read_log(path)


def test_column_map_with_unknown_field_is_refused(tmp_path):
    cmap = tmp_path / "map.toml"
    cmap.write_text('[columns]\ntimestamp = "When"\n', encoding="utf-8")
    with pytest.raises(Exception, match="unknown event fields \\['timestamp'\\]"):
        load_column_map(cmap)


def test_line_numbers_count_quoted_values_that_span_lines(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text(
        'When,Who,Action,Value\n2024-03-01T09:00:00Z,u1,type,"two\nlines"\nnoon,u1,click,x\n',
        encoding="utf-8",
    )
    cmap = tmp_path / "map.toml"
    cmap.write_text(GENERIC_MAP, encoding="utf-8")
    with pytest.raises(ImportFormatError, match="line 4 of .*notes.csv: ts value 'noon'"):
        read_log(path, "csv", load_column_map(cmap))


def test_gzipped_xes_is_detected_and_read(tmp_path):
    plain, _ = _write_input(tmp_path, "xes")
    packed = tmp_path / "log.xes.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    log = read_log(packed)
    assert (log.fmt, log.events["kind"].to_list()) == ("xes", [r[2] for r in ROWS])


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("When,Who,Action,Value,Note\n", 2, "a header but no data rows"),
        ("When,Who,When,Value\n2024-03-01T09:00:00Z,u1,x,y\n", 1, "repeats the columns ['When']"),
        ("When,,Action\n2024-03-01T09:00:00Z,u1,x\n", 1, "header column 2 has no name"),
        (
            _generic() + "2024-03-01T09:00:00Z,u1,x,y,z,surplus\n",
            6,
            "has 6 columns, the header has 5",
        ),
        (_generic().replace(",u2,", ",,"), 5, "user_id is empty"),
    ],
)
def test_structural_csv_problems_are_named(tmp_path, text, line, words):
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    cmap = tmp_path / "map.toml"
    cmap.write_text(GENERIC_MAP, encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        read_log(path, "csv", load_column_map(cmap))
    assert caught.value.line == line
    assert words in str(caught.value)


def test_smartrpa_element_is_its_html_id_and_the_click_lands_at_mouse_coord(tmp_path):
    path = tmp_path / "fiori.csv"
    path.write_text(
        "\ufefftimestamp,user,category,application,event_type,mouse_coord,id,xpath,cell_range\n"
        '2020-02-12 17:11:14:465,u1,Browser,Chrome,clickButton,"412,233",__button17,/html/body,\n'
        "2020-02-12 17:11:15:000,u1,MicrosoftOffice,Microsoft Excel,getCell,,,,B7\n",
        encoding="utf-8",
    )
    events = read_smartrpa(path)
    assert events["element_id"].to_list() == ["__button17", "B7"]
    assert events["x"].to_list() == [412, None]
    assert events["y"].to_list() == [233, None]
    assert "412,233" in events["attrs"][0]  # the original column is kept
