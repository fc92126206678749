"""CSV files the app writes (the auditors' decision trail, the public 360Giving data): one writer, so every text
cell of every CSV is safe to open in a spreadsheet.

A text cell starting with = + - @ tab or carriage return is run as a formula by Excel, LibreOffice and Google
Sheets (`=HYPERLINK(...)` as a group's name becomes a live link); such a cell gets a leading apostrophe, which
spreadsheets read as "this is text" and do not show. Numbers are left as they are: they are data, not text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula: text starting with = + - @ tab or CR gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """Rows as CSV text (CRLF line ends, as RFC 4180 says), every cell through `formula_safe`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([formula_safe(cell) for cell in row])
    return out.getvalue()
