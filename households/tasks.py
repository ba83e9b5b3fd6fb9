"""Background tasks, run by `manage.py db_worker` (see aidtracker.settings TASKS).

Each runs in the language of whoever queued it (`language`; the portal's default for
a task queued before tasks carried one), so what it writes reads as the pages do.
"""

from django.conf import settings
from django.utils import translation
from django_tasks import task

from . import import_jobs


@task()
def check_household_import(job_id, attempt, language=None):
    """Check an uploaded file's rows: the preview a manager confirms."""
    with translation.override(language or settings.LANGUAGE_CODE):
        import_jobs.run_check(job_id, attempt)


@task()
def run_household_import(job_id, attempt, language=None):
    """Register a confirmed file's rows, from where it stopped if it stopped."""
    with translation.override(language or settings.LANGUAGE_CODE):
        import_jobs.run_import(job_id, attempt)
