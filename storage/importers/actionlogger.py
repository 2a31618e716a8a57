"""Action Logger CSV (Leno et al.): the UI-log format of the RPM and SmartRPA research tools.

Event types keep their own names (``insertValue``, ``clickButton``…). ``content`` (the
clipboard) is the event's text, falling back to ``target.value`` (a typed value); every
other column, fallbacks included, is kept in ``attrs``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from storage.importers.columns import ColumnMap, column_map, map_columns
from storage.importers.csvlog import data_row_line, read_csv_raw
from storage.importers.default_user import fill_default_user

ACTIONLOGGER_COLUMNS = (
    "timeStamp",
    "userID",
    "targetApp",
    "eventType",
    "url",
    "content",
    "target.workbookName",
    "target.sheetName",
    "target.id",
    "target.class",
    "target.tagName",
    "target.type",
    "target.name",
    "target.value",
    "target.innerText",
    "target.checked",
    "target.href",
    "target.option",
    "target.title",
    "target.innerHTML",
)

#: Columns whose presence in a header identifies the format (``userID`` is often left out:
#: such rows get a default user, see `default_user`).
SIGNATURE = frozenset({"timeStamp", "targetApp", "eventType"})

ACTIONLOGGER_MAP = column_map(
    {
        "ts": "timeStamp",
        "user_id": "userID",
        "app": "targetApp",
        "kind": "eventType",
        "url": "url",
        "text": ["content", "target.value"],
        "window_title": "target.workbookName",
        "element_id": "target.id",
        "element_name": "target.name",
        "element_role": "target.tagName",
        "element_label": ["target.innerText", "target.title"],
    }
)


def read_actionlogger(path: str | Path, overlay: ColumnMap | None = None) -> pl.DataFrame:
    """Events of an Action Logger CSV; ``overlay`` adds or overrides mappings.

    Example: ``read_actionlogger("log.csv", column_map({"truth_process": "Task"}))``.
    """
    raw = fill_default_user(read_csv_raw(path), "userID", path, overlay)
    return map_columns(
        raw, ACTIONLOGGER_MAP.overlay(overlay), str(path), lambda row: data_row_line(path, row)
    )
