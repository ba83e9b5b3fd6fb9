"""Bulk registration in the portal: an uploaded file is checked, previewed, imported.

The person uploading starts the job and the background worker (`manage.py
db_worker`) does the work, in two steps: the check (every row's verdict, nothing
saved) and, once a manager confirms the preview, the import. Each step is a task
carrying the job's `attempt`; cancelling or resuming gives the job a new attempt,
and a worker still running an older one stops at its next batch without writing
(its batch's transaction rolls back). The import records its progress in the
transaction of each batch it registers, so the job always says exactly which rows
are registered and from which row to resume.

Each task also carries the language of whoever queued it, and runs in it: the step,
the job's message and the rows' messages it writes are in that person's language.
"""

import datetime
import hashlib
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from centers import policies

from .import_files import ImportRefused, check_header, parse_rows
from .import_models import (
    MAX_IMPORT_BYTES,
    HouseholdImport,
    HouseholdImportRow,
    ImportPhase,
    ImportStatus,
)
from .imports import REGISTERED, Verdict, check_rows, import_rows

logger = logging.getLogger(__name__)

IMPORT_NOT_ALLOWED_MESSAGE = _("Only managers and admins can import households from a file.")
# A running step that has not reported progress for this long has lost its worker
# (stopped, restarted, killed): the page offers to resume it.
STALLED_AFTER = datetime.timedelta(minutes=5)
ROW_WRITE_SIZE = 1000

# The steps, as the job records them (in the language of whoever started it).
STEP_WAITING = _("Waiting for the background worker")
STEP_READING = _("Reading the file")
STEP_CHECKING = _("Checking rows")
STEP_WRITING = _("Registering households")
TOO_LARGE_MESSAGE = _("The file is larger than %(megabytes)d MB: split it.")


class Superseded(Exception):
    """The job was cancelled or resumed since this task started; it must stop."""


def _require(staff):
    if not policies.can_import_households(staff):
        raise PermissionDenied(IMPORT_NOT_ALLOWED_MESSAGE)


# ------------------------------------------------------------------------ what people do


def start_import(*, file_name, data, staff):
    """Keep the uploaded file and queue its check; return the HouseholdImport.

    The file's format and header are checked now, while the person is on the page:
    a wrong file is refused with the reason and nothing is kept.
    """
    _require(staff)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(
            TOO_LARGE_MESSAGE,
            code="too_large",
            params={"megabytes": MAX_IMPORT_BYTES // (1024 * 1024)},
        )
    try:
        check_header(file_name, data)
    except ImportRefused as refused:
        raise ValidationError(str(refused)) from None
    with transaction.atomic():
        job = HouseholdImport.objects.create(
            file_name=file_name[:255],
            file_sha256=hashlib.sha256(data).hexdigest(),
            content=data,
            uploaded_by=staff,
            status=ImportStatus.CHECKING,
        )
        _enqueue(job, ImportStatus.CHECKING)
    return job


def confirm_import(*, job, staff):
    """Register the previewed file's rows (checked again as they are written)."""
    _require(staff)
    with transaction.atomic():
        job = _locked(job)
        if job.status != ImportStatus.CHECKED:
            raise ValidationError(
                gettext("Only a checked file that was not imported yet can be imported."),
                code="not_checked",
            )
        job.next_row = 2
        job.confirmed_by = staff
        job.confirmed_at = timezone.now()
        _enqueue(job, ImportStatus.IMPORTING)
    return job


def cancel_import(*, job, staff):
    """Stop the job now. Rows already registered stay registered (whole batches);
    the job says from which row a resume would continue."""
    _require(staff)
    with transaction.atomic():
        job = _locked(job)
        if not job.is_running:
            raise ValidationError(
                gettext("Only a file being checked or imported can be cancelled."),
                code="not_running",
            )
        job.status = ImportStatus.CANCELLED
        job.attempt += 1  # a worker still on the old attempt stops at its next batch
        job.step = ""
        job.finished_at = timezone.now()
        job.message = _stopped_message(job, cancelled=True)
        job.save()
    return job


def resume_import(*, job, staff):
    """Continue a cancelled, failed or stalled job where it stopped."""
    _require(staff)
    with transaction.atomic():
        job = _locked(job)
        if not can_resume(job):
            raise ValidationError(
                gettext("This import has nothing to resume."), code="nothing_to_resume"
            )
        preview = job.phase == ImportPhase.PREVIEW
        _enqueue(job, ImportStatus.CHECKING if preview else ImportStatus.IMPORTING)
    return job


def can_resume(job):
    if job.status in (ImportStatus.CANCELLED, ImportStatus.FAILED):
        return True
    return job.is_running and is_stalled(job)


def is_stalled(job, now=None):
    """A running step whose worker took it but has not reported for STALLED_AFTER."""
    now = now or timezone.now()
    return (
        job.is_running and job.heartbeat_at is not None and now - job.heartbeat_at > (STALLED_AFTER)
    )


def is_waiting(job):
    """Queued, and no worker has taken it yet."""
    return job.is_running and job.heartbeat_at is None


def _locked(job):
    return HouseholdImport.objects.select_for_update().get(pk=job.pk)


def _enqueue(job, status):
    """Give the job a new attempt in `status` and queue the task that runs it.

    The task row is written in the caller's transaction: it exists if and only if
    the job's new state committed.
    """
    from .tasks import check_household_import, run_household_import

    job.status = status
    job.attempt += 1
    job.step = str(STEP_WAITING)
    job.heartbeat_at = None
    job.finished_at = None
    job.message = ""
    if status == ImportStatus.CHECKING:
        job.rows_done = 0
    job.save()
    task = check_household_import if status == ImportStatus.CHECKING else run_household_import
    task.enqueue(job.pk, job.attempt, language=translation.get_language())


def _stopped_message(job, *, cancelled):
    """What a cancelled or failed job had done: one sentence per case and cause, each
    whole for translators."""
    if job.phase == ImportPhase.PREVIEW:
        if cancelled:
            return gettext("Cancelled while checking the file; nothing was registered.")
        return gettext("Stopped by an error while checking the file; nothing was registered.")
    if job.next_row == 2 and not job.imported:
        if cancelled:
            return gettext("Cancelled before any row was registered.")
        return gettext("Stopped by an error before any row was registered.")
    values = {"row": job.next_row, "count": job.imported}
    if cancelled:
        return (
            ngettext(
                "Cancelled: the rows before row %(row)d are done (%(count)d household "
                "registered); a resume continues from row %(row)d.",
                "Cancelled: the rows before row %(row)d are done (%(count)d households "
                "registered); a resume continues from row %(row)d.",
                job.imported,
            )
            % values
        )
    return (
        ngettext(
            "Stopped by an error: the rows before row %(row)d are done (%(count)d household "
            "registered); a resume continues from row %(row)d.",
            "Stopped by an error: the rows before row %(row)d are done (%(count)d households "
            "registered); a resume continues from row %(row)d.",
            job.imported,
        )
        % values
    )


# ------------------------------------------------------------------------ the worker's side


def run_check(job_id, attempt):
    """The check task: every row's verdict, kept as the preview; nothing registered."""
    job = _claim(job_id, attempt, ImportStatus.CHECKING)
    if job is None:
        return
    try:
        rows = _read(job, attempt)
        checked = list(check_rows(rows, progress=_progress(job, attempt)))
        with transaction.atomic():
            job = _current(job_id, attempt)
            job.rows.filter(phase=ImportPhase.PREVIEW).delete()
            _write_rows(job, ImportPhase.PREVIEW, [item.result for item in checked])
            counts = _counts(item.result for item in checked)
            job.imported, job.duplicates, job.possible_duplicates, job.errors = counts
            _finish(job, ImportStatus.CHECKED)
    except Superseded:
        logger.info("household import %s: check attempt %s superseded", job_id, attempt)
    except Exception as error:
        _fail(job_id, attempt, error)


def run_import(job_id, attempt):
    """The import task: register the rows from `next_row` on, a batch at a time."""
    job = _claim(job_id, attempt, ImportStatus.IMPORTING)
    if job is None:
        return
    try:
        rows = [row for row in _read(job, attempt) if row.number >= job.next_row]
        if job.next_row == 2:
            HouseholdImportRow.objects.filter(
                household_import=job, phase=ImportPhase.IMPORT
            ).delete()
            HouseholdImport.objects.filter(pk=job_id).update(
                imported=0, duplicates=0, possible_duplicates=0, errors=0
            )
        results = import_rows(
            rows,
            staff=job.uploaded_by,
            progress=_progress(job, attempt),
            on_batch=lambda batch: _record_batch(job_id, attempt, batch),
        )
        for _result in results:
            pass
        with transaction.atomic():
            _finish(_current(job_id, attempt), ImportStatus.DONE)
    except Superseded:
        logger.info("household import %s: import attempt %s superseded", job_id, attempt)
    except Exception as error:
        _fail(job_id, attempt, error)


def _claim(job_id, attempt, status):
    """The job, marked as taken by a worker, if this task is still its current attempt."""
    with transaction.atomic():
        job = HouseholdImport.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.attempt != attempt or job.status != status:
            return None
        now = timezone.now()
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.step = str(STEP_READING)
        job.save(update_fields=["started_at", "heartbeat_at", "step"])
    return job


def _current(job_id, attempt):
    """The job, locked, if `attempt` is still its current one (else Superseded)."""
    job = HouseholdImport.objects.select_for_update().get(pk=job_id)
    if job.attempt != attempt:
        raise Superseded
    return job


def _read(job, attempt):
    rows = parse_rows(job.file_name, bytes(job.content))
    with transaction.atomic():
        current = _current(job.pk, attempt)
        current.rows_total = len(rows)
        if current.status == ImportStatus.IMPORTING:
            current.rows_done = sum(1 for row in rows if row.number < current.next_row)
        else:
            current.rows_done = 0
        current.heartbeat_at = timezone.now()
        current.save(update_fields=["rows_total", "rows_done", "heartbeat_at"])
    return rows


def _progress(job, attempt):
    """A progress callback for the check: rows checked so far, and a heartbeat.

    While importing, the rows are registered batch by batch as they are checked, and
    `rows_done` counts registered rows (see `_record_batch`): the check only says
    the worker is alive.
    """

    def report(done):
        with transaction.atomic():
            current = _current(job.pk, attempt)
            if current.status == ImportStatus.CHECKING:
                current.rows_done = done
                current.step = str(STEP_CHECKING)
            else:
                current.step = str(STEP_WRITING)
            current.heartbeat_at = timezone.now()
            current.save(update_fields=["rows_done", "step", "heartbeat_at"])

    return report


def _record_batch(job_id, attempt, results):
    """Inside a batch's transaction: its rows' results and the job's progress."""
    job = _current(job_id, attempt)
    _write_rows(job, ImportPhase.IMPORT, results)
    imported, duplicates, possible, errors = _counts(results)
    job.imported += imported
    job.duplicates += duplicates
    job.possible_duplicates += possible
    job.errors += errors
    job.rows_done += len(results)
    job.next_row = results[-1].row + 1
    job.step = str(STEP_WRITING)
    job.heartbeat_at = timezone.now()
    job.save()


def _write_rows(job, phase, results):
    HouseholdImportRow.objects.bulk_create(
        (
            HouseholdImportRow(
                household_import=job,
                phase=phase,
                row=result.row,
                verdict=result.verdict,
                household_id=result.household_id,
                message=result.message,
            )
            for result in results
        ),
        batch_size=ROW_WRITE_SIZE,
    )


def _counts(results):
    """(registered, duplicates, possible duplicates, errors); a possible duplicate is
    registered too, so it counts in both the first and the third."""
    registered = duplicates = possible = errors = 0
    for result in results:
        registered += result.verdict in REGISTERED
        duplicates += result.verdict == Verdict.DUPLICATE
        possible += result.verdict == Verdict.POSSIBLE_DUPLICATE
        errors += result.verdict == Verdict.ERROR
    return registered, duplicates, possible, errors


def _finish(job, status):
    job.status = status
    job.step = ""
    job.finished_at = job.heartbeat_at = timezone.now()
    if status == ImportStatus.CHECKED:
        job.rows_done = job.rows_total or 0
    job.save()


def _fail(job_id, attempt, error):
    """Record why the step stopped; the rows registered before it stay registered."""
    logger.exception("household import %s failed", job_id)
    reason = str(error) if isinstance(error, ImportRefused) else f"{type(error).__name__}: {error}"
    with transaction.atomic():
        job = HouseholdImport.objects.select_for_update().get(pk=job_id)
        if job.attempt != attempt:
            return
        job.status = ImportStatus.FAILED
        job.step = ""
        job.finished_at = timezone.now()
        job.message = gettext("%(stopped)s The error: %(reason)s") % {
            "stopped": _stopped_message(job, cancelled=False),
            "reason": reason,
        }
        job.save()
