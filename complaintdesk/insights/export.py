"""CSV and XLSX export of tables, safe against formula (CSV) injection per OWASP.

Text cells starting with = + - @ TAB or CR get a leading apostrophe so spreadsheet programs show
them as text; real numbers (int, float, Decimal) are left alone so they stay numeric.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

__all__ = ["FORMULA_TRIGGERS", "iter_csv", "safe_cell", "write_csv", "write_xlsx", "xlsx_bytes"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise a text cell that a spreadsheet would evaluate; other types pass through."""
    if value is None or isinstance(value, bool | int | float | Decimal | datetime | date):
        return value
    text = str(value)
    # Leading spaces do not stop some spreadsheet programs from evaluating " =1+1".
    if text.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class _Line:
    """File-like sink that hands back what csv.writer wrote for one row."""

    def __init__(self) -> None:
        self.value = ""

    def write(self, s: str) -> int:
        self.value = s
        return len(s)


def iter_csv(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ",",
    bom: bool = False,
) -> Iterator[str]:
    """Yield the CSV one line at a time (for StreamingHttpResponse over big tables)."""
    sink = _Line()
    writer = csv.writer(sink, delimiter=delimiter, lineterminator="\r\n")
    first = True
    for row in _with_header(header, rows):
        writer.writerow([safe_cell(v) for v in row])
        # Excel guesses the legacy code page for Cyrillic unless the file starts with a BOM.
        yield ("\ufeff" + sink.value) if (first and bom) else sink.value
        first = False


def _with_header(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield header
    yield from rows


def write_csv(
    target: str | Path | IO[str],
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ",",
    bom: bool = True,
) -> None:
    """Write a whole CSV to a path (UTF-8) or an open text file."""
    lines = iter_csv(header, rows, delimiter=delimiter, bom=bom)
    if isinstance(target, str | Path):
        with open(target, "w", encoding="utf-8", newline="") as fh:
            fh.writelines(lines)
    else:
        target.writelines(lines)


def _xlsx_value(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    v = safe_cell(value)
    if isinstance(v, datetime) and v.tzinfo is not None:
        # XLSX has no time zones; openpyxl refuses aware datetimes.
        v = v.replace(tzinfo=None)
    if isinstance(v, Decimal):
        v = float(v)
    if isinstance(v, str):
        # Control characters make openpyxl raise; they carry nothing a reader needs.
        v = ILLEGAL_CHARACTERS_RE.sub("", v)
    return v


def write_xlsx(
    target: str | Path | IO[bytes],
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_title: str = "export",
) -> None:
    """Write an XLSX in openpyxl's write-only mode (constant memory for long tables)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    bold = Font(bold=True)
    head = []
    for h in header:
        cell = WriteOnlyCell(ws, value=_xlsx_value(h))
        cell.font = bold
        head.append(cell)
    ws.append(head)
    for row in rows:
        cells = []
        for v in row:
            cell = WriteOnlyCell(ws, value=_xlsx_value(v))
            if isinstance(cell.value, str):
                # openpyxl turns any string starting with "=" into a formula; force text.
                cell.data_type = "s"
            cells.append(cell)
        ws.append(cells)
    wb.save(target)


def xlsx_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """The XLSX as bytes (for an HTTP response)."""
    buf = io.BytesIO()
    write_xlsx(buf, header, rows)
    return buf.getvalue()
