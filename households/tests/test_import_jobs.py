"""Bulk registration in the portal: upload, background check, preview, import, cancel,
failure and resume, report; the background worker itself in a child process."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from devtools.commands import run_task_worker
from households import import_jobs, imports
from households.import_models import HouseholdImport, HouseholdImportRow, ImportStatus
from households.models import Household
from households.tests.factories import HouseholdFactory
from households.tests.test_import import family, household_row, phone

pytestmark = pytest.mark.django_db

COLUMNS = imports.COLUMNS


def csv_bytes(rows, *, columns=COLUMNS):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode()


def upload(client, data, name="partner.csv"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("households:imports"), {"file": file})


def mixed_rows():
    """Two new families, one family registered already (other spelling), one family
    twice, one bad row: rows 2..7 of the file."""
    return [
        family(1),
        household_row(phone_number="(312) 555-0142"),
        family(2),
        family(2, phone_number=phone(2).replace(" ", "")),
        family(3, family_size="0"),
        household_row(phone_number=phone(4), family_name="Owusu"),
    ]


def check(job):
    import_jobs.run_check(job.pk, job.attempt)
    job.refresh_from_db()
    return job


def run(job):
    import_jobs.run_import(job.pk, job.attempt)
    job.refresh_from_db()
    return job


def verdicts(job, phase):
    return list(
        HouseholdImportRow.objects.filter(household_import=job, phase=phase)
        .order_by("row")
        .values_list("row", "verdict", "message")
    )


# ------------------------------------------------------------------------ the happy path


def test_upload_check_preview_confirm_import(client, manager):
    existing = HouseholdFactory(phone_number="+1 312 555 0142")
    client.force_login(manager.user)

    response = upload(client, csv_bytes(mixed_rows()))
    job = HouseholdImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert job.status == ImportStatus.CHECKING
    assert job.uploaded_by == manager
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["args"] == [job.pk, job.attempt]

    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-state="waiting"' in page  # no worker has taken it yet

    check(job)
    assert job.status == ImportStatus.CHECKED
    assert (job.rows_total, job.imported, job.duplicates, job.errors) == (6, 3, 2, 1)
    assert Household.objects.count() == 1  # the preview registers nothing
    preview = verdicts(job, "preview")
    assert [verdict for _, verdict, _ in preview] == [
        "new",
        "duplicate",
        "new",
        "duplicate",
        "error",
        "new",
    ]
    assert preview[1][2] == (
        f"A household with this phone number is already registered. Household #{existing.pk}."
    )
    assert preview[3][2] == "Same phone number as row 4."
    assert preview[4][2] == "family_size: Ensure this value is greater than or equal to 1."
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Register the 3 new households" in page

    response = client.post(reverse("households:import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING
    assert job.confirmed_by == manager
    run(job)
    assert job.status == ImportStatus.DONE
    assert (job.imported, job.duplicates, job.errors, job.next_row) == (3, 2, 1, 8)
    assert Household.objects.count() == 4
    owusu = Household.objects.get(family_name="Owusu")

    report = client.get(reverse("households:import_report", args=[job.pk]))
    lines = list(csv.DictReader(io.StringIO(report.content.decode())))
    assert [line["verdict"] for line in lines] == [verdict for _, verdict, _ in preview]
    assert lines[5]["household_id"] == str(owusu.pk)
    assert lines[3]["household_id"] == lines[2]["household_id"]  # the same family twice


def test_the_same_file_again_registers_nothing_new_and_says_so(client, manager):
    client.force_login(manager.user)
    data = csv_bytes([family(n) for n in range(3)])
    first = HouseholdImport.objects.get(pk=upload_and_import(client, data))
    assert first.imported == 3

    upload(client, data)
    second = check(HouseholdImport.objects.latest("id"))
    assert (second.imported, second.duplicates) == (0, 3)
    page = client.get(second.get_absolute_url()).content.decode()
    assert "This file was imported before" in page
    assert f"#{first.pk}" in page
    assert Household.objects.count() == 3


def upload_and_import(client, data):
    upload(client, data)
    job = check(HouseholdImport.objects.latest("id"))
    client.post(reverse("households:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    run(job)
    return job.pk


# ------------------------------------------------------------------------ bad uploads


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("partner.txt", b"family_name\n", "the file name must end in .csv or .xlsx"),
        ("partner.csv", b"family_name,city\nA,B\n", "Missing columns: primary_contact_name"),
        ("partner.csv", b"\n\n", "The file is empty"),
        ("partner.csv", "family_name\n".encode("utf-16"), "is not UTF-8 text"),
        ("partner.xlsx", b"not a workbook", "Cannot read partner.xlsx as an Excel workbook"),
    ],
)
def test_a_bad_file_is_refused_on_the_page_and_nothing_is_kept(
    client, manager, name, data, message
):
    client.force_login(manager.user)
    response = upload(client, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not HouseholdImport.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_an_empty_upload_and_no_upload_are_refused(client, manager):
    client.force_login(manager.user)
    assert "The submitted file is empty." in upload(client, b"").content.decode()
    response = client.post(reverse("households:imports"), {})
    assert "This field is required." in response.content.decode()
    assert not HouseholdImport.objects.exists()


def test_a_file_over_the_limit_is_refused(client, manager, monkeypatch):
    monkeypatch.setattr("households.import_views.MAX_IMPORT_BYTES", 10)
    monkeypatch.setattr("households.import_jobs.MAX_IMPORT_BYTES", 10)
    client.force_login(manager.user)
    response = upload(client, csv_bytes([household_row()]))
    assert "The file is larger than" in response.content.decode()
    assert not HouseholdImport.objects.exists()


# ------------------------------------------------------------------------ who may


@pytest.mark.parametrize("role", ["volunteer", "worker"])
def test_volunteers_and_workers_cannot_import(client, portal, role):
    client.force_login(portal.staff[role].user)
    assert client.get(reverse("households:imports")).status_code == 403
    assert upload(client, csv_bytes([household_row()])).status_code == 403
    assert not HouseholdImport.objects.exists()


def test_a_manager_sees_only_their_centers_imports(client, manager, other_manager, admin_staff):
    job = import_jobs.start_import(
        file_name="a.csv", data=csv_bytes([household_row()]), staff=other_manager
    )
    client.force_login(manager.user)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.post(reverse("households:import_cancel", args=[job.pk])).status_code == 404
    assert client.get(reverse("households:import_report", args=[job.pk])).status_code == 404
    assert "a.csv" not in client.get(reverse("households:imports")).content.decode()
    client.force_login(admin_staff.user)
    assert client.get(job.get_absolute_url()).status_code == 200


def test_buttons_out_of_turn_are_refused_with_a_message(client, manager):
    client.force_login(manager.user)
    upload(client, csv_bytes([household_row()]))
    job = HouseholdImport.objects.get()
    response = client.post(reverse("households:import_confirm", args=[job.pk]), follow=True)
    assert "Only a checked file that was not imported yet can be imported." in (
        response.content.decode()
    )
    response = client.post(reverse("households:import_resume", args=[job.pk]), follow=True)
    assert "This import has nothing to resume." in response.content.decode()
    assert client.get(reverse("households:import_confirm", args=[job.pk])).status_code == 405
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKING


def test_the_rows_filter_ignores_an_unknown_verdict(client, manager):
    client.force_login(manager.user)
    upload(client, csv_bytes(mixed_rows()))
    job = check(HouseholdImport.objects.get())
    page = client.get(job.get_absolute_url(), {"verdict": "error"}).content.decode()
    assert page.count('data-verdict="error"') == 1
    assert 'data-verdict="new"' not in page
    page = client.get(job.get_absolute_url(), {"verdict": "<x>", "page": "zz"}).content
    assert page.decode().count("data-verdict=") == 6


# ------------------------------------------------------------------------ cancel, fail, resume


def started(manager, count, monkeypatch):
    """A confirmed import of `count` new rows, written two rows per batch."""
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    data = csv_bytes([family(n) for n in range(count)])
    job = check(import_jobs.start_import(file_name="big.csv", data=data, staff=manager))
    return import_jobs.confirm_import(job=job, staff=manager)


def test_cancel_mid_file_keeps_whole_batches_and_says_where_it_stopped(manager, monkeypatch):
    job = started(manager, 7, monkeypatch)
    real_import_rows = import_jobs.import_rows

    def cancel_after_two_batches(rows, **kwargs):
        for number, result in enumerate(real_import_rows(rows, **kwargs), start=1):
            yield result
            if number == 4:  # between batches: no transaction is open
                import_jobs.cancel_import(job=job, staff=manager)

    monkeypatch.setattr(import_jobs, "import_rows", cancel_after_two_batches)
    job = run(job)

    assert job.status == ImportStatus.CANCELLED
    assert (job.imported, job.rows_done, job.next_row) == (4, 4, 6)
    assert Household.objects.count() == 4
    assert HouseholdImportRow.objects.filter(phase="import").count() == 4
    assert "a resume continues from row 6" in job.message

    monkeypatch.setattr(import_jobs, "import_rows", real_import_rows)
    job = run(import_jobs.resume_import(job=job, staff=manager))
    assert job.status == ImportStatus.DONE
    assert (job.imported, job.rows_done, job.next_row) == (7, 7, 9)
    assert Household.objects.count() == 7
    rows = HouseholdImportRow.objects.filter(phase="import").order_by("row")
    assert list(rows.values_list("row", flat=True)) == list(range(2, 9))


def test_a_failure_mid_file_leaves_a_clear_state_and_resumes(manager, monkeypatch):
    job = started(manager, 7, monkeypatch)
    real_register = imports.register_households
    calls = []

    def fail_on_the_third_batch(*, households, staff):
        calls.append(len(households))
        if len(calls) == 3:
            raise RuntimeError("the disk is full")
        return real_register(households=households, staff=staff)

    monkeypatch.setattr(imports, "register_households", fail_on_the_third_batch)
    job = run(job)

    assert job.status == ImportStatus.FAILED
    assert (job.imported, job.next_row) == (4, 6)
    assert Household.objects.count() == 4
    assert job.message == (
        "Stopped by an error: the rows before row 6 are done (4 households registered); "
        "a resume continues from row 6. The error: RuntimeError: the disk is full"
    )

    monkeypatch.setattr(imports, "register_households", real_register)
    job = run(import_jobs.resume_import(job=job, staff=manager))
    assert job.status == ImportStatus.DONE
    assert job.imported == 7
    assert Household.objects.count() == 7


def test_a_stale_attempt_does_nothing(manager):
    job = import_jobs.start_import(
        file_name="a.csv", data=csv_bytes([household_row()]), staff=manager
    )
    stale = job.attempt
    job = import_jobs.cancel_import(job=job, staff=manager)
    import_jobs.run_check(job.pk, stale)
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert job.rows_total is None
    assert not HouseholdImportRow.objects.exists()


def test_a_stalled_job_can_be_resumed(client, manager):
    job = import_jobs.start_import(
        file_name="a.csv", data=csv_bytes([household_row()]), staff=manager
    )
    HouseholdImport.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    client.force_login(manager.user)
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-state="stalled"' in page
    assert "Check the file again" in page
    client.post(reverse("households:import_resume", args=[job.pk]))
    job.refresh_from_db()
    assert job.attempt == 2
    assert job.heartbeat_at is None
    assert check(job).status == ImportStatus.CHECKED


def test_the_progress_fragment_polls_while_running_and_reloads_when_done(client, manager):
    client.force_login(manager.user)
    upload(client, csv_bytes([household_row()]))
    job = HouseholdImport.objects.get()
    url = reverse("households:import_progress", args=[job.pk])
    fragment = client.get(url, {"running": 1})
    assert 'hx-trigger="every 1s"' in fragment.content.decode()
    assert "HX-Refresh" not in fragment
    check(job)
    assert client.get(url, {"running": 1})["HX-Refresh"] == "true"


# ------------------------------------------------------------------------ the real worker


@pytest.mark.django_db(transaction=True)
def test_the_background_worker_checks_and_imports(manager):
    """`manage.py db_worker` in a child process, on this test's database."""
    HouseholdFactory(phone_number="+1 312 555 0142")
    job = import_jobs.start_import(file_name="p.csv", data=csv_bytes(mixed_rows()), staff=manager)

    result = run_task_worker(connection)
    assert result.returncode == 0, result.stderr
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.message
    assert Household.objects.count() == 1

    import_jobs.confirm_import(job=job, staff=manager)
    result = run_task_worker(connection)
    assert result.returncode == 0, result.stderr
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.message
    assert (job.imported, job.duplicates, job.errors) == (3, 2, 1)
    assert Household.objects.count() == 4
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
