"""Django's SQLite backend, with a schema editor that keeps views and triggers alive.

SQLite alters a table by rebuilding it (create a copy, drop, rename). A view that
reads the table makes the rename fail, as does a trigger on another table that
reads it (the rollup triggers read Households), and the drop silently deletes the
table's own triggers: for AidTracker that would be the append-only guarantees. This
backend takes every view and trigger out before a rebuild and puts back their exact
stored definitions afterwards.

It also answers a lookup by a number beyond SQLite's 64-bit integers as MariaDB does,
with no match: Python's sqlite3 refuses to bind such an int (OverflowError), and
Django guards only plain integer lookups, not those through a relation (`center=`, a
one-to-one primary key) or `__in`, so `/admin/.../99999999999999999999/change/` was a
500. Such a number is bound as an infinity, which compares with every stored integer
as the number itself would; a statement that writes it still fails.
"""

import math
from collections.abc import Mapping

from django.db.backends.sqlite3 import base, operations, schema

SQLITE_INTEGERS = range(-(2**63), 2**63)
READ_STATEMENTS = ("SELECT", "DELETE")  # statements whose parameters are never stored


def comparable(value):
    """An int SQLite cannot bind, as the infinity on its side; anything else unchanged."""
    if type(value) is int and value not in SQLITE_INTEGERS:
        return math.inf if value > 0 else -math.inf
    return value


def comparable_params(params):
    if isinstance(params, Mapping):
        return {name: comparable(value) for name, value in params.items()}
    return [comparable(value) for value in params]


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _remake_table(self, model, create_field=None, delete_field=None, alter_fields=None):
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master "
                "WHERE type IN ('view', 'trigger') ORDER BY rowid"
            )
            dependents = cursor.fetchall()
        for kind, name, _ in reversed(dependents):
            self.execute(f'DROP {kind.upper()} IF EXISTS "{name}"', params=None)
        super()._remake_table(
            model, create_field=create_field, delete_field=delete_field, alter_fields=alter_fields
        )
        for _, _, sql in dependents:
            self.execute(sql, params=None)


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):
        try:
            return super().execute(query, params)
        except OverflowError:  # raised while binding, before SQLite ran anything
            if params is None or query.lstrip()[:6].upper() not in READ_STATEMENTS:
                raise
            return super().execute(query, comparable_params(params))


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """The query as run; Django re-binds the parameters to quote them (DEBUG, tests)."""
        return super().last_executed_query(cursor, sql, params and comparable_params(params))


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    ops_class = DatabaseOperations

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)
