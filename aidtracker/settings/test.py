"""Settings for the test suite: fast hashing, a file-backed SQLite so threads share it."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, INSTALLED_APPS, env

SECRET_KEY = "test-only-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Development tooling (demo data, synthetic load, test-database helpers). It comes
# first because its `flush` must win: the append-only triggers refuse the DELETEs
# that end a transactional test, and its `flush` empties those tables without them.
INSTALLED_APPS = ["devtools", *INSTALLED_APPS]

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # An in-memory database cannot be shared between the threads of the
    # concurrency tests; a file can. pytest-xdist suffixes the name per worker.
    test_path = env("SQLITE_TEST_PATH", default=str(BASE_DIR / ".test-db.sqlite3"))
    DATABASES["default"]["TEST"] = {"NAME": test_path}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {
        "CHARSET": "utf8mb4",
        "COLLATION": "utf8mb4_unicode_ci",
    }

LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
