"""Report pages and exports read from the `replica` alias; every write goes to the primary.

On MariaDB the alias is opened as the SELECT-only reporting account that
`create_db_accounts` makes: every page and export renders the primary's figures
through it, and each export's access-log entry is written by the application's
connection. The replica is used only while it answers and is recent enough.
"""

import datetime
import json

import MySQLdb
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from audit.models import AccessLog
from core.db import replica
from devtools.commands import run_manage

from .factories import build_dataset
from .test_read_only import figures

PAGES = [
    "reports:index",
    "reports:monthly",
    "reports:stock",
    "reports:coverage",
    "reports:owed",
    "reports:movements",
]
EXPORTS = [
    "reports:monthly",
    "reports:stock",
    "reports:coverage",
    "reports:owed",
    "reports:movements",
]
FORMATS = ("csv", "xlsx", "hxl")
EXPORT_REQUESTS = len(EXPORTS) * len(FORMATS)
MONTHS = {"month_from": "2020-01", "month_to": f"{datetime.date.today():%Y-%m}"}


def read_reports_in_a_child(username):
    """Run in a child process: render every page and export as `username`; print JSON."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    pages = {}
    for name in PAGES:
        response = client.get(reverse(name), MONTHS)
        pages[name] = [response.status_code, figures(response)]
    exports = [
        client.get(reverse(name), {**MONTHS, "format": export_format}).status_code
        for name in EXPORTS
        for export_format in FORMATS
    ]
    print(
        json.dumps(
            {"alias": replica.reporting_alias(), "pages": pages, "exports": exports}, default=str
        )
    )


def in_a_child(username, **env):
    result = run_manage(
        env,
        "shell",
        "-c",
        f"from reports.tests.test_replica_reads import read_reports_in_a_child as read; "
        f"read({username!r})",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def database_url(user="root", password=""):
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    host, port = params["HOST"] or "127.0.0.1", params["PORT"] or 3306
    return f"mysql://{user}:{password}@{host}:{port}/{params['NAME']}"


def as_json(value):
    return json.loads(json.dumps(value, default=str))


@pytest.fixture
def reporting_account(monkeypatch):
    suffix = abs(hash(connection.settings_dict["NAME"])) % 10_000
    users = {role: f"rr_{role}_{suffix}" for role in ("app", "report", "admin")}
    for role in users:
        monkeypatch.setenv(f"DB_{role.upper()}_PASSWORD", f"{role}-password-123456")
    call_command(
        "create_db_accounts",
        app_user=users["app"],
        report_user=users["report"],
        admin_user=users["admin"],
    )
    yield users["report"], "report-password-123456"
    with connection.cursor() as cursor:
        for user in users.values():
            cursor.execute(f"DROP USER IF EXISTS '{user}'@'%'")


@pytest.mark.mysql(reason="database accounts and grants are MySQL/MariaDB's")
@pytest.mark.django_db(transaction=True)
def test_every_report_and_export_reads_through_the_select_only_account(
    client, manager, center, other_center, reporting_account
):
    build_dataset(center, other_center)
    client.force_login(manager.user)
    expected = {name: [200, figures(client.get(reverse(name), MONTHS))] for name in PAGES}
    assert expected["reports:monthly"][1]
    user, password = reporting_account
    exports_before = AccessLog.objects.filter(action=AccessLog.Action.EXPORT).count()

    read = in_a_child(
        manager.user.username,
        DATABASE_URL=database_url(),
        DATABASE_REPLICA_URL=database_url(user, password),
    )

    assert read["alias"] == "replica"
    assert read["pages"] == as_json(expected)
    assert read["exports"] == [200] * EXPORT_REQUESTS
    exported = AccessLog.objects.filter(action=AccessLog.Action.EXPORT).count()
    assert exported == exports_before + EXPORT_REQUESTS  # written through the application's account


@pytest.mark.mysql(reason="database accounts and grants are MySQL/MariaDB's")
@pytest.mark.django_db(transaction=True)
def test_the_reporting_account_cannot_write(reporting_account):
    user, password = reporting_account
    params = connection.settings_dict
    db = MySQLdb.connect(
        host=params["HOST"] or "127.0.0.1",
        port=int(params["PORT"] or 3306),
        user=user,
        password=password,
        database=params["NAME"],
    )
    try:
        for statement in (
            "DELETE FROM Access_Log",
            "INSERT INTO Distribution_Monthly_Households_Pending (household_id) VALUES (1)",
            "UPDATE Inventory SET quantity_on_hand = 0",
        ):
            with pytest.raises(MySQLdb.OperationalError) as refused:
                db.cursor().execute(statement)
            assert refused.value.args[0] == 1142  # ER_TABLEACCESS_DENIED_ERROR
    finally:
        db.close()


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_replica_leaves_the_reports_on_the_primary(
    client, manager, center, other_center
):
    build_dataset(center, other_center)
    client.force_login(manager.user)
    expected = {name: [200, figures(client.get(reverse(name), MONTHS))] for name in PAGES}

    read = in_a_child(
        manager.user.username,
        DATABASE_URL=database_url(),
        DATABASE_REPLICA_URL="mysql://nobody:x@127.0.0.1:1/aidtracker?connect_timeout=2",
    )

    assert read["alias"] == "default"
    assert read["pages"] == as_json(expected)
    assert read["exports"] == [200] * EXPORT_REQUESTS


@pytest.fixture
def replica_alias(monkeypatch):
    monkeypatch.setitem(settings.DATABASES, "replica", dict(connection.settings_dict))
    replica.forget_replica_health()
    yield
    replica.forget_replica_health()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lag", "alias"),
    [(0, "replica"), (300, "replica"), (301, "default"), (None, "default")],
)
@pytest.mark.usefixtures("replica_alias")
def test_a_replica_further_behind_than_the_limit_is_not_read(monkeypatch, lag, alias):
    monkeypatch.setattr(settings, "REPLICA_MAX_LAG_SECONDS", 300)
    monkeypatch.setattr(replica, "replica_lag", lambda alias="replica": lag)
    assert replica.reporting_alias() == alias
    with replica.reading_from_replica() as reading:
        assert reading == alias


def test_without_a_replica_reports_read_the_primary():
    assert "replica" not in settings.DATABASES
    replica.forget_replica_health()
    assert replica.reporting_alias() == "default"


def test_the_router_sends_writes_and_migrations_to_the_primary():
    router = replica.ReplicaRouter()
    assert router.db_for_read(AccessLog) is None
    with replica.reading_from_replica():
        assert router.db_for_write(AccessLog) == "default"
    assert router.allow_migrate("replica", "audit") is False
    assert router.allow_migrate("default", "audit") is True
