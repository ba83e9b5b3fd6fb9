"""A manager's reports in a real browser: open, filter, read the chart, download every format.

The figures come from the `portal` fixture: one success at the manager's center and
one at the other center, so the manager's report must show one and never the other.
"""

import csv
import io
import os
import re

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from audit.models import AccessLog

from .conftest import CHROMIUM
from .test_flows import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"chromium not found at {CHROMIUM}"),
]


def download(page, label):
    """Click a download link and return the file's bytes and suggested name."""
    with page.expect_download() as started:
        page.get_by_role("link", name=f"Download {label}", exact=True).click()
    file = started.value
    return file.suggested_filename, open(file.path(), "rb").read()


def test_manager_filters_the_monthly_report_reads_the_chart_and_downloads_it(
    page, live_server, portal, manager
):
    log_in(page, live_server, "manager")
    page.get_by_role("link", name="Reports", exact=True).first.click()
    page.get_by_role("link", name="Monthly summary").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('reports:monthly')}")

    page.select_option("#id_category", label="Food")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/reports/monthly/\?.*category=food"))

    table = page.locator("#monthly-table tbody")
    expect(table).to_contain_text(portal.center.center_name)
    expect(table).not_to_contain_text(portal.other_center.center_name)
    expect(page.locator("#monthly-overall-row")).to_contain_text("Overall")
    overall = page.locator("#monthly-overall-row td.text-end").all_inner_texts()
    assert overall[:3] == ["1", "1", "1"]  # distributions, unique households, packages

    # The chart is drawn by Chart.js from the page's JSON: one bar of 1 package of food.
    expect(page.locator("#monthly-chart-box")).to_be_visible()
    drawn = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.getElementById("monthly-chart"));
            const total = (values) => values.reduce((a, b) => a + b, 0);
            return chart && chart.data.datasets.map((d) => [d.label, total(d.data)]);
        }"""
    )
    assert drawn == [["Food", 1]]
    assert page.locator("#monthly-chart").bounding_box()["height"] > 100

    name, data = download(page, "CSV")
    assert name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Month", "Center ID", "Center", "Category"]
    assert {row[2] for row in rows[1:] if len(row) > 2} <= {portal.center.center_name, ""}

    name, data = download(page, "Excel (XLSX)")
    assert name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    first_rows = list(sheet.iter_rows(max_row=2, values_only=True))
    assert first_rows[0][:3] == ("Month", "Center ID", "Center")

    name, data = download(page, "HXL CSV")
    hxl = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert hxl[1][:3] == ["#date", "#loc+code", "#loc+name"]

    for exported in (rows, hxl):
        text = repr(exported)
        for personal in (portal.served.family_name, portal.served.primary_contact_name):
            assert personal not in text
    exports = AccessLog.objects.filter(staff=manager, action=AccessLog.Action.EXPORT)
    assert sorted(exports.values_list("export_format", flat=True)) == ["csv", "hxl", "xlsx"]
    assert all(entry.params.get("category") == "food" for entry in exports)


def test_manager_reads_stock_worst_first_and_coverage_of_own_center(page, live_server, portal):
    log_in(page, live_server, "manager")
    page.goto(f"{live_server.url}{reverse('reports:index')}")
    page.get_by_role("link", name="Stock status").click()
    body = page.locator("table tbody")
    expect(body).to_contain_text(portal.package.package_name)
    expect(body).not_to_contain_text(portal.other_center.center_name)

    page.goto(f"{live_server.url}{reverse('reports:index')}")
    page.get_by_role("link", name="Eligibility coverage").click()
    expect(page.locator("table tbody").first).to_contain_text(portal.package.package_name)


CHART_OPTIONS = """() => {
    const chart = Chart.getChart(document.getElementById("monthly-chart"));
    const options = chart.options;
    return {
        reverse: options.scales.x.reverse,
        legend: options.plugins.legend.rtl,
        tooltip: options.plugins.tooltip.rtl,
        label: options.plugins.tooltip.callbacks.label(
            {dataset: {label: "Food"}, parsed: {y: 1234}}
        ),
        months: chart.data.labels,
    };
}"""


@pytest.mark.parametrize(("language", "rtl"), [("en", False), ("ar", True)])
def test_the_chart_reads_right_to_left_in_arabic(page, live_server, portal, manager, language, rtl):
    log_in(page, live_server, "manager")
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}{reverse('reports:monthly')}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if rtl else "ltr")
    expect(page.locator("#monthly-chart-box")).to_be_visible()

    drawn = page.evaluate(CHART_OPTIONS)
    # Months run from right to left, and the legend and tooltips read right to left.
    assert (drawn["reverse"], drawn["legend"], drawn["tooltip"]) == (rtl, rtl, rtl)
    # Numbers and months are written the page language's way, in Western digits.
    assert re.fullmatch(r"Food: 1\D?234", drawn["label"]), drawn["label"]
    assert not any(re.fullmatch(r"\d{4}-\d{2}", month) for month in drawn["months"])
    assert all(re.search(r"[0-9]{4}", month) for month in drawn["months"])
