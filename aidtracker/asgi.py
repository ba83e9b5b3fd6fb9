"""ASGI entry point."""

import os

from core.charset import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtracker.settings.production")

application = get_asgi_application()
