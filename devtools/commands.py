"""Run `manage.py` in a child process, as an operator would, against other settings."""

import os
import subprocess
import sys

from django.conf import settings


def run_manage(env_overrides, *args):
    """Run `manage.py *args` with test settings plus `env_overrides`; return the result.

    A child process gets its own database connection and settings, so a test can point
    it at another database (DATABASE_URL) or another account.
    """
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aidtracker.settings.test", **env_overrides}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def database_url(connection):
    """The DATABASE_URL of the database `connection` uses (the test database in a
    test), so a child process reads and writes the same one."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    return (
        f"mysql://{settings_dict['USER']}:{settings_dict['PASSWORD']}@"
        f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 3306}/"
        f"{settings_dict['NAME']}"
    )


def run_task_worker(connection, *, timeout=300):
    """Run the background worker (`db_worker`) over the queued tasks until none is
    left, in a child process on `connection`'s database; return the result."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aidtracker.settings.test"}
    env["DATABASE_URL"] = database_url(connection)
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_task_worker(connection):
    """Start the background worker in a child process; the caller stops it (Popen)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "aidtracker.settings.test"}
    env["DATABASE_URL"] = database_url(connection)
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.2",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
