"""The migrations fill the staff snapshot of rows written before it existed.

Rows inserted the old way (no `staff_name`, no `staff_role`) before the backfill
migrations get their staff member as named at migration time, rows without a staff
member keep none, and the append-only triggers the backfill lifts for its UPDATE are
back afterwards, in their released text.
"""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from core.db.sqlfiles import drifted_objects
from distribution.models import DistributionLog
from households.tests.factories import HouseholdFactory
from inventory.models import StockMovement
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

BEFORE_BACKFILL = {
    "distribution": "0013_procedure_keeps_staff_and_certifies",
    "inventory": "0011_movement_staff_snapshot",
}


def insert_old_style(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.lastrowid


@pytest.mark.django_db(transaction=True)
def test_older_rows_get_their_staff_member_and_the_logs_stay_append_only(
    center, worker, admin_staff
):
    package = AidPackageFactory()
    inventory = restock(center=center, package=package, quantity=5, staff=admin_staff)
    household = HouseholdFactory()
    try:
        for app, migration in BEFORE_BACKFILL.items():
            call_command("migrate", app, migration, verbosity=0, interactive=False)
        refused_by_worker = insert_old_style(
            "INSERT INTO Distribution_Log (household_id, package_id, center_id, staff_id,"
            " transaction_status, failure_reason) VALUES (%s, %s, %s, %s, 'failed', 'x')",
            [household.pk, package.pk, center.pk, worker.pk],
        )
        refused_nobody = insert_old_style(
            "INSERT INTO Distribution_Log (household_id, package_id, center_id, staff_id,"
            " transaction_status, failure_reason) VALUES (%s, %s, %s, NULL, 'failed', 'x')",
            [household.pk, package.pk, center.pk],
        )
        counted = insert_old_style(
            "INSERT INTO Stock_Movements (inventory_id, kind, reason, quantity_change,"
            " quantity_after, staff_id) VALUES (%s, 'adjustment', 'found', 1, 6, %s)",
            [inventory.pk, worker.pk],
        )
        assert DistributionLog.objects.get(pk=refused_by_worker).staff_name == ""
    finally:
        call_command("migrate", verbosity=0, interactive=False)

    def kept(model, pk):
        return model.objects.values_list("staff_name", "staff_role").get(pk=pk)

    assert kept(DistributionLog, refused_by_worker) == (worker.full_name, "worker")
    assert kept(DistributionLog, refused_nobody) == ("", "")
    assert kept(StockMovement, counted) == (worker.full_name, "worker")
    assert drifted_objects(connection, ["distribution", "inventory"]) == []
    for table, key, pk in (
        ("Distribution_Log", "log_id", refused_by_worker),
        ("Stock_Movements", "movement_id", counted),
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"UPDATE {table} SET staff_name = 'Someone' WHERE {key} = %s", [pk])
