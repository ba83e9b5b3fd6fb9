#!/bin/sh
# Apply migrations before the web server starts; other commands run as given, so
# `docker compose run --rm web python manage.py ...` does not migrate first.
set -e
if [ "$1" = "gunicorn" ]; then
    python manage.py migrate --noinput
fi
exec "$@"
