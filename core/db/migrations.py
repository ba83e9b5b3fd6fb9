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


class SQLObjects(VendorRunSQL):
    """Install versions of database objects from the app's SQL files.

    `install` names files as `<object>.<version>`; each is dropped if it exists and
    created from its file. Going back, `previous` names the versions to put back; an
    installed object with no previous version is dropped. Each vendor runs the files
    it has (a procedure has no SQLite file), and a name no vendor has is an error.
    """

    def __init__(self, app_label, install, previous=(), *, elidable=False):
        self.files = {"app_label": app_label, "install": list(install), "previous": list(previous)}
        super().__init__(
            sql=_objects_sql(app_label, install),
            reverse_sql=_objects_sql(app_label, previous, dropping=install),
            elidable=elidable,
        )


class SQLScript(VendorRunSQL):
    """Run a data script from the app's SQL files (and, going back, another one)."""

    def __init__(self, app_label, forward=None, backward=None, *, elidable=False):
        self.files = {"app_label": app_label, "forward": forward, "backward": backward}
        super().__init__(
            sql=_script_sql(app_label, forward),
            reverse_sql=_script_sql(app_label, backward),
            elidable=elidable,
        )


def _deconstruct_files(operation):
    return (operation.__class__.__qualname__, [], dict(operation.files))


SQLObjects.deconstruct = _deconstruct_files
SQLScript.deconstruct = _deconstruct_files


def _read_all(app_label, stem):
    from core.db.sqlfiles import read_statements

    statements = {vendor: read_statements(app_label, vendor, stem) for vendor in SUPPORTED_VENDORS}
    if not any(statements.values()):
        raise FileNotFoundError(f"No SQL file {stem}.sql in {app_label}/sql/<vendor>/.")
    return statements


def _script_sql(app_label, stem):
    if stem is None:
        return {vendor: [] for vendor in SUPPORTED_VENDORS}
    return {vendor: list(found) for vendor, found in _read_all(app_label, stem).items()}


def _objects_sql(app_label, stems, dropping=()):
    from core.db.sqlfiles import object_kind_and_name

    sql = {vendor: [] for vendor in SUPPORTED_VENDORS}
    restored = set()
    for stem in stems:
        for vendor, found in _read_all(app_label, stem).items():
            for statement in found:
                kind, name = object_kind_and_name(statement)
                sql[vendor] += [f"DROP {kind} IF EXISTS {name}", statement]
                restored.add((vendor, name))
    for stem in dropping:
        for vendor, found in _read_all(app_label, stem).items():
            for statement in found:
                kind, name = object_kind_and_name(statement)
                if (vendor, name) not in restored:
                    sql[vendor].insert(0, f"DROP {kind} IF EXISTS {name}")
    return sql
