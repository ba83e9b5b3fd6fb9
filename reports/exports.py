"""Write report rows as CSV, XLSX or HXL CSV (a hashtag row under the header).

Columns are declared once per report (key, header, HXL hashtag); every format
writes the same columns in the same order. Text that a spreadsheet would run as a
formula (=, +, -, @ first) is neutralised.
"""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "hxl": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    hxl: str

    def value(self, row):
        value = row.get(self.key) if isinstance(row, dict) else getattr(row, self.key)
        return value() if callable(value) else value


def _cell_text(value):
    """Return a value as CSV text: ISO dates, plain decimals, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return str(value)


def write_csv(columns, rows, *, hxl=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.header for column in columns])
    if hxl:
        writer.writerow([column.hxl for column in columns])
    for row in rows:
        writer.writerow([_cell_text(column.value(row)) for column in columns])
    return buffer.getvalue().encode("utf-8")


def write_xlsx(sheets):
    """Return a workbook with one sheet per (title, columns, rows)."""
    workbook = Workbook(write_only=True)
    for title, columns, rows in sheets:
        _write_sheet(workbook.create_sheet(title=title[:31]), columns, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet, columns, rows):
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for column in columns:
            value = column.value(row)
            if isinstance(value, bool):
                value = "yes" if value else "no"
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)


def export_response(export_format, columns, rows, *, filename, title, extra_sheets=()):
    """Return an attachment response with the rows in `export_format` (csv, xlsx, hxl).

    `extra_sheets` ((title, columns, rows), ...) are added to an XLSX workbook only.
    """
    if export_format == "xlsx":
        content = write_xlsx([(title, columns, rows), *extra_sheets])
    else:
        content = write_csv(columns, rows, hxl=export_format == "hxl")
    extension = "xlsx" if export_format == "xlsx" else "csv"
    suffix = "-hxl" if export_format == "hxl" else ""
    response = HttpResponse(content, content_type=CONTENT_TYPES[export_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}{suffix}.{extension}"'
    response["Cache-Control"] = "no-store"
    return response
