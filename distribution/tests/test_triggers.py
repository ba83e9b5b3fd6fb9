"""The append-only triggers on Distribution_Log and Stock_Movements, sent raw SQL.

Whoever sends them, UPDATE and DELETE are refused by the database, setting staff_id
to NULL included: a staff member with history cannot be deleted, so no UPDATE is due.
"""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from centers.tests.factories import StaffMemberFactory
from distribution.models import DistributionLog
from distribution.tests.factories import DistributionLogFactory
from households.tests.factories import HouseholdFactory
from inventory.models import StockMovement
from inventory.tests.factories import InventoryFactory

pytestmark = pytest.mark.django_db

APPEND_ONLY = "append-only"


def execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


def assert_refused(sql, params=()):
    """Run `sql` in a savepoint and expect the append-only trigger to refuse it."""
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        execute(sql, params)
    assert APPEND_ONLY in str(excinfo.value)
    return str(excinfo.value)


def snapshot(model, pk):
    return model.objects.values().get(pk=pk)


# --- Distribution_Log -------------------------------------------------------------


@pytest.fixture
def log():
    return DistributionLogFactory(notes="handed to the mother", failure_code=None)


@pytest.fixture
def other_staff(log):
    return StaffMemberFactory(center=log.center)


LOG_UPDATES = [
    pytest.param("notes = %s", lambda ctx: ["edited later"], id="notes"),
    pytest.param("quantity_distributed = %s", lambda ctx: [2], id="quantity"),
    pytest.param(
        "transaction_status = %s, failure_reason = %s",
        lambda ctx: ["failed", "changed my mind"],
        id="status-to-failed",
    ),
    pytest.param(
        "transaction_status = %s, voided_log_id = %s",
        lambda ctx: ["cancelled", ctx["log"].pk],
        id="status-to-cancelled",
    ),
    pytest.param("staff_id = %s", lambda ctx: [ctx["other_staff"].pk], id="staff-to-another"),
    pytest.param(
        "household_id = %s", lambda ctx: [HouseholdFactory().pk], id="household-to-another"
    ),
    pytest.param(
        "distribution_date = %s",
        lambda ctx: ["2020-01-01 00:00:00"],
        id="date",
    ),
    pytest.param("failure_code = %s", lambda ctx: ["not_eligible"], id="failure-code"),
    pytest.param("staff_id = NULL, notes = %s", lambda ctx: ["gone"], id="staff-null-and-notes"),
    pytest.param(
        "staff_id = NULL, quantity_distributed = %s",
        lambda ctx: [5],
        id="staff-null-and-quantity",
    ),
    pytest.param("notes = notes", lambda ctx: [], id="no-op"),
]


@pytest.mark.parametrize(("set_clause", "values"), LOG_UPDATES)
def test_update_of_distribution_log_is_refused(log, other_staff, set_clause, values):
    before = snapshot(DistributionLog, log.pk)
    params = [*values({"log": log, "other_staff": other_staff}), log.pk]

    message = assert_refused(f"UPDATE Distribution_Log SET {set_clause} WHERE log_id = %s", params)

    assert "updated" in message
    assert snapshot(DistributionLog, log.pk) == before


def test_update_of_every_distribution_log_row_is_refused(log):
    DistributionLogFactory()
    assert_refused("UPDATE Distribution_Log SET notes = %s", ["bulk edit"])
    assert not DistributionLog.objects.filter(notes="bulk edit").exists()


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        pytest.param("DELETE FROM Distribution_Log WHERE log_id = %s", "pk", id="one-row"),
        pytest.param("DELETE FROM Distribution_Log", (), id="all-rows"),
    ],
)
def test_delete_from_distribution_log_is_refused(log, sql, params):
    message = assert_refused(sql, [log.pk] if params == "pk" else params)
    assert "deleted" in message
    assert DistributionLog.objects.filter(pk=log.pk).exists()


def test_orm_update_save_and_delete_of_distribution_log_are_refused(log):
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        DistributionLog.objects.filter(pk=log.pk).update(notes="edited")
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        log.save()
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        log.delete()
    assert DistributionLog.objects.filter(pk=log.pk, notes="handed to the mother").exists()


def test_setting_staff_null_is_refused(log):
    before = snapshot(DistributionLog, log.pk)
    assert_refused("UPDATE Distribution_Log SET staff_id = NULL WHERE log_id = %s", [log.pk])
    assert snapshot(DistributionLog, log.pk) == before


def test_insert_into_distribution_log_is_still_allowed(log):
    DistributionLogFactory(household=log.household, package=log.package, center=log.center)
    assert DistributionLog.objects.filter(household=log.household).count() == 2


# --- Stock_Movements --------------------------------------------------------------


@pytest.fixture
def movement():
    inventory = InventoryFactory(quantity_on_hand=120)
    return StockMovement.objects.create(
        inventory=inventory,
        kind=StockMovement.Kind.RESTOCK,
        reason=StockMovement.Reason.DELIVERY,
        quantity_change=20,
        quantity_after=120,
        staff=StaffMemberFactory(center=inventory.center),
        notes="truck 4",
    )


MOVEMENT_UPDATES = [
    pytest.param("notes = %s", lambda ctx: ["edited later"], id="notes"),
    pytest.param(
        "quantity_change = %s, quantity_after = %s", lambda ctx: [200, 300], id="quantities"
    ),
    pytest.param(
        "kind = %s, reason = %s, quantity_change = %s",
        lambda ctx: ["adjustment", "found", 20],
        id="kind-and-reason",
    ),
    pytest.param("staff_id = %s", lambda ctx: [ctx["other_staff"].pk], id="staff-to-another"),
    pytest.param(
        "inventory_id = %s", lambda ctx: [InventoryFactory().pk], id="inventory-to-another"
    ),
    pytest.param(
        "created_at = %s",
        lambda ctx: [datetime.datetime(2020, 1, 1).isoformat(sep=" ")],
        id="created-at",
    ),
    pytest.param("staff_id = NULL, notes = %s", lambda ctx: ["gone"], id="staff-null-and-notes"),
    pytest.param(
        "staff_id = NULL, quantity_after = %s", lambda ctx: [0], id="staff-null-and-after"
    ),
    pytest.param("notes = notes", lambda ctx: [], id="no-op"),
]


@pytest.mark.parametrize(("set_clause", "values"), MOVEMENT_UPDATES)
def test_update_of_stock_movements_is_refused(movement, set_clause, values):
    before = snapshot(StockMovement, movement.pk)
    other_staff = StaffMemberFactory(center=movement.inventory.center)
    params = [*values({"movement": movement, "other_staff": other_staff}), movement.pk]

    message = assert_refused(
        f"UPDATE Stock_Movements SET {set_clause} WHERE movement_id = %s", params
    )

    assert "updated" in message
    assert snapshot(StockMovement, movement.pk) == before


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        pytest.param("DELETE FROM Stock_Movements WHERE movement_id = %s", "pk", id="one-row"),
        pytest.param("DELETE FROM Stock_Movements", (), id="all-rows"),
    ],
)
def test_delete_from_stock_movements_is_refused(movement, sql, params):
    message = assert_refused(sql, [movement.pk] if params == "pk" else params)
    assert "deleted" in message
    assert StockMovement.objects.filter(pk=movement.pk).exists()


def test_orm_update_and_delete_of_stock_movements_are_refused(movement):
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).update(notes="edited")
    with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
        movement.delete()
    assert StockMovement.objects.filter(pk=movement.pk, notes="truck 4").exists()


def test_setting_movement_staff_null_is_refused(movement):
    before = snapshot(StockMovement, movement.pk)
    assert_refused(
        "UPDATE Stock_Movements SET staff_id = NULL WHERE movement_id = %s", [movement.pk]
    )
    assert snapshot(StockMovement, movement.pk) == before
