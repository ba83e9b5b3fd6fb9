"""Least-privilege database accounts (MariaDB): the portal runs as the application account,
and the audit logs refuse UPDATE and DELETE by grants as well as by triggers."""

import json

import MySQLdb
import pytest
from django.core.management import call_command
from django.db import connection

from devtools.commands import run_manage

pytestmark = [
    pytest.mark.mysql(reason="Accounts and grants are MySQL/MariaDB."),
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
    return run_manage({"DATABASE_URL": url}, *args)


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
        # The newest success that still blocks a repeat: not voided, and owing nothing
        # more (the demo's history goes back months, beyond any validity period).
        cursor.execute(
            "SELECT household_id, package_id, center_id, staff_id FROM Distribution_Log d "
            "WHERE transaction_status = 'success' AND owed_item_id IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = d.log_id) "
            "AND NOT EXISTS (SELECT 1 FROM Owed_Items o WHERE o.log_id = d.log_id) "
            "ORDER BY log_id DESC LIMIT 1"
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


# The portal's pages, driven through Django's test client in a process whose only
# database account is the application account: sign in, register a household, look
# at it, distribute, restock, void, export a report. Prints what each step answered.
PORTAL_FLOW = """
import json, re
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import setup_test_environment
from centers.models import StaffMember
from distribution.models import DistributionLog
from inventory.models import Inventory
from audit.models import AccessLog

setup_test_environment()
manager = StaffMember.objects.select_related("center").get(user__username="manager")
inventory = Inventory.objects.filter(center=manager.center, quantity_on_hand__gt=0).first()
client = Client()
client.force_login(manager.user)
answers = {}
answers["register"] = client.post("/households/new/", {
    "family_name": "Mensah", "primary_contact_name": "Akua Mensah",
    "phone_number": "+1 312 555 0177", "email": "", "address": "4 Harbour Road",
    "city": "Springfield", "state": "IL", "zip_code": "62701", "family_size": "5",
    "income_level": "very_low", "priority_level": "high",
    "registration_date": "2025-02-01", "last_verified_date": "", "notes": "",
    "processing_basis": "consent", "consent_given_by": "Akua Mensah (head)",
    "basis_recorded_on": "",
})
household = int(re.search(r"/households/(\\d+)/", answers["register"]["Location"]).group(1))
answers["view"] = client.get(f"/households/{household}/")
form = client.get("/distribution/new/")
token = form.context["form"]["token"].value()
answers["distribute"] = client.post("/distribution/new/", {
    "household": household, "package": inventory.package_id, "quantity": 1, "token": token,
})
log = DistributionLog.objects.filter(household_id=household, transaction_status="success").get()
answers["restock"] = client.post(
    f"/inventory/centers/{manager.center_id}/restock/",
    {"package": inventory.package_id, "quantity": 5, "expiry_date": "2031-01-31", "notes": ""},
)
answers["void"] = client.post(f"/distribution/log/{log.pk}/void/", {"reason": "drill"})
answers["export"] = client.get("/reports/monthly/", {"format": "csv"})
result = {name: response.status_code for name, response in answers.items()}
entries = AccessLog.objects.filter(staff=manager).values_list("action", flat=True)
result["access_log"] = sorted(entries)
print(json.dumps(result))
"""


def test_portal_pages_run_as_the_application_account(accounts):
    """The pages' writes (sessions, households, logs, stock, access log) need no more."""
    call_command("seed_demo", "--force")
    app, password = accounts["app"], PASSWORDS["DB_APP_PASSWORD"]

    done = manage_as(app, password, "shell", "-c", PORTAL_FLOW)

    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result.pop("access_log") == ["export", "view_household"]
    assert result == {
        "register": 302,
        "view": 200,
        "distribute": 302,
        "restock": 302,
        "void": 302,
        "export": 200,
    }
    checked = manage_as(app, password, "check_stock")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_access_log_refuses_edits_by_the_application_account(accounts):
    db = connect(accounts["app"], PASSWORDS["DB_APP_PASSWORD"])
    try:
        cursor = db.cursor()
        cursor.execute(
            "INSERT INTO Access_Log (staff_name, action, target, params, created_at) "
            "VALUES ('Drill (Manager)', 'export', 'monthly', '{}', NOW(6))"
        )
        db.commit()
        for statement in (
            "UPDATE Access_Log SET target = 'stock'",
            "DELETE FROM Access_Log",
        ):
            assert error_code(statement, db) in GRANT_REFUSED, statement
    finally:
        db.close()


def test_the_change_history_refuses_edits_by_the_application_account(accounts):
    """The history's rows by grants and triggers; its personal values may be deleted (the
    grant allows it) only once their household is anonymised (the trigger says so)."""
    call_command("seed_demo", "--force")
    app, password = accounts["app"], PASSWORDS["DB_APP_PASSWORD"]
    anonymise = (
        "from households.models import Household as H; "
        "from centers.models import StaffMember as S; "
        "from households.services import save_household, anonymise_household; "
        "manager = S.objects.filter(role='manager').first(); "
        "kept, gone = H.objects.order_by('pk')[:2]; "
        "kept.notes = gone.notes = 'drill'; "
        "save_household(household=kept, staff=manager); "
        "save_household(household=gone, staff=manager); "
        "anonymise_household(household=gone, staff=manager); print(kept.pk)"
    )
    done = manage_as(app, password, "shell", "-c", anonymise)
    assert done.returncode == 0, done.stderr[-3000:]
    kept = int(done.stdout.strip().splitlines()[-1])

    db = connect(app, password)
    try:
        for statement in (
            "UPDATE Household_Changes SET subject = 'edited'",
            "DELETE FROM Household_Changes",
            "UPDATE Household_Change_Values SET changes = '{}'",
        ):
            assert error_code(statement, db) in GRANT_REFUSED, statement
        statement = f"DELETE FROM Household_Change_Values WHERE household_id = {kept}"
        assert error_code(statement, db) == TRIGGER_REFUSED
    finally:
        db.close()
