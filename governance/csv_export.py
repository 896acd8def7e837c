"""The governance tables as CSV: one table a file, or every table in a zip.

Spreadsheets run a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and some
treat a leading tab or carriage return the same way) as a formula, so a policy
or principle title such as ``=HYPERLINK(...)`` could act when the file is
opened. Every text cell (titles, labels, column names) beginning with one of
those characters is written with a single quote in front, which spreadsheets
show as text. Numbers we computed ourselves are written as they are.

A table's note (which says that counts are rounded to the nearest 5 and 1 to
4 shown as "fewer than 5", so totals may not add up) follows the rows after a
blank line, so whoever opens the file reads it with the figures.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

from governance.figures import Cell, Figures, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(column) for column in table.columns])
    for row in table.rows:
        writer.writerow([neutralise(cell) for cell in row])
    if table.note:
        writer.writerow([])
        writer.writerow([neutralise(f"Note: {table.note}")])
    return buffer.getvalue()


def _file_name(key: str) -> str:
    return (re.sub(r"[^a-z0-9_-]+", "_", key.lower()).strip("_") or "table") + ".csv"


def figures_csv_zip(figures: Figures) -> bytes:
    """Every table of ``figures`` as ``<key>.csv`` in one zip (UTF-8 with a BOM, for Excel)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in figures.tables:
            archive.writestr(_file_name(table.key), table_csv(table).encode("utf-8-sig"))
    return buffer.getvalue()
