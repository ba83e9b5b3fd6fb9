"""Migration operations for database objects whose SQL differs per vendor."""

from django.db import migrations

SUPPORTED_VENDORS = ("mysql", "sqlite")


class VendorRunSQL(migrations.RunSQL):
    """Run the statements written for the connection's vendor (MySQL/MariaDB or SQLite).

    Pass each direction as a dict of vendor -> list of complete statements, so a
    `CREATE TRIGGER ... BEGIN ... END` goes to the server in one execute. A vendor
    left out of the dict (e.g. stored procedures on SQLite) is skipped on purpose.
    """

    def __init__(self, sql, reverse_sql, *, elidable=False):
        for direction in (sql, reverse_sql):
            unknown = set(direction) - set(SUPPORTED_VENDORS)
            if unknown:
                raise ValueError(f"Unknown vendor(s) {sorted(unknown)}; use {SUPPORTED_VENDORS}.")
        super().__init__(sql=sql, reverse_sql=reverse_sql, elidable=elidable)

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"sql": self.sql, "reverse_sql": self.reverse_sql},
        )

    def describe(self):
        return "Vendor-specific SQL operation"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run_for_vendor(app_label, schema_editor, self.sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run_for_vendor(app_label, schema_editor, self.reverse_sql)

    def _run_for_vendor(self, app_label, schema_editor, statements_by_vendor):
        vendor = schema_editor.connection.vendor
        if vendor not in SUPPORTED_VENDORS:
            raise NotImplementedError(
                f"AidTracker supports MySQL/MariaDB and SQLite; this database is {vendor!r}."
            )
        if not self.allowed_to_migrate(schema_editor.connection.alias, app_label):
            return
        for statement in statements_by_vendor.get(vendor, []):
            schema_editor.execute(statement, params=None)

    def allowed_to_migrate(self, alias, app_label):
        from django.db import router

        return router.allow_migrate(alias, app_label, **(self.hints or {}))


def drop_if_exists(kind, name):
    """Return reverse statements that drop one view, trigger or procedure where it can exist.

    SQLite has no stored procedures, so a PROCEDURE is dropped on MySQL/MariaDB only.
    """
    statement = f"DROP {kind} IF EXISTS {name}"
    vendors = ("mysql",) if kind.upper() == "PROCEDURE" else SUPPORTED_VENDORS
    return {vendor: [statement] for vendor in vendors}
