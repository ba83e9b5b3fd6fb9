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
    assert get(client, admin_staff, "reports:monthly", format="pdf").status_code == 400
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
