"""Restore drill: back up real data, restore it into a fresh database, and check it still holds."""

import contextlib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from devtools.commands import run_manage
from distribution.services import DistributionRefused, distribute_package, void_distribution
from households.tests.factories import HouseholdFactory
from inventory.services import adjust_stock, restock
from inventory.tests.factories import AidPackageFactory

COUNTED_TABLES = ("Distribution_Log", "Stock_Movements", "Inventory", "Households")


def build_history(center, manager, worker):
    package = AidPackageFactory()
    inventory = restock(center=center, package=package, quantity=4, staff=manager)
    households = HouseholdFactory.create_batch(5)
    logs = []
    for household in households:
        with contextlib.suppress(DistributionRefused):  # stock runs out on purpose
            logs.append(
                distribute_package(
                    household=household, package=package, center=center, staff=worker
                )
            )
    void_distribution(log=logs[0], staff=manager, reason="entered twice")
    adjust_stock(inventory=inventory, delta=-1, reason="damaged", staff=manager)
    return inventory


def counts(cursor):
    result = {}
    for table in COUNTED_TABLES:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        result[table] = cursor.fetchone()[0]
    return result


class FreshDatabase:
    """A new empty database of the same vendor, reachable by a child process's settings."""

    def __init__(self, tmp_path):
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.path = tmp_path / "restored.sqlite3"
            self.env = {"SQLITE_PATH": str(self.path), "DATABASE_URL": ""}
        else:
            params = connection.settings_dict
            self.name = f"{params['NAME']}_restored"
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
                cursor.execute(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4")
            password = params["PASSWORD"] or ""
            host, port = params["HOST"] or "127.0.0.1", params["PORT"] or 3306
            self.env = {
                "DATABASE_URL": f"mysql://{params['USER']}:{password}@{host}:{port}/{self.name}"
            }

    def connect(self):
        if self.vendor == "sqlite":
            import sqlite3

            return sqlite3.connect(self.path)
        import MySQLdb

        params = connection.settings_dict
        return MySQLdb.connect(
            host=params["HOST"] or "127.0.0.1",
            port=int(params["PORT"] or 3306),
            user=params["USER"],
            password=params["PASSWORD"] or "",
            database=self.name,
        )

    def drop(self):
        if self.vendor == "mysql":
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")


@pytest.mark.django_db(transaction=True)
def test_restore_drill(tmp_path, center, manager, worker):
    build_history(center, manager, worker)
    with connection.cursor() as cursor:
        expected = counts(cursor)
    assert expected["Distribution_Log"] >= 6  # successes, failures and a void

    call_command("backup", output=str(tmp_path))
    (backup,) = Path(tmp_path).glob("aidtracker-*.gz")
    fresh = FreshDatabase(tmp_path)
    try:
        restored = run_manage(fresh.env, "restore", str(backup))
        assert restored.returncode == 0, restored.stderr
        checked = run_manage(fresh.env, "check_stock")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "balance" in checked.stdout

        db = fresh.connect()
        try:
            cursor = db.cursor()
            assert counts(cursor) == expected
            cursor.execute("SELECT COUNT(*) FROM vw_household_eligibility")
            assert cursor.fetchone()[0] > 0
            with pytest.raises(Exception, match="append-only"):
                cursor.execute("UPDATE Distribution_Log SET notes = 'tampered'")
            with pytest.raises(Exception, match="append-only"):
                cursor.execute("DELETE FROM Stock_Movements")
            if fresh.vendor == "mysql":
                cursor.execute(
                    "SELECT COUNT(*) FROM information_schema.routines "
                    "WHERE routine_schema = DATABASE() AND routine_type = 'PROCEDURE'"
                )
                assert cursor.fetchone()[0] == 2
        finally:
            db.close()

        again = run_manage(fresh.env, "restore", str(backup))
        assert again.returncode != 0
        assert "not empty" in again.stderr
    finally:
        fresh.drop()


@pytest.mark.django_db
def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "nothing.gz"))


@pytest.mark.django_db
def test_backup_refuses_clearly_without_dump_tool(tmp_path, monkeypatch):
    if connection.vendor != "mysql":
        pytest.skip("SQLite backups use the built-in backup API, not an external tool.")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match="mariadb-client"):
        call_command("backup", output=str(tmp_path))
