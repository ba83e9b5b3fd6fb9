"""Django's SQLite backend, with a schema editor that keeps views and triggers alive.

SQLite alters a table by rebuilding it (create a copy, drop, rename). A view that
reads the table makes the rename fail, and the drop silently deletes the table's
triggers: for AidTracker that would be the append-only guarantees. This backend
takes the views and the table's triggers out before a rebuild and puts back their
exact stored definitions afterwards.
"""

from django.db.backends.sqlite3 import base, schema


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _remake_table(self, model, create_field=None, delete_field=None, alter_fields=None):
        table = model._meta.db_table
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master "
                "WHERE (type = 'view') OR (type = 'trigger' AND tbl_name = %s) ORDER BY rowid",
                [table],
            )
            dependents = cursor.fetchall()
        for kind, name, _ in reversed(dependents):
            self.execute(f'DROP {kind.upper()} IF EXISTS "{name}"', params=None)
        super()._remake_table(
            model, create_field=create_field, delete_field=delete_field, alter_fields=alter_fields
        )
        for _, _, sql in dependents:
            self.execute(sql, params=None)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
