"""Write report rows as CSV, XLSX or HXL CSV (a hashtag row under the header).

Columns are declared once per report (key, header, HXL hashtag); every format
writes the same columns in the same order. No text cell can run as a formula. In CSV
a quote goes before each piece of text a spreadsheet could read as the start of one:
at the start of the cell, or after any character some locale splits fields on (Excel
in a semicolon locale reads "Kit;=1+1;" as "Kit", "=1+1" and ""), full-width forms
included (NFKC folds them to ASCII). In XLSX every text cell is typed as text, which
no spreadsheet evaluates. Numbers stay numbers, negative ones included.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from core.spreadsheets import neutralise, starts_formula

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "hxl": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NUMBERS = (int, float, Decimal)


@dataclass(frozen=True)
class Column:
    """One exported column; `key` may be a dotted path ("people.total") into the row."""

    key: str
    header: str
    hxl: str

    def value(self, row):
        value = row
        for part in self.key.split("."):
            value = value.get(part) if isinstance(value, dict) else getattr(value, part)
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
    if isinstance(value, NUMBERS):
        return str(value)
    return neutralise(str(value))


def write_csv(columns, rows, *, hxl=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_cell_text(column.header) for column in columns])
    if hxl:
        writer.writerow([_cell_text(column.hxl) for column in columns])
    for row in rows:
        writer.writerow([_cell_text(column.value(row)) for column in columns])
    return buffer.getvalue().encode("utf-8")


def write_xlsx(sheets):
    """Return a workbook with one sheet per (title, columns, rows)."""
    workbook = Workbook(write_only=True)
    for title, columns, rows in sheets:
        _write_sheet(workbook.create_sheet(title=_sheet_title(title)), columns, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title):
    """A translated title as a sheet name: at most 31 characters, none Excel forbids."""
    return re.sub(r"[][:*?/\\]", " ", str(title))[:31].strip() or "Sheet"


def _xlsx_cell(sheet, value):
    """A cell for `value`: a number, a date, or text typed as text (never a formula)."""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if value is None or isinstance(value, (*NUMBERS, datetime.date)):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, Decimal):
            cell.number_format = "#,##0.00"
        elif isinstance(value, datetime.date):
            cell.number_format = "yyyy-mm-dd"
        return cell
    # Characters XML cannot carry: openpyxl refuses them (a 500); shown as U+FFFD.
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    cell = WriteOnlyCell(sheet, value=text)  # openpyxl types text starting with = a formula
    cell.data_type = "s"
    if starts_formula(text):
        cell.quotePrefix = True  # Excel's own "text" mark: it stays text when edited
    return cell


def _write_sheet(sheet, columns, rows):
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = _xlsx_cell(sheet, column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, column.value(row)) for column in columns])


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
