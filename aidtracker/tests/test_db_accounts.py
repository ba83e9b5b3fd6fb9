"""Least-privilege database accounts (MariaDB): the portal runs as the application account,
and the audit logs refuse UPDATE and DELETE by grants as well as by triggers."""

import os
import subprocess
import sys

import MySQLdb
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "mysql", reason="Accounts and grants are MySQL/MariaDB."
    ),
    pytest.mark.django_db(transaction=True),
]

PASSWORDS = {
    "DB_APP_PASSWORD": "app-password-123456",
    "DB_REPORT_PASSWORD": "report-password-123456",
    "DB_ADMIN_PASSWORD": "admin-password-123456",
}
# Grant refusals: ER_TABLEACCESS_DENIED_ERROR, ER_COLUMNACCESS_DENIED_ERROR.
GRANT_REFUSED = {1142, 1143}
TRIGGER_REFUSED = 1644  # ER_SIGNAL_EXCEPTION


@pytest.fixture
def accounts(monkeypatch):
    suffix = abs(hash(connection.settings_dict["NAME"])) % 10_000
    users = {role: f"at_{role}_{suffix}" for role in ("app", "report", "admin")}
    for name, value in PASSWORDS.items():
        monkeypatch.setenv(name, value)
    call_command(
        "create_db_accounts",
        app_user=users["app"],
        report_user=users["report"],
        admin_user=users["admin"],
    )
    yield users
    with connection.cursor() as cursor:
        for user in users.values():
            cursor.execute(f"DROP USER IF EXISTS '{user}'@'%'")


def connect(user, password):
    params = connection.settings_dict
    return MySQLdb.connect(
        host=params["HOST"] or "127.0.0.1",
        port=int(params["PORT"] or 3306),
        user=user,
        password=password,
        database=params["NAME"],
    )


def manage_as(user, password, *args):
    params = connection.settings_dict
    host, port = params["HOST"] or "127.0.0.1", params["PORT"] or 3306
    url = f"mysql://{user}:{password}@{host}:{port}/{params['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "aidtracker.settings.test"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def error_code(statement, db):
    with pytest.raises(MySQLdb.MySQLError) as error:
        db.cursor().execute(statement)
    return error.value.args[0]


VOID_ONE = (
    "from distribution.models import DistributionLog as L; "
    "from distribution.services import void_distribution as v; "
    "from centers.models import StaffMember as S; "
    "log = L.objects.filter(transaction_status='success').first(); "
    "v(log=log, staff=S.objects.get(user__username='admin'), reason='drill')"
)


def test_portal_flow_runs_as_the_application_account(accounts):
    app, password = accounts["app"], PASSWORDS["DB_APP_PASSWORD"]

    seeded = manage_as(app, password, "seed_demo", "--force")
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    voided = manage_as(app, password, "shell", "-c", VOID_ONE)
    assert voided.returncode == 0, voided.stderr[-2000:]
    checked = manage_as(app, password, "check_stock")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    db = connect(app, password)
    try:
        cursor = db.cursor()
        cursor.execute(
            "SELECT household_id, package_id, center_id, staff_id FROM Distribution_Log "
            "WHERE transaction_status = 'success' LIMIT 1"
        )
        household, package, center, staff = cursor.fetchone()
        cursor.execute(
            "CALL sp_distribute_package(%s, %s, %s, %s, 1, @log_id, @status, @reason)",
            [household, package, center, staff],
        )
        cursor.execute("SELECT @status")
        assert cursor.fetchone()[0] == "not_eligible"  # it ran, and refused a repeat
        for statement in (
            "UPDATE Distribution_Log SET notes = 'edited'",
            "UPDATE Distribution_Log SET transaction_status = 'failed'",
            "DELETE FROM Distribution_Log",
            "UPDATE Stock_Movements SET quantity_change = 1",
            "DELETE FROM Stock_Movements",
            "DROP TRIGGER trg_distribution_log_no_update",
        ):
            assert error_code(statement, db) in GRANT_REFUSED, statement
    finally:
        db.close()


def test_triggers_refuse_even_the_admin_account(accounts):
    call_command("seed_demo", "--force")
    db = connect(accounts["admin"], PASSWORDS["DB_ADMIN_PASSWORD"])
    try:
        assert error_code("UPDATE Distribution_Log SET notes = 'edited'", db) == TRIGGER_REFUSED
        assert error_code("DELETE FROM Stock_Movements", db) == TRIGGER_REFUSED
    finally:
        db.close()


def test_reporting_account_only_reads(accounts):
    db = connect(accounts["report"], PASSWORDS["DB_REPORT_PASSWORD"])
    try:
        cursor = db.cursor()
        cursor.execute("SELECT COUNT(*) FROM vw_monthly_summary")
        assert cursor.fetchone()[0] >= 0
        assert error_code("DELETE FROM Households", db) in GRANT_REFUSED
        assert (
            error_code("INSERT INTO Aid_Packages (package_name) VALUES ('x')", db) in GRANT_REFUSED
        )
    finally:
        db.close()
