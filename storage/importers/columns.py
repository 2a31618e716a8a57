"""Column maps: how the columns of an input log become the columns of ``events``.

Every importer reads its file into a *raw frame* (one column per input column, in file
order) and hands it here with a `ColumnMap`. Mapping is vectorised: timestamps and
numbers are parsed for the whole column at once, and the first value that does not parse
is reported with its line. Input columns that no event field takes as first choice are
folded into the JSON ``attrs`` column, so nothing the input said is dropped.

A column map file (``--column-map``) is a small TOML file::

    [columns]                  # event field = input column, or a list: first non-empty wins
    ts = "timeStamp"
    kind = "eventType"
    app = "source"
    text = ["Value", "content"]
    truth_instance = "caseID"  # ground truth: mining never reads truth_* columns

    [constants]                # a value for every event, for fields the file lacks;
    user_id = "{file}"         # {file} is the input file's name without its suffix

    [timestamp]
    format = "%Y-%m-%d %H:%M:%S"  # strftime-style; default: ISO 8601 and common variants
    timezone = "Europe/Rome"      # zone of timestamps written without an offset; default UTC
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from storage.errors import ConfigError, ImportFormatError
from storage.importers.checks import (
    TIME_WINDOW,
    check_width,
    first_invalid_json_object,
    first_outside_time_window,
    shown,
)
from storage.models import EVENT_SCHEMA, REQUIRED_EVENT_COLUMNS

#: Event fields an input column can be mapped to (ids and provenance are ours to assign).
MAPPABLE_FIELDS = tuple(
    name for name in EVENT_SCHEMA if name not in ("event_id", "source_file", "source_row")
)

#: Timestamp layouts tried when the map names none; each value takes the first that fits.
TIMESTAMP_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%#z",  # ISO 8601 with Z or an offset
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S:%3f",  # SmartRPA: milliseconds after a colon
)

#: Gives the line of the input holding a data row, or None where lines mean nothing.
Locate = Callable[[int], int | None]


@dataclass(frozen=True)
class ColumnMap:
    """Which input columns feed which event field, plus constants and timestamp rules."""

    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    ts_format: str | None = None
    timezone: str = "UTC"

    def overlay(self, other: ColumnMap | None) -> ColumnMap:
        """This map with ``other``'s entries taking precedence (a user map over a built-in)."""
        if other is None:
            return self
        columns = {k: v for k, v in self.columns.items() if k not in other.constants}
        constants = {k: v for k, v in self.constants.items() if k not in other.columns}
        return replace(
            self,
            columns=columns | other.columns,
            constants=constants | other.constants,
            ts_format=other.ts_format or self.ts_format,
            timezone=other.timezone if other.timezone != "UTC" else self.timezone,
        )


def column_map(columns: dict[str, str | list[str]], **kwargs: object) -> ColumnMap:
    """Build a `ColumnMap` from plain values, as the built-in maps and TOML files give them."""
    unknown = set(columns) - set(MAPPABLE_FIELDS)
    if unknown:
        raise ConfigError(
            f"unknown event fields {sorted(unknown)} in column map",
            f"map to any of: {', '.join(MAPPABLE_FIELDS)}",
        )
    normal = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in columns.items()}
    return ColumnMap(columns=normal, **kwargs)  # type: ignore[arg-type]


def load_column_map(path: str | Path) -> ColumnMap:
    """Read a column map TOML file; unknown sections, keys or fields are refused."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"column map {path} does not exist") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"column map {path} is not valid TOML ({exc})") from exc
    unknown = set(data) - {"columns", "constants", "timestamp"}
    ts = data.get("timestamp", {})
    unknown |= {f"timestamp.{k}" for k in set(ts) - {"format", "timezone"}}
    constants = data.get("constants", {})
    unknown |= {f"constants.{k}" for k in set(constants) - set(MAPPABLE_FIELDS)}
    if unknown:
        raise ConfigError(
            f"column map {path} has unknown keys {sorted(unknown)}",
            "allowed: [columns] and [constants] with event field names, "
            "[timestamp] format and timezone",
        )
    try:
        return column_map(
            data.get("columns", {}),
            constants={k: str(v) for k, v in constants.items()},
            ts_format=ts.get("format"),
            timezone=ts.get("timezone", "UTC"),
        )
    except ConfigError as exc:
        raise ConfigError(f"column map {path}: {exc}") from exc


def map_columns(
    raw: pl.DataFrame,
    cmap: ColumnMap,
    path: str,
    locate: Locate,
    header_line: int | None = 1,
) -> pl.DataFrame:
    """Turn a raw frame into event columns with ``source_row`` and ``attrs``.

    Raises `ImportFormatError` naming the file, the line and the problem when a required
    field has no column or no value, or a value does not parse. ``locate`` gives the line
    of a data row, called only on error; when it gives None the row number is named.
    ``header_line`` is where a missing column or too wide a header is reported (None: a
    format without lines).
    """
    check_width(raw.width, path, header_line)
    where = _Where(path, locate)
    # Provenance is this file's now; an earlier origin (an export re-imported) goes to
    # attrs. Event ids belong to the database that wrote them.
    raw = raw.drop("event_id", strict=False).rename(
        {"source_file": "origin_file", "source_row": "origin_row"}, strict=False
    )
    _check_required(raw, cmap, path, header_line)
    exprs = [
        _field_expr(raw, name, sources)
        for name, sources in cmap.columns.items()
        if any(s in raw.columns for s in sources)
    ]
    stem = Path(path).stem
    exprs += [
        pl.lit(value.replace("{file}", stem), pl.String).alias(name)
        for name, value in cmap.constants.items()
    ]
    picked = raw.select(exprs) if exprs else pl.DataFrame()
    events = picked.with_columns(
        [
            _parse(picked, name, cmap, where)
            for name in picked.columns
            if EVENT_SCHEMA[name] != pl.String
        ]
    )
    _check_values(events, cmap, where)
    _check_sane(events, where)
    return events.with_columns(
        source_row=pl.int_range(raw.height, dtype=pl.Int64),
        attrs=_attrs(raw, cmap, events),
    )


@dataclass(frozen=True)
class _Where:
    """Builds the error for a bad value in data row ``row`` of ``path``."""

    path: str
    locate: Locate

    def error(self, row: int, problem: str) -> ImportFormatError:
        line = self.locate(row)
        if line is None:
            problem = f"data row {row}: {problem}"
        return ImportFormatError(self.path, problem, line=line)


def _check_required(raw: pl.DataFrame, cmap: ColumnMap, path: str, header_line: int | None) -> None:
    for name in REQUIRED_EVENT_COLUMNS:
        if name in cmap.constants:
            continue
        sources = cmap.columns.get(name, ())
        if not any(s in raw.columns for s in sources):
            wanted = " or ".join(repr(s) for s in sources) or f"a column for {name}"
            raise ImportFormatError(
                path,
                f"missing required column {wanted} (event field {name})",
                line=header_line,
                hint="add the column, or map or set it with --column-map (see sample_logs/maps/)",
            )


def _field_expr(raw: pl.DataFrame, name: str, sources: tuple[str, ...]) -> pl.Expr:
    schema = raw.schema
    present = [s for s in sources if s in schema]
    return pl.coalesce([_blank_to_null(s, schema[s]) for s in present]).alias(name)


def _blank_to_null(column: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(column)
    if dtype == pl.String:
        return pl.when(col.str.strip_chars() == "").then(None).otherwise(col)
    return col


def _parse(frame: pl.DataFrame, name: str, cmap: ColumnMap, where: _Where) -> pl.Series:
    values = frame[name]
    target = EVENT_SCHEMA[name]
    if target == pl.Datetime("us"):
        parsed = _parse_timestamps(values, cmap)
        expected = (
            f"expected the format {cmap.ts_format!r}"
            if cmap.ts_format
            else "expected ISO 8601 such as 2024-03-01T09:00:00Z, or set the layout "
            "with [timestamp] format in a column map"
        )
    else:
        parsed = values.cast(target, strict=False)
        expected = f"expected {target}"
    bad = values.is_not_null() & parsed.is_null()
    if bad.any():
        row = int(bad.arg_max())  # type: ignore[arg-type]
        raise where.error(row, f"{name} value {shown(values[row])} is not valid; {expected}")
    return parsed.alias(name)


def _parse_timestamps(values: pl.Series, cmap: ColumnMap) -> pl.Series:
    """Naive UTC timestamps; values without an offset are taken in ``cmap.timezone``."""
    if isinstance(values.dtype, pl.Datetime):
        if values.dtype.time_zone is None:
            return _naive_utc(values.cast(pl.Datetime("us")), cmap.timezone)
        return values.dt.convert_time_zone("UTC").dt.replace_time_zone(None).cast(pl.Datetime("us"))
    text = values.cast(pl.String).str.strip_chars()
    formats = [cmap.ts_format] if cmap.ts_format else _likely_first(text, TIMESTAMP_FORMATS)
    result = None
    for fmt in formats:  # a fallback parses the whole column again: stop once all parsed
        parsed = _parse_format(text, fmt, cmap.timezone)
        result = parsed if result is None else result.fill_null(parsed)
        if not (text.is_not_null() & result.is_null()).any():
            break
    return result


def _likely_first(text: pl.Series, formats: tuple[str, ...]) -> list[str]:
    """``formats`` with the one that parses the first value moved to the front."""
    first = text.drop_nulls().head(1)
    fits = [f for f in formats if _parse_format(first, f, "UTC").null_count() == 0]
    return fits[:1] + [f for f in formats if f not in fits[:1]]


def _parse_format(text: pl.Series, fmt: str, timezone: str) -> pl.Series:
    parsed = text.str.to_datetime(fmt, strict=False, time_unit="us")
    if parsed.dtype.time_zone is not None:  # type: ignore[union-attr]
        return parsed.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return _naive_utc(parsed, timezone)


def _naive_utc(values: pl.Series, timezone: str) -> pl.Series:
    if timezone == "UTC":
        return values
    return (
        values.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
    )


def _check_values(events: pl.DataFrame, cmap: ColumnMap, where: _Where) -> None:
    """Every required field has a value on every row."""
    for name in REQUIRED_EVENT_COLUMNS:
        missing = events[name].is_null()
        if missing.any():
            row = int(missing.arg_max())  # type: ignore[arg-type]
            sources = " or ".join(repr(s) for s in cmap.columns.get(name, ()))
            raise where.error(row, f"{name} is empty (no valid value in {sources})")


def _check_sane(events: pl.DataFrame, where: _Where) -> None:
    """Timestamps inside the time window; a mapped ``attrs`` is a JSON object."""
    row = first_outside_time_window(events["ts"])
    if row is not None:
        raise where.error(row, f"ts {events['ts'].cast(pl.String)[row]} is outside {TIME_WINDOW}")
    if "attrs" in events.columns:
        row = first_invalid_json_object(events["attrs"])
        if row is not None:
            value = shown(events["attrs"][row])
            raise where.error(row, f"attrs value {value} is not a JSON object")


def _attrs(raw: pl.DataFrame, cmap: ColumnMap, events: pl.DataFrame) -> pl.Series:
    """JSON of the non-empty values of input columns that no field took first.

    A mapped ``attrs`` (our own files) is merged in. Rows with nothing extra get null.
    """
    taken = {sources[0] for sources in cmap.columns.values()}
    # One '"name":value' member per non-empty value; the encoder escapes names and values.
    schema = raw.schema
    members = [
        pl.when(_blank_to_null(c, dtype).is_not_null()).then(_json_member(pl.col(c)))
        for c, dtype in schema.items()
        if c not in taken
    ]
    frame = raw.select(members) if members else pl.DataFrame(height=raw.height)
    if "attrs" in events.columns:
        # the members of a JSON object (`_check_sane` made sure it is one); the blanks
        # JSON allows around and inside the braces must not end up beside a comma
        mapped = events["attrs"].str.strip_chars()
        inner = mapped.str.slice(1).str.head(-1).str.strip_chars()
        frame = frame.with_columns(pl.select(inner.alias("_attrs")).to_series())
    if not frame.width:
        return pl.repeat(None, raw.height, dtype=pl.String, eager=True)
    joined = pl.concat_str(
        [pl.when(pl.col(c) != "").then(pl.col(c)) for c in frame.columns],
        separator=",",
        ignore_nulls=True,
    )
    return frame.select(
        pl.when(joined != "").then(pl.concat_str([pl.lit("{"), joined, pl.lit("}")]))
    ).to_series()


def _json_member(col: pl.Expr) -> pl.Expr:
    return pl.struct(col).struct.json_encode().str.slice(1).str.head(-1)
