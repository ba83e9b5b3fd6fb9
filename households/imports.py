"""Bulk registration: households from a CSV or XLSX file, row by row as the form would.

Every row goes through `HouseholdForm`, the registration form, and every new
household through `save_household`, the registration service: a file can register
nothing that the registration page would refuse. A phone number already registered,
in any spelling, makes the row a duplicate, so running the same file twice
registers each family once.
"""

import csv
import datetime
import io
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from openpyxl import load_workbook

from centers import policies
from core.db.retry import atomic_with_retries

from .forms import HouseholdForm
from .models import DUPLICATE_PHONE_MESSAGE, Household
from .phones import normalize_phone
from .services import save_household

COLUMNS = tuple(HouseholdForm.Meta.fields)
OPTIONAL_COLUMNS = ("last_verified_date", "notes")
REQUIRED_COLUMNS = tuple(column for column in COLUMNS if column not in OPTIONAL_COLUMNS)
DELIMITERS = ",;\t"
# Rows per transaction: a commit per hundred rows, not per row, and a write lock
# (on SQLite, the whole database's) held about a second at most: each row is
# validated twice (the form, then the service) at a few milliseconds a time, so
# registrations at the desk meanwhile wait a second, not the whole file.
BATCH_SIZE = 100


class ImportRefused(Exception):
    """The file or the importer cannot be used; nothing has been saved."""


class Verdict(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    ERROR = "error"


@dataclass(frozen=True)
class SheetRow:
    """One data row: its number as a spreadsheet shows it (the header is row 1),
    the text of each column, and what is wrong with its shape, if anything."""

    number: int
    values: dict
    problem: str = ""


@dataclass(frozen=True)
class RowResult:
    """What became of one row: the household it registered or duplicates, or why not."""

    row: int
    verdict: Verdict
    household_id: int | None = None
    message: str = ""


# ------------------------------------------------------------------------ the importer


def find_importer(username):
    """The staff member who registers the file's households, asked the same policy
    as the registration page, so the command cannot do what its user could not."""
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        raise ImportRefused(f"No login named {username!r}.")
    staff = getattr(user, "staff_member", None)
    if staff is None:
        raise ImportRefused(f"The login {username!r} has no staff record.")
    if not policies.can_edit_households(staff):
        raise ImportRefused(
            f"{staff} cannot register households: only active workers, managers and admins can."
        )
    return staff


# ------------------------------------------------------------------------ reading


def read_rows(path):
    """Every data row of a .csv or .xlsx file, with the header checked.

    The whole file is read before anything is saved, so a file that breaks half-way
    (a bad byte, a damaged sheet) is refused whole instead of half imported.
    """
    path = Path(path)
    readers = {".csv": _csv_records, ".xlsx": _xlsx_records}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise ImportRefused(f"Cannot import {path.name}: the file name must end in .csv or .xlsx.")
    if not path.is_file():
        raise ImportRefused(f"No such file: {path}")
    return _table(reader(path))


def _csv_records(path):
    """(row number, cells) of each line of a UTF-8 CSV file, a BOM or not.

    Counts records, not physical lines: a quoted value with a line break stays one
    row, as a spreadsheet shows it.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"{path.name} is not UTF-8 text (byte {error.start}): save it as CSV UTF-8."
        ) from None
    except OSError as error:
        raise ImportRefused(f"Cannot read {path}: {error.strerror}.") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return list(enumerate(reader, start=1))
    except csv.Error as error:
        raise ImportRefused(f"{path.name} is not a readable CSV file: {error}.") from None


def _delimiter(text):
    """The separator of the header line: a comma, or the semicolon of spreadsheets in
    locales whose decimal mark is a comma, or a tab. Comma when nothing tells."""
    header = next((line for line in io.StringIO(text) if line.strip()), "")
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _xlsx_records(path):
    """(row number, cells) of each row of the workbook's first sheet, as text.

    Dimensions are reset because some programs write wrong ones, and read-only
    mode would otherwise stop at the row they claim is the last.
    """
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # a damaged workbook fails in many ways; all mean "unreadable"
        raise _unreadable(path, error) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        return [(number, [cell_text(v) for v in row]) for number, row in enumerate(rows, 1)]
    except Exception as error:  # the sheet's XML is read only now
        raise _unreadable(path, error) from None
    finally:
        workbook.close()


def _unreadable(path, error):
    return ImportRefused(
        f"Cannot read {path.name} as an Excel workbook ({type(error).__name__}: {error})."
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
    filled = [(number, cells) for number, cells in records if any(c.strip() for c in cells)]
    if not filled:
        raise ImportRefused("The file is empty: its first row must name the columns.")
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
    problems = [
        _listed("Missing column(s)", [c for c in REQUIRED_COLUMNS if c not in named]),
        _listed("Unknown column(s)", [n for n in dict.fromkeys(named) if n not in COLUMNS]),
        _listed("Column(s) named twice", [n for n in dict.fromkeys(named) if named.count(n) > 1]),
    ]
    problems = [problem for problem in problems if problem]
    if problems:
        expected = ", ".join(COLUMNS)
        raise ImportRefused(
            " ".join(problems) + f" The header row names the columns {expected}; "
            f"{' and '.join(OPTIONAL_COLUMNS)} may be left out."
        )
    return names


def _listed(label, names):
    return f"{label}: {', '.join(names)}." if names else ""


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
        f"{stray} value(s) under no column name: does a value with a comma or "
        "semicolon lack its quotes?"
        if stray
        else ""
    )
    return SheetRow(number, values, problem)


# ------------------------------------------------------------------------ validating


def classify(row, earlier):
    """Validate `row` with the registration form; return its RowResult and the form.

    `earlier` maps the phone number (E.164) of each earlier row of the file that is
    new to that row's result: the same family twice in one file is one household, in
    a dry run too. A duplicate is reported as one even when other fields are wrong:
    the family is registered, so correcting the row would not register it.
    """
    if row.problem:
        return RowResult(row.number, Verdict.ERROR, message=row.problem), None
    form = HouseholdForm(data=row.values)
    valid = form.is_valid()
    phone = _e164(row.values["phone_number"])
    first = earlier.get(phone)
    if first is not None:
        message = f"Same phone number as row {first.row}."
        return _duplicate(row, first.household_id, message, form), form
    existing = _registered_as(form, phone)
    if existing is not None:
        return _duplicate(row, existing.pk, registered_message(existing), form), form
    if not valid:
        return RowResult(row.number, Verdict.ERROR, message=form_errors(form)), form
    return RowResult(row.number, Verdict.NEW), form


def _e164(raw):
    """The phone number as stored (E.164), or None when it is no phone number."""
    try:
        return normalize_phone(raw) if raw.strip() else None
    except ValidationError:
        return None


def _registered_as(form, phone):
    """The household the form found already registered with the row's phone number."""
    messages = form.errors.get("phone_number", [])
    if not any(DUPLICATE_PHONE_MESSAGE in message for message in messages):
        return None
    found = getattr(form, "existing_household", None)
    return found or Household.objects.filter(phone_number=phone).first()


def registered_message(household):
    return f"{DUPLICATE_PHONE_MESSAGE} Household #{household.pk}."


def _duplicate(row, household_id, message, form):
    """A duplicate row; the form's other complaints, if any, follow the reason."""
    others = form_errors(form)
    if others:
        message = f"{message} Also: {others}"
    return RowResult(row.number, Verdict.DUPLICATE, household_id, message)


def form_errors(form):
    """The form's messages in one line, each after its field name, as in
    "email: Enter a valid email address."; the duplicate phone number is left out
    (it is the verdict, not an error)."""
    parts = []
    for field, messages in form.errors.items():
        for message in messages:
            if DUPLICATE_PHONE_MESSAGE not in message:
                parts.append(message if field == NON_FIELD_ERRORS else f"{field}: {message}")
    return "; ".join(parts)


# ------------------------------------------------------------------------ importing


def import_rows(rows, *, staff, dry_run=False):
    """Yield the RowResult of each row, in file order, one batch at a time.

    Each batch is one transaction, retried whole if it loses a deadlock: far fewer
    commits than a row each, and a failure mid-file leaves whole batches saved,
    which a second run counts as duplicates. A dry run opens no transaction and
    saves nothing; its verdicts are those a real run would give.
    """
    earlier = {}
    for start in range(0, len(rows), BATCH_SIZE):
        batch = partial(_import_batch, rows[start : start + BATCH_SIZE], earlier, staff, dry_run)
        results, earlier = batch() if dry_run else atomic_with_retries(batch)
        yield from results


def _import_batch(rows, earlier, staff, dry_run):
    """Classify and save one batch; return its results and the phone numbers seen.

    Works on a copy of `earlier`, so a retried batch starts from the same state.
    """
    seen, results = dict(earlier), []
    for row in rows:
        result, form = classify(row, seen)
        if result.verdict == Verdict.NEW:
            if not dry_run:
                result = register(result, form, staff)
            if result.verdict == Verdict.NEW:
                seen[form.instance.phone_number] = result
        results.append(result)
    return results, seen


def register(result, form, staff):
    """Save a new row through the registration service.

    A phone number registered by someone else since the form checked it makes the
    row a duplicate: the service refuses it and the household it now belongs to is
    named, as the registration page does.
    """
    try:
        household = save_household(household=form.instance, staff=staff)
    except ValidationError as refused:
        phone = form.instance.phone_number
        existing = Household.objects.filter(phone_number=phone).first()
        if existing is not None and DUPLICATE_PHONE_MESSAGE in refused.messages:
            return RowResult(
                result.row, Verdict.DUPLICATE, existing.pk, registered_message(existing)
            )
        return RowResult(result.row, Verdict.ERROR, message=refusal_text(refused))
    return replace(result, household_id=household.pk)


def refusal_text(refused):
    """A ValidationError in one line, with field names as form_errors() writes them."""
    if not hasattr(refused, "error_dict"):
        return "; ".join(refused.messages)
    return "; ".join(
        message if field == NON_FIELD_ERRORS else f"{field}: {message}"
        for field, messages in refused.message_dict.items()
        for message in messages
    )
