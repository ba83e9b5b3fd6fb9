"""Reports on a real primary and GTID replica: read from the replica through the
SELECT-only reporting account, the page saying how fresh its figures are; read from
the primary when replication stopped or fell too far behind."""

import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from distribution.services import distribute_package
from households.tests.factories import HouseholdFactory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory
from reports.tests.factories import build_dataset
from reports.tests.test_read_only import figures

from .pair import (
    MONTHS,
    PAGES,
    REPLICA_PAIR,
    caught_up,
    database_url,
    reports_read_by_a_child,
    root_query,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reporting_account(monkeypatch):
    """The SELECT-only reporting account (and its siblings), created on the primary
    and replicated to the replica."""
    users = {role: f"pair_{role}" for role in ("app", "report", "admin")}
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


@pytest.fixture
def world(client, manager, center, other_center, reporting_account):
    build_dataset(center, other_center)
    client.force_login(manager.user)
    caught_up()
    primary, replica = REPLICA_PAIR
    user, password = reporting_account
    env = {
        "DATABASE_URL": database_url(primary),
        "DATABASE_REPLICA_URL": database_url(replica, user, password),
    }
    return env


def primary_rows(client):
    """Each page's rows as the primary renders them now (as the child reads them)."""
    return {name: figures(client.get(reverse(name), MONTHS)) for name in PAGES}


def as_text(value):
    return None if value is None else str(value)


def rows_as_text(rows):
    if rows is None:
        return None
    return [{key: as_text(value) for key, value in row.items() if key != "_state"} for row in rows]


def same_rows(got, expected):
    """The rows' values compared as text (JSON turned dates and decimals into text)."""
    return {name: rows_as_text(rows) for name, rows in got.items()} == {
        name: rows_as_text(rows) for name, rows in expected.items()
    }


def serve_one_more(manager):
    """A new distribution at the manager's center: the monthly figures change."""
    package = AidPackageFactory()
    restock(center=manager.center, package=package, quantity=3, staff=manager)
    return distribute_package(
        household=HouseholdFactory(),
        package=package,
        center=manager.center,
        staff=manager,
        quantity=1,
    )


def test_reports_read_the_replica_through_the_reporting_account(client, manager, world):
    read = reports_read_by_a_child(manager.user.username, **world)

    assert read["alias"] == "replica"
    assert same_rows(
        {name: page["rows"] for name, page in read["pages"].items()}, primary_rows(client)
    )
    for page in read["pages"].values():
        assert page["status"] == 200
        assert page["freshness"].startswith("Figures as of ")
        assert "behind the live records (read from the reporting replica)" in page["freshness"]


def test_a_stopped_replica_leaves_the_reports_on_the_primary(client, manager, world):
    _, replica = REPLICA_PAIR
    root_query(replica, "STOP SLAVE SQL_THREAD")
    try:
        serve_one_more(manager)  # the replica does not apply it
        read = reports_read_by_a_child(manager.user.username, **world)
    finally:
        root_query(replica, "START SLAVE SQL_THREAD")
        caught_up()

    assert read["alias"] == "default"
    assert same_rows(
        {name: page["rows"] for name, page in read["pages"].items()}, primary_rows(client)
    )
    for page in read["pages"].values():
        assert page["freshness"].endswith("read live.")


def test_a_replica_further_behind_than_allowed_is_not_read(client, manager, world):
    """A replica applying the primary's changes 10 minutes late (MASTER_DELAY) is
    behind by however long ago the last change was written; past the limit (1 s
    here) the reports read the primary."""
    _, replica = REPLICA_PAIR
    root_query(replica, "STOP SLAVE")
    root_query(replica, "CHANGE MASTER TO MASTER_DELAY = 600")
    root_query(replica, "START SLAVE")
    try:
        serve_one_more(manager)
        time.sleep(3)
        read = reports_read_by_a_child(manager.user.username, **world, REPLICA_MAX_LAG_SECONDS="1")
    finally:
        root_query(replica, "STOP SLAVE")
        root_query(replica, "CHANGE MASTER TO MASTER_DELAY = 0")
        root_query(replica, "START SLAVE")
        caught_up()

    assert read["alias"] == "default"
    assert same_rows(
        {name: page["rows"] for name, page in read["pages"].items()}, primary_rows(client)
    )
