"""Report pages and exports: who may see what, filters, formats, and the access log."""

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AccessLog
from core.tests.translations import translations, with_context
from reports.views import MonthlySummaryView

from .factories import build_dataset

pytestmark = pytest.mark.django_db

REPORTS = ["reports:monthly", "reports:stock", "reports:coverage", "reports:owed"]
MONTHS = {"month_from": "2025-01", "month_to": "2025-03"}
PERSONAL_HEADERS = re.compile(r"name|phone|address|email|contact|family", re.IGNORECASE)


@pytest.fixture
def dataset(center, other_center):
    return build_dataset(center, other_center)


def get(client, staff, name, **params):
    client.force_login(staff.user)
    return client.get(reverse(name), params)


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


# --- Permissions -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reports:index", *REPORTS])
@pytest.mark.parametrize("role", ["volunteer", "worker"])
def test_volunteers_and_workers_are_refused(client, request, name, role):
    staff = request.getfixturevalue(role)
    assert get(client, staff, name).status_code == 403
    assert get(client, staff, name, format="csv").status_code == 403
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("name", ["reports:index", *REPORTS])
def test_anonymous_users_are_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize("export_format", [None, "csv", "xlsx", "hxl"])
def test_managers_cannot_ask_for_another_center(client, manager, other_center, name, export_format):
    params = {"center": other_center.pk}
    if export_format:
        params["format"] = export_format
    assert get(client, manager, name, **params).status_code == 403
    assert not AccessLog.objects.exists()


def test_a_manager_without_a_center_cannot_exist(manager):
    """Only admins may have no center, so no manager reads reports of "no center"."""
    manager.center = None
    with pytest.raises(IntegrityError), transaction.atomic():
        manager.save()


def test_managers_see_only_their_center(client, manager, dataset, center, other_center):
    response = get(client, manager, "reports:monthly", **MONTHS)
    assert response.status_code == 200
    report = response.context["report"]
    assert {row.center_id for row in report.rows} == {center.pk}
    assert report.center == center
    rows = read_csv(get(client, manager, "reports:monthly", format="csv", **MONTHS))
    assert {row[1] for row in rows[1:]} == {str(center.pk)}
    stock = get(client, manager, "reports:stock").context["report"].rows
    assert {row.center_id for row in stock} <= {center.pk}
    coverage = get(client, manager, "reports:coverage").context["report"].rows
    assert {row.center_id for row in coverage} <= {center.pk, None}
    # Their own center, asked for explicitly, is fine.
    assert get(client, manager, "reports:monthly", center=center.pk).status_code == 200


def test_admins_see_every_center(client, admin_staff, dataset):
    report = get(client, admin_staff, "reports:monthly", **MONTHS).context["report"]
    assert {row.center_id for row in report.rows} == {c.pk for c in dataset.centers[:2]}
    assert report.overall.households == 5
    only_other = get(
        client, admin_staff, "reports:monthly", center=dataset.centers[1].pk, **MONTHS
    ).context["report"]
    assert {row.center_id for row in only_other.rows} == {dataset.centers[1].pk}


def test_the_nav_shows_reports_to_managers_only(client, manager, worker):
    client.force_login(manager.user)
    assert reverse("reports:index") in client.get(reverse("home")).content.decode()
    client.force_login(worker.user)
    assert reverse("reports:index") not in client.get(reverse("home")).content.decode()


# --- Pages -------------------------------------------------------------------------


def test_monthly_page_shows_table_totals_and_chart_data(client, admin_staff, dataset):
    response = get(client, admin_staff, "reports:monthly", **MONTHS)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="monthly-table"' in html
    assert html.count('data-total="') == 3  # one total row per month
    chart = json.loads(
        re.search(
            r'<script id="monthly-chart-data" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    assert chart["labels"] == ["2025-01", "2025-02", "2025-03"]
    # No inline JavaScript: every other <script> loads a static file.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "js/monthly-chart.js" in html
    downloads = re.findall(r'href="\?[^"]*format=(\w+)"[^>]*download>([^<]*)<', html)
    assert downloads == [
        ("csv", "Download CSV"),
        ("xlsx", "Download Excel (XLSX)"),
        ("hxl", "Download HXL CSV"),
    ]
    # The Content-Security-Policy allows no inline styles either.
    assert 'style="' not in html


def test_monthly_defaults_to_the_last_twelve_months(client, admin_staff):
    form = get(client, admin_staff, "reports:monthly").context["filter"].form
    first, last = form.cleaned_data["month_from"], form.cleaned_data["month_to"]
    assert (last.year - first.year) * 12 + last.month - first.month == 11


def test_invalid_filters_show_errors_and_export_nothing(client, admin_staff):
    response = get(client, admin_staff, "reports:monthly", month_from="2025-03", month_to="2025-01")
    assert response.status_code == 200
    assert "report" not in response.context
    assert "must not be after" in response.content.decode()
    bad = get(
        client,
        admin_staff,
        "reports:monthly",
        month_from="2025-03",
        month_to="2025-01",
        format="csv",
    )
    assert bad.status_code == 400
    for unknown in ("pdf", "json", "html"):  # json and html: the subject access export's
        assert get(client, admin_staff, "reports:monthly", format=unknown).status_code == 400
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("name", REPORTS)
def test_pages_render_for_admins(client, admin_staff, dataset, name):
    assert get(client, admin_staff, name).status_code == 200


def test_monthly_page_groups_match_the_original_view(rf, admin_staff, dataset):
    """The page's rollup figures equal vw_monthly_summary's, group by group."""
    from distribution.models import MonthlySummary

    request = rf.get(reverse("reports:monthly"), MONTHS)
    request.user, request.staff = admin_staff.user, admin_staff
    report = MonthlySummaryView.as_view()(request).context_data["report"]
    page = {
        (f"{row.month:%Y-%m}", row.center_id, row.category): (
            row.distributions,
            row.households,
            row.packages,
            row.value,
        )
        for row in report.rows
    }
    first, last = MONTHS["month_from"], MONTHS["month_to"]
    view = {
        (row.month, row.center_id, row.category): (
            row.total_distributions,
            row.unique_households,
            row.total_packages,
            Decimal(row.total_value).quantize(Decimal("0.01")),
        )
        for row in MonthlySummary.objects.filter(month__gte=first, month__lte=last)
    }
    assert page
    assert page == view


# --- Exports -----------------------------------------------------------------------

# The columns before people reached (reports/tests/test_people_reached.py has those).
MONTHLY_HEADER = [
    "Month",
    "Center ID",
    "Center",
    "Category",
    "Total distributions",
    "Unique households",
    "Total packages",
    "Total value",
]


def test_monthly_csv_has_the_header_and_the_filtered_rows(client, admin_staff, dataset):
    response = get(client, admin_staff, "reports:monthly", format="csv", category="food", **MONTHS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][: len(MONTHLY_HEADER)] == MONTHLY_HEADER
    assert {row[3] for row in rows[1:]} == {"food"}
    center = dataset.centers[0]
    assert [
        center_row[: len(MONTHLY_HEADER)]
        for center_row in rows
        if center_row[:2] == ["2025-01", str(center.pk)]
    ] == [["2025-01", str(center.pk), center.center_name, "food", "2", "2", "3", "135.00"]]


def test_hxl_export_has_a_hashtag_row_under_the_header(client, admin_staff, dataset):
    rows = read_csv(get(client, admin_staff, "reports:monthly", format="hxl", **MONTHS))
    assert rows[0][: len(MONTHLY_HEADER)] == MONTHLY_HEADER
    assert rows[1][: len(MONTHLY_HEADER)] == [
        "#date",
        "#loc+code",
        "#loc+name",
        "#sector",
        "#output+distributions+num",
        "#reached+hh",
        "#output+packages+num",
        "#value",
    ]
    assert all(tag.startswith("#") for tag in rows[1])
    assert len(rows) > 2


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize("export_format", ["csv", "hxl"])
def test_exports_carry_no_personal_data(client, admin_staff, dataset, name, export_format):
    response = get(client, admin_staff, name, format=export_format, **MONTHS)
    assert response.status_code == 200
    rows = read_csv(response)
    header = rows[0]
    personal = [
        column
        for column in header
        if PERSONAL_HEADERS.search(column) and column not in ("Center", "Package")
    ]
    assert personal == []
    text = response.content.decode()
    for household in dataset.households:
        assert household.family_name not in text
        assert household.phone_number not in text
        assert household.address not in text


def test_xlsx_export_opens_with_openpyxl(client, admin_staff, dataset):
    response = get(client, admin_staff, "reports:monthly", format="xlsx", **MONTHS)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["Monthly summary", "Totals"]
    rows = list(workbook["Monthly summary"].iter_rows(values_only=True))
    assert list(rows[0])[: len(MONTHLY_HEADER)] == MONTHLY_HEADER
    csv_rows = read_csv(get(client, admin_staff, "reports:monthly", format="csv", **MONTHS))
    assert len(rows) == len(csv_rows)
    totals = list(workbook["Totals"].iter_rows(values_only=True))
    overall = totals[-1]
    assert overall[0] == "All months"
    assert overall[4] == 5  # unique households over the whole range


@pytest.mark.parametrize("name", ["reports:stock", "reports:coverage"])
def test_stock_and_coverage_export_as_xlsx(client, admin_staff, dataset, name):
    response = get(client, admin_staff, name, format="xlsx")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Center ID"


def test_spreadsheet_formulas_in_names_are_neutralised(client, admin_staff, dataset):
    center = dataset.centers[0]
    center.center_name = "=HYPERLINK(1)"
    center.save()
    rows = read_csv(get(client, admin_staff, "reports:monthly", format="csv", **MONTHS))
    assert "'=HYPERLINK(1)" in {row[2] for row in rows}
    workbook = load_workbook(
        io.BytesIO(get(client, admin_staff, "reports:monthly", format="xlsx", **MONTHS).content)
    )
    values = {row[2] for row in workbook.worksheets[0].iter_rows(values_only=True)}
    assert "=HYPERLINK(1)" in values
    assert workbook.worksheets[0]["C2"].data_type == "s"


def test_every_export_is_recorded_in_the_access_log(client, manager, dataset, center):
    get(client, manager, "reports:monthly", format="xlsx", category="food", **MONTHS)
    get(client, manager, "reports:stock", format="hxl", status="LOW_STOCK")
    entries = list(AccessLog.objects.order_by("pk"))
    assert [(e.action, e.target, e.export_format) for e in entries] == [
        ("export", "monthly", "xlsx"),
        ("export", "stock", "hxl"),
    ]
    monthly = entries[0]
    assert monthly.staff == manager
    assert manager.last_name in monthly.staff_name
    assert monthly.params == {
        "month_from": "2025-01",
        "month_to": "2025-03",
        "category": "food",
        "center": center.pk,
    }
    assert monthly.row_count > 0
    assert entries[1].params["status"] == "LOW_STOCK"


def test_viewing_a_page_is_not_an_export(client, admin_staff, dataset):
    get(client, admin_staff, "reports:monthly", **MONTHS)
    assert not AccessLog.objects.exists()


# --- Languages and phones ---------------------------------------------------------


def get_in(client, staff, language, name, **params):
    client.force_login(staff.user)
    return client.get(reverse(name), params, headers={"accept-language": language})


def test_exports_name_their_columns_in_the_reader_s_language_and_keep_the_data(
    client, admin_staff, dataset
):
    french = {
        "Month": "Mois",
        "Center": "Centre",
        with_context("aid package", "Package"): "Colis",
        "Monthly summary": "Résumé mensuel",
        "Totals": "Totaux",
        "All months": "Tous les mois",
    }
    with translations("fr", french):
        hxl = read_csv(get_in(client, admin_staff, "fr", "reports:monthly", format="hxl", **MONTHS))
        stock = read_csv(get_in(client, admin_staff, "fr", "reports:stock", format="csv"))
        xlsx = get_in(client, admin_staff, "fr", "reports:monthly", format="xlsx", **MONTHS)
        english = read_csv(get(client, admin_staff, "reports:monthly", format="hxl", **MONTHS))
    assert (hxl[0][0], hxl[0][2]) == ("Mois", "Centre")
    assert hxl[1][:3] == english[1][:3] == ["#date", "#loc+code", "#loc+name"]
    assert hxl[2:] == english[2:]  # the data, months in ISO included, stays as it is
    assert stock[0][3] == "Colis"
    assert english[0][:3] == ["Month", "Center ID", "Center"]
    workbook = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert workbook.sheetnames == ["Résumé mensuel", "Totaux"]
    assert list(workbook["Totaux"].iter_rows(values_only=True))[-1][0] == "Tous les mois"


def test_an_arabic_page_reads_right_to_left_and_gives_the_chart_its_words(
    client, admin_staff, dataset
):
    arabic = {with_context("aid package", "Packages"): "الطرود", "Food": "غذاء"}
    with translations("ar", arabic):
        html = get_in(client, admin_staff, "ar", "reports:monthly", **MONTHS).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert 'data-y-title="الطرود"' in html
    # Months are written the Arabic way on the page, and kept ISO in the chart's data
    # (monthly-chart.js writes them in the page's language).
    assert "يناير 2025" in html
    data = re.search(r'<script id="monthly-chart-data"[^>]*>(.*?)</script>', html).group(1)
    chart = json.loads(data)
    assert chart["labels"] == ["2025-01", "2025-02", "2025-03"]
    assert "غذاء" in [dataset["label"] for dataset in chart["datasets"]]


def cells_without_labels(html, table_id):
    """The <td>s of a phone-first table that a phone would show without their column's
    name (a cell spanning columns is a message of its own)."""
    table = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', html, re.S).group(1)
    return [
        cell
        for cell in re.findall(r"<td[^>]*>", table)
        if "data-label=" not in cell and "colspan" not in cell
    ]


@pytest.mark.parametrize(
    ("name", "table_id"),
    [
        ("reports:monthly", "monthly-table"),
        ("reports:stock", "stock-report"),
        ("reports:coverage", "coverage-report"),
        ("reports:owed", "owed-report"),
        ("reports:movements", "movement-report"),
    ],
)
def test_report_tables_become_labelled_cards_on_phones(
    client, admin_staff, dataset, name, table_id
):
    html = get(client, admin_staff, name, **(MONTHS if name == "reports:monthly" else {}))
    html = html.content.decode()
    table = re.search(rf'<table class="([^"]*)"[^>]*id="{table_id}"', html)
    assert "table-cards" in table.group(1).split()
    assert "table-responsive" not in html
    assert re.search(rf'id="{table_id}".*?<td', html, re.S), "the table has rows"
    assert cells_without_labels(html, table_id) == []
