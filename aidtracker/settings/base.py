"""Settings shared by every environment, read from the environment with django-environ."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "aidtracker.apps.AidTrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "aidtracker.apps.AidTrackerConfig",
    "core",
    "audit",
    "centers",
    "households",
    "inventory",
    "distribution",
    "reports",
]

MIDDLEWARE = [
    "core.logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their caching, every page gets no-store.
    "core.security.NoStoreMiddleware",
    "core.charset.Utf8RequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before sign-in: the language cookie, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.StaffMiddleware",
    # After sign-in: the staff member's stored preference wins.
    "core.middleware.StaffLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aidtracker.urls"
WSGI_APPLICATION = "aidtracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aidtracker.context_processors.staff",
            ],
        },
    },
]


SQLITE_ENGINES = ("django.db.backends.sqlite3", "core.db.backends.sqlite3")


def sqlite_database(path, options=None):
    """Return a SQLite database on the project's backend, in WAL mode.

    The project's backend keeps views and triggers alive when a migration rebuilds a
    table (Django's own fails there). SQLite runs with transaction_mode IMMEDIATE so
    that every atomic block takes the write lock up front and concurrent
    distributions serialise instead of failing with "database is locked". `options`
    (from a DATABASE_URL's query string) win over these.
    """
    return {
        "ENGINE": "core.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            **(options or {}),
        },
    }


def mysql_init_command():
    """The session settings of a MySQL/MariaDB connection.

    UTC session time zone: database-filled timestamps (DEFAULT CURRENT_TIMESTAMP) match
    the naive-UTC values Django writes. On a Galera cluster, causal reads
    (wsrep_sync_wait=1): a node first applies what the cluster committed before the
    read, so a page never misses the household another node registered a moment ago.
    """
    command = "SET sql_mode='STRICT_TRANS_TABLES', time_zone='+00:00'"
    if env.bool("DATABASE_GALERA", default=False):
        command += ", wsrep_sync_wait=1"
    return command


def database_from_env(default_sqlite_path, variable="DATABASE_URL"):
    """Return the database a URL variable names, else a WAL-mode SQLite file.

    A sqlite:// URL gets exactly what no DATABASE_URL gets, with the URL's path.
    """
    if not env(variable, default=""):
        return sqlite_database(env("SQLITE_PATH", default=str(default_sqlite_path)))
    database = env.db(variable)
    if database["ENGINE"] in SQLITE_ENGINES:
        return sqlite_database(database["NAME"], database.get("OPTIONS"))
    if database["ENGINE"] == "django.db.backends.mysql":
        options = database.setdefault("OPTIONS", {})
        options.setdefault("charset", "utf8mb4")
        options.setdefault("init_command", mysql_init_command())
    database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    database["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
    return database


DATABASES = {"default": database_from_env(BASE_DIR / "db.sqlite3")}
# Report pages and exports read from a replica (or through a SELECT-only reporting
# account) when DATABASE_REPLICA_URL names one and it is at most
# REPLICA_MAX_LAG_SECONDS behind; everything else, and every write, uses the primary.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **database_from_env(BASE_DIR / "db.sqlite3", "DATABASE_REPLICA_URL"),
        "TEST": {"MIRROR": "default"},
    }
REPLICA_MAX_LAG_SECONDS = env.int("REPLICA_MAX_LAG_SECONDS", default=300)
DATABASE_ROUTERS = ["core.db.replica.ReplicaRouter"]
# A MariaDB Galera cluster (any node takes writes) certifies writes, not row locks:
# with DATABASE_GALERA on, the transactions that must exclude each other across
# nodes (serving a household, voiding) also write a row of Cluster_Locks, and retry
# longer when certification refuses their commit (core.db.galera); reads are causal
# (mysql_init_command). Off on one server or SQLite, where the row locks suffice.
DATABASE_GALERA = env.bool("DATABASE_GALERA", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "centers.backends.ActiveStaffBackend",
]

# Failed logins: after AXES_FAILURE_LIMIT failures for one account from one address,
# that pair is locked out for AXES_COOLOFF_TIME hours. Field sites often share one
# public address, so the lock is per account and address, not per address alone.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_TIME", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The username the failures count against: the account's own, however it was typed
# (centers.backends.lockout_username).
AXES_USERNAME_CALLABLE = "centers.backends.lockout_username"
# The address the failures count against. Behind reverse proxies every request comes
# from the proxy: TRUSTED_PROXY_COUNT says how many stand in front of the portal, and
# the client's address is then read from X-Forwarded-For (core.client_address).
# 0 (the default) reads only the direct peer's address, which nobody can forge.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        f"TRUSTED_PROXY_COUNT must be 0 or the number of reverse proxies in front of the "
        f"portal, not {TRUSTED_PROXY_COUNT}."
    )
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_ip"
# A wrong old password at the password change counts as a failed sign-in too
# (centers.passwords); axes keeps a failure's form data with these fields masked.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "old_password",
    "new_password1",
    "new_password2",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_ENGINE = "core.sessions"
# Field devices are shared: a sign-in lasts a working day (seconds), and ends when the
# browser closes. A browser that restores its last session on start (or a phone's,
# which never really closes) keeps the sign-in until SESSION_COOKIE_AGE runs out.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=10 * 60 * 60)
if SESSION_COOKIE_AGE < 1:
    raise ImproperlyConfigured(
        f"SESSION_COOKIE_AGE must be a number of seconds above 0 (36000 is 10 hours), "
        f"not {SESSION_COOKIE_AGE}."
    )
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Each language is named in itself (autonyms, never translated): whoever cannot read the
# current language still finds theirs in the switcher.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The signed-out choice (the login page's switcher) outlives the session: a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Region used to read phone numbers typed without a country code (ISO 3166 alpha-2).
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="US")

# The contact details of a household each role sees whole; any other is masked on
# every page, fragment and export (centers.policies.visible_personal_fields; the
# fields are listed in centers.policies.MASKABLE_FIELDS). Names are shown to every
# role: the distribution desk recognises a family by them. docs/DATA_PROTECTION.md.
PERSONAL_DATA_VISIBLE_TO = {
    "volunteer": ["notes"],
    "worker": ["phone_number", "email", "address", "notes"],
    "manager": ["phone_number", "email", "address", "notes"],
    "admin": ["phone_number", "email", "address", "notes"],
}

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from the npm registry at install time (`npm ci`), never
# from a CDN at run time: field sites have poor or no internet.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/jsqr", NODE_MODULES / "jsqr" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Background jobs (bulk registration) are queued in the database and run by
# `manage.py db_worker`, a process of their own (make demo and docker-compose start
# one). A queued job waits in its table until a worker takes it: nothing is lost
# while no worker runs, and the page that started it says it is waiting.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# A stock transfer still in transit this many days after dispatch is flagged as
# overdue on the transfer list, the stock page and the dashboard.
TRANSFER_OVERDUE_DAYS = env.int("TRANSFER_OVERDUE_DAYS", default=7)

# Where `manage.py backup` writes and the System status page looks for the latest backup.
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "backups")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Logs go to stdout, one JSON object per line (LOG_FORMAT=plain for people reading a terminal).
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}
