"""Settings for running the portal on a developer's or newcomer's machine."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, LOGGING, env

DEBUG = env.bool("DEBUG", default=True)
# seed_demo and generate_load_data (development tooling, not in the Docker image).
INSTALLED_APPS = ["devtools", *INSTALLED_APPS]
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="plain")
