"""Action Logger and SmartRPA logs without user ids import under a default user, with a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.errors import ImportFormatError
from storage.importers import DefaultUserWarning, import_logs, load_column_map, read_log
from storage.importers.actionlogger import read_actionlogger
from storage.store import open_store
from taskmine.cli import main

ACTIONLOGGER_HEADER = "timeStamp,userID,targetApp,eventType,target.id,target.value"
ACTIONLOGGER_ROWS = [
    "2024-03-01T09:00:00.000Z,{u},Excel,getCell,A2,Rome",
    "2024-03-01T09:00:02.500Z,{u},Excel,copyCell,A2,Rome",
    "2024-03-01T09:00:04.000Z,{u},Chrome,paste,city,Rome",
    "2024-03-01T09:00:06.000Z,{u},Chrome,clickButton,submit,",
]


def _actionlogger(tmp_path: Path, users: list[str] | None, name: str = "leno_rec.csv") -> Path:
    """An Action Logger file; ``users`` None drops the userID column altogether."""
    if users is None:
        header = ACTIONLOGGER_HEADER.replace("userID,", "")
        rows = [r.replace("{u},", "") for r in ACTIONLOGGER_ROWS]
    else:
        header = ACTIONLOGGER_HEADER
        rows = [r.format(u=u) for r, u in zip(ACTIONLOGGER_ROWS, users, strict=True)]
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _users(db_path: Path) -> list[str]:
    with open_store(db_path, read_only=True) as store:
        return store.query("SELECT user_id FROM events ORDER BY source_row")["user_id"].to_list()


def test_a_log_without_a_user_column_imports_under_the_file_name(tmp_path, db_path):
    path = _actionlogger(tmp_path, None)
    with open_store(db_path) as store:
        [result] = import_logs(store, [path])
    assert (result.fmt, result.n_events) == ("actionlogger", 4)
    assert _users(db_path) == ["leno_rec"] * 4
    [note] = result.notes
    assert "4 of 4 rows have no userID column" in note
    assert "'leno_rec'" in note and '[constants] user_id = "NAME"' in note


def test_only_the_rows_with_an_empty_user_get_the_default(tmp_path, db_path):
    path = _actionlogger(tmp_path, ["u1", "", "  ", "u2"])
    with open_store(db_path) as store:
        [result] = import_logs(store, [path])
    assert _users(db_path) == ["u1", "leno_rec", "leno_rec", "u2"]
    [note] = result.notes
    assert "2 of 4 rows have an empty userID" in note


def test_blank_rows_of_a_one_person_recording_are_that_persons(tmp_path, db_path):
    path = _actionlogger(tmp_path, ["u1", "", "u1", "u1"])
    with open_store(db_path) as store:
        [result] = import_logs(store, [path])
    assert _users(db_path) == ["u1"] * 4
    [note] = result.notes
    assert "1 of 4 rows have an empty userID; imported under the user 'u1'" in note


def test_a_complete_log_imports_without_a_note(tmp_path, db_path):
    path = _actionlogger(tmp_path, ["u1", "u1", "u2", "u2"])
    with open_store(db_path) as store:
        [result] = import_logs(store, [path])
    assert result.notes == ()
    assert _users(db_path) == ["u1", "u1", "u2", "u2"]


def test_reading_directly_warns_with_a_python_warning(tmp_path):
    path = _actionlogger(tmp_path, None)
    with pytest.warns(DefaultUserWarning, match="4 of 4 rows"):
        events = read_actionlogger(path)
    assert events["user_id"].to_list() == ["leno_rec"] * 4


def test_a_smartrpa_log_without_a_user_column_is_detected_and_imported(tmp_path, db_path):
    path = tmp_path / "smart.csv"
    path.write_text(
        "\ufefftimestamp,category,application,event_type,tag_value,mouse_coord\n"
        '2020-02-12 17:11:14:465,Browser,Chrome,clickButton,,"10,20"\n'
        '2020-02-12 17:11:16:002,Browser,Chrome,changeField,Rome,"40,80"\n',
        encoding="utf-8",
    )
    with open_store(db_path) as store:
        [result] = import_logs(store, [path])
    assert (result.fmt, result.n_events) == ("smartrpa", 2)
    assert _users(db_path) == ["smart", "smart"]
    assert "2 of 2 rows have no user column" in result.notes[0]


def test_a_user_map_constant_wins_and_no_default_is_used(tmp_path, db_path):
    path = _actionlogger(tmp_path, ["u1", "", "", "u2"])
    cmap = tmp_path / "user.toml"
    cmap.write_text('[constants]\nuser_id = "alice"\n', encoding="utf-8")
    with open_store(db_path) as store:
        [result] = import_logs(store, [path], "actionlogger", load_column_map(cmap))
    assert result.notes == ()
    assert _users(db_path) == ["alice"] * 4


def test_a_user_map_column_keeps_its_rule_that_every_row_needs_a_user(tmp_path):
    path = _actionlogger(tmp_path, ["u1", "", "u2", "u2"])
    cmap = tmp_path / "user.toml"
    cmap.write_text('[columns]\nuser_id = "userID"\n', encoding="utf-8")
    with pytest.raises(ImportFormatError, match="line 3 .*user_id is empty"):
        read_log(path, "actionlogger", load_column_map(cmap))


def test_the_cli_prints_the_warning_in_one_line(tmp_path, db_path, capsys):
    path = _actionlogger(tmp_path, None)
    code = main(["import", str(path), "--db", str(db_path)])
    err = capsys.readouterr().err
    assert code == 0
    [warning] = [line for line in err.splitlines() if line.startswith("warning:")]
    assert "4 of 4 rows" in warning and "user_id" in warning
    assert "imported 4 events" in err
