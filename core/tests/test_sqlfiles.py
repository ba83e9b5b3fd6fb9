"""Database objects live in versioned SQL files that migrations load and nothing restates.

- A released file never changes: each app's sql/SHA256SUMS lists every file with its
  hash (`sha256sum -c SHA256SUMS` checks it too); a new version is a new file, added
  to the list in the same commit as the migration that installs it.
- Every file is loaded by a migration, and no migration imports another module of
  migrations (each reads its files instead).
- The database the tests run on holds exactly the newest version of every object.
"""

import ast
import hashlib
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from core.db import sqlfiles
from core.db.migrations import SQLObjects, SQLScript

APPS_WITH_SQL = [
    config.label for config in apps.get_app_configs() if (Path(config.path) / "sql").is_dir()
]
LOCAL_APPS = [
    config for config in apps.get_app_configs() if (Path(config.path) / "migrations").is_dir()
]


def _sql_files(app_label):
    root = Path(apps.get_app_config(app_label).path) / "sql"
    return {str(path.relative_to(root)): path for path in sorted(root.glob("*/*.sql"))}


def _released(app_label):
    manifest = Path(apps.get_app_config(app_label).path) / "sql" / "SHA256SUMS"
    released = {}
    for line in manifest.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        released[name.strip()] = digest
    return released


def test_the_apps_with_database_objects_are_found():
    assert set(APPS_WITH_SQL) >= {"distribution", "inventory", "reports"}


@pytest.mark.parametrize("app_label", APPS_WITH_SQL)
def test_every_released_file_is_listed_and_unchanged(app_label):
    files, released = _sql_files(app_label), _released(app_label)
    assert sorted(files) == sorted(released), "add new files to sql/SHA256SUMS; never remove one"
    for name, path in files.items():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == released[name], f"{app_label}/sql/{name} was edited after release"


@pytest.mark.parametrize("app_label", APPS_WITH_SQL)
def test_file_names_say_object_and_version(app_label):
    for name in _sql_files(app_label):
        vendor, file_name = name.split("/")
        assert vendor in ("mysql", "sqlite")
        match = sqlfiles.FILE_NAME.match(file_name)
        assert match, f"{name}: expected <object>.<4-digit migration number>.sql"
        statements = sqlfiles.read_statements(app_label, vendor, file_name.removesuffix(".sql"))
        assert statements, f"{name} holds no statement"
        if sqlfiles.CREATE_OBJECT.match(statements[0]):
            assert len(statements) == 1
            assert sqlfiles.object_kind_and_name(statements[0])[1] == match["name"]


def _migration_modules():
    for config in LOCAL_APPS:
        package = importlib.import_module(f"{config.name}.migrations")
        for info in pkgutil.iter_modules(package.__path__):
            yield config.label, importlib.import_module(f"{config.name}.migrations.{info.name}")


def test_every_sql_file_is_loaded_by_a_migration():
    loaded = set()
    for _, module in _migration_modules():
        for operation in module.Migration.operations:
            if isinstance(operation, SQLObjects):
                stems = [*operation.files["install"], *operation.files["previous"]]
            elif isinstance(operation, SQLScript):
                stems = [operation.files["forward"], operation.files["backward"]]
            else:
                continue
            app_label = operation.files["app_label"]
            loaded |= {(app_label, stem) for stem in stems if stem}
    for app_label in APPS_WITH_SQL:
        for name in _sql_files(app_label):
            stem = name.split("/")[1].removesuffix(".sql")
            assert (app_label, stem) in loaded, f"{app_label}/sql/{name} is loaded by no migration"


def test_no_migration_imports_another():
    for _, module in _migration_modules():
        tree = ast.parse(Path(module.__file__).read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
                names = ["importlib.import_module"]
            for name in names:
                assert not re.search(r"\.migrations\.\d{4}_", name), f"{module.__name__}: {name}"
                assert name != "importlib.import_module", f"{module.__name__} imports by name"


@pytest.mark.django_db
def test_the_database_holds_the_newest_version_of_every_object():
    assert sqlfiles.drifted_objects(connection, APPS_WITH_SQL) == []


@pytest.mark.django_db(transaction=True)
def test_an_altered_trigger_is_found_and_put_back_by_a_rebuild():
    from reports import rollup, triggers

    name = "trg_households_coverage_delete"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {name}")
    assert sqlfiles.drifted_objects(connection, ["reports"]) == [name]
    assert any(name in problem for problem in rollup.verify().problems)
    rollup.rebuild()
    assert sqlfiles.drifted_objects(connection, ["reports"]) == []
    assert triggers.drifted_triggers() == []


def test_a_trigger_file_is_one_statement_and_a_script_is_split_at_line_ends():
    trigger = (
        "-- header\nCREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW BEGIN\n  SET @a = 1;\nEND;\n"
    )
    assert sqlfiles.split_statements(trigger) == [
        "CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW BEGIN\n  SET @a = 1;\nEND"
    ]
    script = "DELETE FROM a;\n\nINSERT INTO b SELECT ';' FROM c;\n"
    assert sqlfiles.split_statements(script) == ["DELETE FROM a", "INSERT INTO b SELECT ';' FROM c"]


def test_a_name_no_vendor_has_is_an_error():
    with pytest.raises(FileNotFoundError):
        SQLObjects("reports", install=["trg_does_not_exist.0001"])
