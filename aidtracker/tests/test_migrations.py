"""Migrations are complete and reversible, and the database objects survive a round trip."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from distribution.models import DistributionLog, HouseholdEligibility
from distribution.tests.factories import DistributionLogFactory
from inventory.models import CurrentInventoryStatus
from inventory.tests.factories import InventoryFactory

PROJECT_APPS = ["distribution", "inventory", "households", "centers"]
# Tables and views each app's migrations create (and must drop on the way back).
APP_RELATIONS = {
    "distribution": {
        "Distribution_Log",
        "Distribution_Lot_Takes",
        "vw_household_eligibility",
        "vw_monthly_summary",
    },
    "inventory": {
        "Aid_Packages",
        "Inventory",
        "Stock_Lots",
        "Stock_Movements",
        "Stock_Transfers",
        "Stock_Transfer_Lots",
        "vw_current_inventory_status",
    },
    "households": {"Households"},
    "centers": {"Distribution_Centers", "Staff_Members"},
}


def table_names():
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor, include_views=True))


@pytest.mark.django_db(transaction=True)
def test_every_app_migrates_to_zero_and_back():
    dropped = set()
    try:
        for app in PROJECT_APPS:
            call_command("migrate", app, "zero", verbosity=0, interactive=False)
            dropped |= APP_RELATIONS[app]
            left_behind = table_names() & dropped
            assert not left_behind, f"after migrating {app} to zero: {left_behind}"
    finally:
        call_command("migrate", verbosity=0, interactive=False)

    assert dropped == set().union(*APP_RELATIONS.values())
    assert dropped <= table_names()

    # The views answer again and the triggers refuse again.
    log = DistributionLogFactory()
    inventory = InventoryFactory(quantity_on_hand=0)
    assert CurrentInventoryStatus.objects.get(pk=inventory.pk).stock_status == "OUT_OF_STOCK"
    assert (
        HouseholdEligibility.objects.get(
            household=log.household, package=log.package
        ).eligibility_status
        == "NOT_ELIGIBLE"
    )
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM Distribution_Log WHERE log_id = %s", [log.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DistributionLog.objects.filter(pk=log.pk).update(notes="edited")
    assert DistributionLog.objects.filter(pk=log.pk, notes=None).exists()


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"makemigrations --check found missing migrations:\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
