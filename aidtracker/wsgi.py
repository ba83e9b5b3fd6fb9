"""WSGI entry point for gunicorn."""

import os

from core.charset import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtracker.settings.production")

application = get_wsgi_application()
