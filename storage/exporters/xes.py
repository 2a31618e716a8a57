"""XES export (IEEE 1849), built as text column by column: no per-event Python work.

The kind is ``concept:name``, the time ``time:timestamp`` and the user ``org:resource``;
every other event column is an attribute of its own name, so `storage.importers.xes`
reads the file back into the same fields. The caller chooses the traces (``case``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from storage.exporters.files import write_atomically

_HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<string key="source" value="taskmine"/>
"""
_FOOTER = "</log>\n"

#: Event columns written under a standard XES key instead of their own name.
STANDARD_KEYS = {"kind": "concept:name", "ts": "time:timestamp", "user_id": "org:resource"}

# Characters XML 1.0 cannot hold at all, and whitespace an attribute value would lose.
_INVALID_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\n", "&#10;"),
    ("\r", "&#13;"),
    ("\t", "&#9;"),
)


def write_xes(path: str | Path, events: pl.DataFrame, case: str) -> None:
    """Write ``events`` as XES with one trace per value of column ``case``.

    Traces come in order of their first event and events keep the frame's order, so
    pass events ordered by time. Example: ``write_xes("log.xes", events, "day")``.
    """
    attributes = [
        _attribute(STANDARD_KEYS.get(name, name), name, dtype)
        for name, dtype in events.schema.items()
        if name != case
    ]
    body = (
        events.select(
            pl.col(case).cast(pl.String).alias("_case"),
            pl.concat_str(
                [pl.lit("\t\t<event>"), *attributes, pl.lit("\t\t</event>")],
                separator="\n",
                ignore_nulls=True,
            ).alias("_event"),
        )
        .group_by("_case", maintain_order=True)
        .agg(pl.col("_event").str.join("\n"))
        .select(
            pl.concat_str(
                [
                    pl.lit('\t<trace>\n\t\t<string key="concept:name" value="'),
                    _escape(pl.col("_case")),
                    pl.lit('"/>\n'),
                    pl.col("_event"),
                    pl.lit("\n\t</trace>"),
                ]
            )
        )
        .to_series()
    )

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(_HEADER)
            handle.write("\n".join(body.to_list()))
            handle.write("\n" + _FOOTER)

    write_atomically(path, write)


def _attribute(key: str, name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        tag, value = "date", col.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
    elif dtype.is_integer():
        tag, value = "int", col.cast(pl.String)
    elif dtype.is_float():
        tag, value = "float", col.cast(pl.String)
    elif dtype == pl.Boolean:
        tag, value = "boolean", col.cast(pl.String).str.to_lowercase()
    else:
        tag, value = "string", _escape(col.cast(pl.String))
    return pl.concat_str([pl.lit(f'\t\t\t<{tag} key="{key}" value="'), value, pl.lit('"/>')])


def _escape(text: pl.Expr) -> pl.Expr:
    text = text.str.replace_all(_INVALID_XML, "")
    for raw, entity in _ESCAPES:
        text = text.str.replace_all(raw, entity, literal=True)
    return text
