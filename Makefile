# `make demo` runs the portal with demo data; `make test` runs every check.
# Both work on a fresh Debian/Ubuntu machine with Python 3.11+ and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ADDRESS := 127.0.0.1:8000
ASSETS := node_modules/.installed

.PHONY: demo test lint format install install-dev system-deps clean messages catalogs

# The development server, with the scheduler's rollup fold and the background task
# worker (bulk imports) running beside it; Ctrl-C stops all three.
demo: $(VENV)/.installed $(ASSETS) messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py rebuild_rollup --fold --every 60 >/dev/null & scheduler=$$!; \
		$(BIN)/python manage.py db_worker --no-reload --verbosity 0 & worker=$$!; \
		trap 'kill $$scheduler $$worker' EXIT INT TERM; \
		$(BIN)/python manage.py runserver $(ADDRESS)

# ruff, then pytest against whatever DATABASE_URL says (unset: SQLite).
# Any non-zero exit fails the target, including pytest's 5 ("no tests collected").
test: lint $(ASSETS) messages
	$(BIN)/pytest $(PYTEST_ARGS)

# ruff, then the import contracts of pyproject.toml (apps import one way, no cycles).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The translations: locale/<lang>/LC_MESSAGES/django.po is committed, its compiled .mo
# is not; each .mo is rebuilt only when its .po is newer (docs/I18N.md).
CATALOGS := $(wildcard locale/*/LC_MESSAGES/django.po)
COMPILED := $(CATALOGS:.po=.mo)

messages: $(COMPILED)

$(COMPILED): %.mo: %.po | $(VENV)/.installed
	@command -v msgfmt >/dev/null || $(MAKE) --no-print-directory system-deps
	$(BIN)/python manage.py compilemessages --locale $(word 2,$(subst /, ,$@)) \
		--ignore .venv --ignore node_modules --ignore staticfiles

# Re-extract every marked string into the catalogs (the languages of settings.LANGUAGES
# but English): translations are kept, a changed string comes back fuzzy, strings no
# longer used are dropped. The options live in devtools/i18n.py, shared with the test
# that fails when the committed catalogs are out of date.
catalogs: $(VENV)/.installed
	@command -v msgmerge >/dev/null || $(MAKE) --no-print-directory system-deps
	$(BIN)/python -m devtools.i18n catalogs

install: $(VENV)/.installed $(ASSETS)
install-dev: $(VENV)/.installed-dev $(ASSETS)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	@$(MAKE) --no-print-directory system-deps
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	@$(MAKE) --no-print-directory system-deps
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(BIN)/python:
	@$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)

# Bootstrap and Chart.js, served by Django's staticfiles (never from a CDN).
$(ASSETS): package.json package-lock.json
	@$(MAKE) --no-print-directory system-deps
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

export HAS_PYTHON_H := import os, sys, sysconfig; \
	sys.exit(not os.path.exists(os.path.join(sysconfig.get_path("include"), "Python.h")))

# Check for what building mysqlclient, the venv, the npm assets and the translations
# (GNU gettext's msgfmt) need; install it when root with apt-get, otherwise print the
# exact command to run.
system-deps:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "AidTracker needs Python 3.11 or newer ($(PYTHON) is older)."; exit 1; }
	@missing=""; \
	pkg-config --exists mysqlclient 2>/dev/null || missing="pkg-config default-libmysqlclient-dev"; \
	command -v gcc >/dev/null || missing="$$missing gcc"; \
	$(PYTHON) -c "$$HAS_PYTHON_H" || missing="$$missing python3-dev"; \
	$(PYTHON) -c 'import ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing system packages:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get -qq update && apt-get -qq install -y --no-install-recommends $$missing >/dev/null; \
	else \
		echo "Missing system packages. Install them with:"; \
		echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
		exit 1; \
	fi

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache .test-db.sqlite3*
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find locale -name '*.mo' -delete 2>/dev/null || true
