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
