"""Production settings for the load and fault runs, with collected static files in a temp dir.

Everything is `aidtracker.settings.production` (DEBUG off, manifest static storage,
JSON request logs); only STATIC_ROOT moves, so that a run never writes into the
working tree. The runner collects static files there before gunicorn starts.
"""

import os

from aidtracker.settings.production import *  # noqa: F403

STATIC_ROOT = os.environ["AIDTRACKER_LOAD_STATIC_ROOT"]
