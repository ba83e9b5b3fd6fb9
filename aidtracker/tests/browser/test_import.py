"""Bulk registration in a real browser: a manager uploads a partner's spreadsheet,
watches the background worker's progress bar, confirms the preview and downloads the
report. The worker is the real one (`manage.py db_worker`) in a child process."""

import csv
import io
import os
import time

import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from devtools.commands import start_task_worker
from households.import_models import HouseholdImport
from households.models import Household
from households.tests.test_import import household_row, phone

from .conftest import CHROMIUM
from .test_flows import SCREENSHOTS, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"chromium not found at {CHROMIUM} (apt-get install chromium, or set "
        "CHROMIUM_EXECUTABLE); playwright cannot download a browser here",
    ),
]

ROWS = 12_000  # enough for the worker to report progress several times while we watch


def spreadsheet(path):
    """ROWS rows: mostly new families, every 50th a repeat of the row before, one error."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(household_row().keys())
    for n in range(ROWS):
        number = n - 1 if n % 50 == 49 else n
        changes = {"phone_number": phone(number), "family_name": f"Family {n}"}
        if n == 7:
            changes["family_size"] = "0"
        writer.writerow(household_row(**changes).values())
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def watch_progress(page, until):
    """The (value, max) pairs the progress bar showed until `until` is visible."""
    seen = set()
    deadline = time.monotonic() + 240
    while not until.is_visible():
        assert time.monotonic() < deadline, f"no end in sight; the bar showed {sorted(seen)}"
        try:
            bar = page.evaluate(BAR)
        except PlaywrightError:  # the page is reloading
            bar = None
        if bar:
            seen.add(tuple(bar))
        page.wait_for_timeout(100)
    return seen


BAR = "() => { const b = document.getElementById('import-bar'); return b && [b.value, b.max]; }"


@pytest.fixture
def task_worker():
    worker = None

    def start():
        nonlocal worker
        worker = start_task_worker(connection)

    yield start
    if worker is not None:
        worker.terminate()
        worker.wait(timeout=30)


def test_a_manager_imports_a_spreadsheet_and_watches_it(
    page, live_server, portal, tmp_path, task_worker
):
    log_in(page, live_server, "manager")
    page.goto(f"{live_server.url}{reverse('households:imports')}")
    page.set_input_files("#id_file", spreadsheet(tmp_path / "partner.csv"))
    page.click("#upload-file")

    # No worker yet: the page says the job waits, and survives a reload saying so.
    expect(page.locator('[data-state="waiting"]')).to_be_visible()
    page.reload()
    expect(page.locator('[data-state="waiting"]')).to_be_visible()
    job = HouseholdImport.objects.get()
    before = Household.objects.count()

    task_worker()
    confirm = page.locator("form[action$='/confirm/'] button")
    seen = watch_progress(page, confirm)
    assert any(0 < done < total for done, total in seen), seen
    expect(confirm).to_have_text(f"Register the {ROWS - ROWS // 50 - 1} new households")
    expect(page.locator('[data-count="duplicates"]')).to_have_text(str(ROWS // 50))
    expect(page.locator('[data-count="errors"]')).to_have_text("1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "import-preview.png", full_page=True)
    assert Household.objects.count() == before  # the preview registered nothing

    with page.expect_navigation():  # the confirmation's POST and its redirect
        confirm.click()
    page.reload()  # the progress survives a reload
    watch_progress(page, page.locator("#import-counts"))
    expect(page.locator('[data-count="imported"]')).to_have_text(str(ROWS - ROWS // 50 - 1))
    page.screenshot(path=SCREENSHOTS / "import-done.png", full_page=True)
    with page.expect_download() as download:
        page.click("a[href$='/report.csv']")
    with open(download.value.path(), encoding="utf-8") as report:
        lines = list(csv.DictReader(report))
    assert len(lines) == ROWS
    assert lines[7]["verdict"] == "error"
    job.refresh_from_db()
    assert job.status == "done"
    assert Household.objects.count() == before + ROWS - ROWS // 50 - 1
