"""Database objects (views, triggers, procedures) kept as versioned SQL files.

Each app keeps its objects in `<app>/sql/<vendor>/<object>.<version>.sql`, one file
per object, vendor and version, where the version is the number of the migration that
first installed that text. A released file is never edited: a change is a new file
and a new migration that installs it (and, going back, the previous version).
A vendor without a file for an object (SQLite has no procedures) skips it.

An object file holds one CREATE statement. Any other file (a data script such as a
backfill) holds statements that each end with `;` at the end of a line. Leading
`--` comment lines are not sent to the server.

Migrations load files through `SQLObjects` and `SQLScript` (core.db.migrations), and
tests, rebuild and verify read the same files through `read_statements` and
`latest_version`, so no migration imports another and nothing restates the text.
"""

import re
from functools import cache
from pathlib import Path

from django.apps import apps

CREATE_OBJECT = re.compile(
    r"^CREATE\s+(?:OR\s+REPLACE\s+)?(TRIGGER|VIEW|PROCEDURE)\s+`?(\w+)`?", re.IGNORECASE
)
STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")
FILE_NAME = re.compile(r"^(?P<name>\w+)\.(?P<version>\d{4})\.sql$")


def sql_directory(app_label, vendor):
    return Path(apps.get_app_config(app_label).path) / "sql" / vendor


def sql_path(app_label, vendor, stem):
    """The file `<stem>.sql` of an app and vendor; `stem` is `<object>.<version>`."""
    return sql_directory(app_label, vendor) / f"{stem}.sql"


def _without_leading_comments(text):
    lines = text.strip().splitlines()
    while lines and (lines[0].startswith("--") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines).strip()


def split_statements(text):
    """Return the statements of one file's text (see the module docstring)."""
    text = _without_leading_comments(text)
    if CREATE_OBJECT.match(text):
        return [text.removesuffix(";").rstrip()]
    return [part.strip() for part in STATEMENT_END.split(text) if part.strip()]


@cache
def read_statements(app_label, vendor, stem):
    """The statements of one file, or an empty tuple when the vendor has no such file."""
    path = sql_path(app_label, vendor, stem)
    if not path.exists():
        return ()
    return tuple(split_statements(path.read_text(encoding="utf-8")))


def object_kind_and_name(statement):
    match = CREATE_OBJECT.match(statement)
    if match is None:
        raise ValueError(f"Not a CREATE TRIGGER/VIEW/PROCEDURE statement: {statement[:60]!r}")
    return match.group(1).upper(), match.group(2)


def versions(app_label, vendor, name):
    """Every released version of an object, oldest first."""
    found = []
    directory = sql_directory(app_label, vendor)
    for path in directory.glob(f"{name}.*.sql") if directory.exists() else ():
        match = FILE_NAME.match(path.name)
        if match and match["name"] == name:
            found.append(match["version"])
    return sorted(found)


def latest_statement(app_label, vendor, name):
    """The CREATE statement of an object's newest version for a vendor, or None."""
    released = versions(app_label, vendor, name)
    if not released:
        return None
    (statement,) = read_statements(app_label, vendor, f"{name}.{released[-1]}")
    return statement


def object_names(app_label, vendor):
    """Names of the objects an app ships for a vendor (data scripts excluded)."""
    names = set()
    directory = sql_directory(app_label, vendor)
    for path in directory.glob("*.sql") if directory.exists() else ():
        match = FILE_NAME.match(path.name)
        if match and CREATE_OBJECT.match(_without_leading_comments(path.read_text("utf-8"))):
            names.add(match["name"])
    return sorted(names)


def _installed_bodies(cursor, vendor):
    """{name: text the database keeps} for triggers and procedures, and views' names.

    SQLite keeps each CREATE statement verbatim; MySQL/MariaDB keeps trigger and
    procedure bodies verbatim but rewrites views, so a view is only checked to exist.
    """
    if vendor == "sqlite":
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')")
        return dict(cursor.fetchall())
    cursor.execute(
        "SELECT trigger_name, action_statement FROM information_schema.triggers"
        " WHERE trigger_schema = DATABASE()"
    )
    installed = dict(cursor.fetchall())
    cursor.execute(
        "SELECT routine_name, routine_definition FROM information_schema.routines"
        " WHERE routine_schema = DATABASE()"
    )
    installed.update(cursor.fetchall())
    cursor.execute(
        "SELECT table_name, NULL FROM information_schema.views WHERE table_schema = DATABASE()"
    )
    installed.update(cursor.fetchall())
    return installed


def drifted_objects(connection, app_labels):
    """Names of the apps' objects missing from the database or unlike their newest file."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        installed = _installed_bodies(cursor, vendor)
    drifted = []
    for app_label in app_labels:
        for name in object_names(app_label, vendor):
            statement = latest_statement(app_label, vendor, name)
            if name not in installed or not _same_text(statement, installed[name], vendor):
                drifted.append(name)
    return drifted


def _same_text(statement, installed, vendor):
    if vendor == "sqlite":
        return installed == statement
    if installed is None:  # a MySQL view: rewritten by the server, present is enough
        return True
    return statement.endswith(installed.strip())
