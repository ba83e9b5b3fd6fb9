# syntax=docker/dockerfile:1
# AidTracker web image: gunicorn serving Django, static files collected at build.

# mysqlclient has no Linux wheels; compile it (and anything else) to wheels here
# so the final image carries no compiler.
FROM python:3.11-slim-bookworm AS wheels
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc pkg-config default-libmysqlclient-dev \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /tmp/requirements.txt
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r /tmp/requirements.txt

# The translations compiled to .mo files (not committed) by GNU gettext's msgfmt, here
# so that only the .mo files reach the final image, not gettext.
FROM python:3.11-slim-bookworm AS messages
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY requirements.txt .
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels -c requirements.txt Django
COPY locale locale
RUN django-admin compilemessages

# Bootstrap, Chart.js and jsQR from the npm registry, collected into the static files below.
FROM node:20-bookworm-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=aidtracker.settings.production \
    BACKUP_DIR=/backups
# libmariadb3 is the client library the mysqlclient wheel links against;
# mariadb-client gives `manage.py backup`/`restore` their mariadb-dump and mariadb.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmariadb3 mariadb-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /app --no-create-home aidtracker \
    && install -d -o aidtracker -g aidtracker /backups
WORKDIR /app
COPY requirements.txt .
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels -r requirements.txt

# The code stays owned by root: the app user can read it but not change it.
COPY . .
COPY --from=assets /assets/node_modules node_modules
COPY --from=messages /build/locale locale
# collectstatic needs settings that load, not a real secret or a database.
RUN SECRET_KEY=collectstatic-at-build-time-only-never-used-to-serve-requests \
    python manage.py collectstatic --noinput

USER aidtracker
EXPOSE 8000
ENTRYPOINT ["docker/entrypoint.sh"]
# gunicorn reads /app/gunicorn.conf.py: one sync worker per core (WEB_CONCURRENCY);
# GUNICORN_THREADS above 1 switches to gthread workers; see docs/OPERATIONS.md.
# Requests are logged as JSON by the app itself.
CMD ["gunicorn", "aidtracker.wsgi", "--bind", "0.0.0.0:8000"]
