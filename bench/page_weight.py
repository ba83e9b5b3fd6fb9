"""Bytes a phone downloads per page, per language, on the demo world.

    .venv/bin/python -m bench.page_weight

Builds the demo world (`seed_demo`) in a throwaway SQLite database, signs in as each
demo role through Django's test client, and prints, per language, the gzipped size
of the cold login page (HTML with its stylesheets and scripts) and of each page's
HTML afterwards (static files are cached by then). The budget the tests hold is in
devtools/page_weight.py.
"""

import logging
import os
import sys
import tempfile
from pathlib import Path

PAGES = [
    ("worker", "home", {}),
    ("worker", "households:list", {}),
    ("worker", "distribution:new", {}),
    ("worker", "distribution:log", {}),
    ("worker", "inventory:stock", {}),
    ("worker", "inventory:transfers", {}),
    ("manager", "households:duplicates", {}),
    ("manager", "reports:index", {}),
    ("manager", "reports:monthly", {}),
    ("manager", "reports:stock", {}),
    ("manager", "reports:coverage", {}),
]


def kib(size):
    return f"{size / 1024:.1f}"


def main():
    with tempfile.TemporaryDirectory(prefix="aidtracker-weight-") as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'demo.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtracker.settings.dev")
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse

        from devtools.page_weight import COLD_LOGIN_BUDGET, WARM_PAGE_BUDGET, measure

        logging.disable(logging.INFO)  # one request log line per measured page otherwise
        call_command("migrate", interactive=False, verbosity=0)
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", stdout=quiet)
        languages = [code for code, _ in settings.LANGUAGES]
        host = {"HTTP_HOST": "127.0.0.1"}
        rows = []
        login = [
            measure(Client(), reverse("login"), HTTP_ACCEPT_LANGUAGE=code, **host)
            for code in languages
        ]
        rows.append(("login, cold (HTML + CSS + JS)", [weight.cold for weight in login]))
        rows.append(("login, HTML only", [weight.warm for weight in login]))
        users = get_user_model().objects
        for username, name, kwargs in PAGES:
            sizes = []
            for code in languages:
                client = Client()
                client.force_login(users.get(username=username))
                sizes.append(
                    measure(
                        client, reverse(name, kwargs=kwargs), HTTP_ACCEPT_LANGUAGE=code, **host
                    ).warm
                )
            rows.append((f"{name} ({username})", sizes))
        width = max(len(label) for label, _ in rows)
        print(f"{'page (KiB gzipped)':<{width}}  " + "  ".join(f"{code:>6}" for code in languages))
        for label, sizes in rows:
            print(f"{label:<{width}}  " + "  ".join(f"{kib(size):>6}" for size in sizes))
        cold, warm = kib(COLD_LOGIN_BUDGET), kib(WARM_PAGE_BUDGET)
        print(f"\nbudget: cold login {cold} KiB, any later page {warm} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
