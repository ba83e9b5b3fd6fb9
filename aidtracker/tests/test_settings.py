"""Production settings: deploy checks pass, and a missing secret stops the process.

Each case runs Django in a subprocess with the venv's python and its own
environment, because settings are read once per process.
"""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

BASE_DIR = settings.BASE_DIR

# Environment variables the production settings read; cleared so the defaults are tested.
SETTINGS_VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def production_env(**overrides):
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env |= {"DJANGO_SETTINGS_MODULE": "aidtracker.settings.production", **overrides}
    return {key: value for key, value in env.items() if value is not None}


def run(args, env):
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def real_secret_key():
    key = secrets.token_urlsafe(48)
    assert len(key) == 64
    return key


def check_deploy(**overrides):
    env = production_env(SECRET_KEY=real_secret_key(), ALLOWED_HOSTS="aid.example.org", **overrides)
    return run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)


def test_check_deploy_passes_with_default_production_settings():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_passes_once_hsts_preload_is_chosen():
    """W021 is the only finding: with preload chosen, nothing else is reported."""
    result = check_deploy(SECURE_HSTS_PRELOAD="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param(None, id="unset"),
        pytest.param("", id="empty"),
        pytest.param("dev-only-insecure-key-do-not-use-in-production-0123456789", id="dev"),
        pytest.param("x" * 20, id="too-short"),
    ],
)
def test_production_settings_refuse_to_import_without_a_real_secret_key(secret_key):
    if secret_key is None and (BASE_DIR / ".env").exists():
        pytest.skip("a local .env may provide SECRET_KEY")
    env = production_env(SECRET_KEY=secret_key, ALLOWED_HOSTS="aid.example.org")

    result = run(["-c", "import aidtracker.settings.production"], env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_settings_import_with_a_real_secret_key():
    env = production_env(SECRET_KEY=real_secret_key(), ALLOWED_HOSTS="aid.example.org")
    code = (
        "from django.conf import settings; "
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_SSL_REDIRECT, settings.ALLOWED_HOSTS)"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True True True ['aid.example.org']"
