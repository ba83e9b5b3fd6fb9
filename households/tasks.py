"""Background tasks, run by `manage.py db_worker` (see aidtracker.settings TASKS)."""

from django_tasks import task

from . import import_jobs


@task()
def check_household_import(job_id, attempt):
    """Check an uploaded file's rows: the preview a manager confirms."""
    import_jobs.run_check(job_id, attempt)


@task()
def run_household_import(job_id, attempt):
    """Register a confirmed file's rows, from where it stopped if it stopped."""
    import_jobs.run_import(job_id, attempt)
