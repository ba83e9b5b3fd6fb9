"""Reading a registration spreadsheet: CSV or XLSX bytes into numbered rows by column.

Kept apart from the importing so that the command (a file on disk) and the portal (an
upload kept in the database) read files the same way, and so that a header can be
checked while the person uploading is still on the page.

The column names are the file's header, the same in every language; what is said about
them is translated.
"""

import csv
import datetime
import io
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext, ngettext
from openpyxl import load_workbook

from .forms import HouseholdForm

COLUMNS = tuple(HouseholdForm.Meta.fields)
OPTIONAL_COLUMNS = (
    "last_verified_date",
    "notes",
    "processing_basis",
    "consent_given_by",
    "basis_recorded_on",
    "preferred_language",
)
REQUIRED_COLUMNS = tuple(column for column in COLUMNS if column not in OPTIONAL_COLUMNS)
DELIMITERS = ",;\t"
EXTENSIONS = (".csv", ".xlsx")


class ImportRefused(Exception):
    """The file or the importer cannot be used; nothing has been saved."""


@dataclass(frozen=True)
class SheetRow:
    """One data row: its number as a spreadsheet shows it (the header is row 1),
    the text of each column, and what is wrong with its shape, if anything."""

    number: int
    values: dict
    problem: str = ""


def read_rows(path):
    """Every data row of a .csv or .xlsx file on disk, with the header checked."""
    path = Path(path)
    check_name(path.name)
    if not path.is_file():
        raise ImportRefused(gettext("No such file: %(path)s") % {"path": path})
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportRefused(
            gettext("Cannot read %(path)s: %(reason)s.") % {"path": path, "reason": error.strerror}
        ) from None
    return parse_rows(path.name, data)


def check_name(name):
    if Path(name).suffix.lower() not in EXTENSIONS:
        raise ImportRefused(
            gettext("Cannot import %(name)s: the file name must end in .csv or .xlsx.")
            % {"name": name}
        )


def parse_rows(name, data):
    """Every data row of the file `name` (its extension says the format) held in `data`.

    The whole file is read before anything is saved, so a file that breaks half-way
    (a bad byte, a damaged sheet) is refused whole instead of half imported.
    """
    check_name(name)
    return _table(_records(name, data))


def check_header(name, data):
    """Refuse a file whose format or header is wrong, reading no further than the
    header (a large workbook takes seconds to read whole, the header milliseconds)."""
    check_name(name)
    header = next((cells for _, cells in _records(name, data) if _filled(cells)), None)
    if header is None:
        raise ImportRefused(_empty_message())
    _columns(header)


def _filled(cells):
    return any(cell.strip() for cell in cells)


def _records(name, data):
    if Path(name).suffix.lower() == ".csv":
        return _csv_records(name, data)
    return _xlsx_records(name, data)


def _csv_records(name, data):
    """(row number, cells) of each record of a UTF-8 CSV file, a BOM or not.

    Counts records, not physical lines: a quoted value with a line break stays one
    row, as a spreadsheet shows it.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            gettext("%(name)s is not UTF-8 text (byte %(byte)d): save it as CSV UTF-8.")
            % {"name": name, "byte": error.start}
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise ImportRefused(
            gettext("%(name)s is not a readable CSV file: %(error)s.")
            % {"name": name, "error": error}
        ) from None


def _delimiter(text):
    """The separator of the header line: a comma, or the semicolon of spreadsheets in
    locales whose decimal mark is a comma, or a tab. Comma when nothing tells."""
    header = next((line for line in io.StringIO(text) if line.strip()), "")
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _xlsx_records(name, data):
    """(row number, cells) of each row of the workbook's first sheet, as text.

    Dimensions are reset because some programs write wrong ones, and read-only
    mode would otherwise stop at the row they claim is the last.
    """
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a damaged workbook fails in many ways; all mean "unreadable"
        raise _unreadable(name, error) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        for number, row in enumerate(rows, 1):
            yield number, [cell_text(value) for value in row]
    except Exception as error:  # the sheet's XML is read only now
        raise _unreadable(name, error) from None
    finally:
        workbook.close()


def _unreadable(name, error):
    return ImportRefused(
        gettext("Cannot read %(name)s as an Excel workbook (%(error)s).")
        % {"name": name, "error": f"{type(error).__name__}: {error}"}
    )


def cell_text(value):
    """A cell as the text someone would type into the registration form.

    Excel keeps a date as a datetime at midnight and every number as a float: a
    family size shows as 4.0 and a phone number typed without "+" as 3125550142.
    """
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(records):
    """The data rows after the header (the first row with a value); empty rows skipped."""
    filled = [(number, cells) for number, cells in records if _filled(cells)]
    if not filled:
        raise ImportRefused(_empty_message())
    (_, header), data = filled[0], filled[1:]
    columns = _columns(header)
    return [_sheet_row(number, cells, columns) for number, cells in data]


def column_name(text):
    """A header cell as a column name: case, surrounding and inner spaces forgiven
    ("Family Name " is family_name)."""
    return "_".join(text.lower().split())


def _columns(header):
    """The column name of each header cell (blank for an unnamed one).

    Refuses a header that misses a required column, names one twice or names one
    the registration form does not have, before any row is read.
    """
    names = [column_name(cell) for cell in header]
    named = [name for name in names if name]
    missing = [column for column in REQUIRED_COLUMNS if column not in named]
    unknown = [name for name in dict.fromkeys(named) if name not in COLUMNS]
    twice = [name for name in dict.fromkeys(named) if named.count(name) > 1]
    problems = []
    if missing:
        problems.append(
            ngettext("Missing column: %(columns)s.", "Missing columns: %(columns)s.", len(missing))
            % {"columns": ", ".join(missing)}
        )
    if unknown:
        problems.append(
            ngettext("Unknown column: %(columns)s.", "Unknown columns: %(columns)s.", len(unknown))
            % {"columns": ", ".join(unknown)}
        )
    if twice:
        problems.append(
            ngettext(
                "Column named twice: %(columns)s.", "Columns named twice: %(columns)s.", len(twice)
            )
            % {"columns": ", ".join(twice)}
        )
    if problems:
        problems.append(
            gettext("The header row names the columns %(columns)s; %(optional)s may be left out.")
            % {"columns": ", ".join(COLUMNS), "optional": ", ".join(OPTIONAL_COLUMNS)}
        )
        raise ImportRefused(" ".join(problems))
    return names


def _empty_message():
    return gettext("The file is empty: its first row must name the columns.")


def _sheet_row(number, cells, columns):
    """A row's values by column name; values under no column name are a problem of
    the row (most often a comma inside an unquoted address)."""
    values = dict.fromkeys(COLUMNS, "")
    stray = 0
    for index, cell in enumerate(cells):
        name = columns[index] if index < len(columns) else ""
        if name:
            values[name] = cell.strip()  # "low" after "; " is still low
        elif cell.strip():
            stray += 1
    problem = (
        ngettext(
            "%(count)d value under no column name: does a value with a comma or semicolon "
            "lack its quotes?",
            "%(count)d values under no column name: does a value with a comma or semicolon "
            "lack its quotes?",
            stray,
        )
        % {"count": stray}
        if stray
        else ""
    )
    return SheetRow(number, values, problem)
