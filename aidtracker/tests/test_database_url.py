"""A SQLite DATABASE_URL gets what no DATABASE_URL gets: the project's backend and options.

Django's own SQLite backend cannot rebuild a table that a view reads, so `migrate`
fails on it, and it would run without WAL and IMMEDIATE transactions.
"""

import sqlite3
from contextlib import closing

import pytest

from aidtracker.settings.base import database_from_env
from devtools.commands import run_manage


@pytest.fixture
def no_database_env(monkeypatch):
    for name in ("DATABASE_URL", "SQLITE_PATH", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_a_sqlite_url_gives_what_the_default_sqlite_gives(no_database_env, tmp_path):
    default = database_from_env(tmp_path / "default.sqlite3")
    no_database_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")

    from_url = database_from_env(tmp_path / "default.sqlite3")

    assert default["ENGINE"] == "core.db.backends.sqlite3"
    assert default["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in default["OPTIONS"]["init_command"]
    assert from_url == {**default, "NAME": str(tmp_path / "x.sqlite3")}


def test_options_in_a_sqlite_url_win_over_the_defaults(no_database_env, tmp_path):
    no_database_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3?timeout=5")

    options = database_from_env(tmp_path / "default.sqlite3")["OPTIONS"]

    assert int(options["timeout"]) == 5
    assert options["transaction_mode"] == "IMMEDIATE"


def test_a_mysql_url_still_gets_the_mysql_options(no_database_env):
    no_database_env.setenv("DATABASE_URL", "mysql://u:p@127.0.0.1:3306/aid")

    database = database_from_env("unused")

    assert database["ENGINE"] == "django.db.backends.mysql"
    assert database["OPTIONS"]["charset"] == "utf8mb4"
    assert database["CONN_MAX_AGE"] == 60


def test_migrate_succeeds_with_a_sqlite_url(tmp_path):
    path = tmp_path / "x.sqlite3"

    result = run_manage({"DATABASE_URL": f"sqlite:///{path}"}, "migrate", "--noinput")

    assert result.returncode == 0, result.stdout + result.stderr
    with closing(sqlite3.connect(path)) as database:
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        views = {
            name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type='view'")
        }
    assert "vw_household_eligibility" in views
