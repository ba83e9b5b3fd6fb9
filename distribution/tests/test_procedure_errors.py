"""The stored procedures' own errors, and sp_restock_inventory (MySQL/MariaDB only)."""

import datetime
import re

import pytest
from django.db import DatabaseError, OperationalError, connection
from django.utils import timezone

from centers.tests.factories import DistributionCenterFactory
from distribution.models import DistributionLog
from distribution.services import void_distribution
from distribution.tests.procedures import (
    PROCEDURE_TEST_MARKS,
    build_world,
    call_distribute,
    call_restock,
    check_stock,
)
from inventory.models import Inventory, StockMovement
from inventory.services import RESTOCK_QUANTITY_MESSAGE
from inventory.tests.factories import AidPackageFactory

pytestmark = PROCEDURE_TEST_MARKS

ER_SIGNAL_EXCEPTION = 1644
ER_WARN_DATA_OUT_OF_RANGE = 1264


# --- Errors: unknown ids, out-of-range arguments, rollback -------------------------


@pytest.mark.parametrize("unknown", ["household", "package", "center", "staff"])
def test_unknown_id_is_a_clear_error_and_writes_nothing(unknown):
    world = build_world()
    ids = {
        "household": world.household.pk,
        "package": world.package.pk,
        "center": world.center.pk,
        "staff": world.worker.pk,
    }
    ids[unknown] = 987654
    logs_before = DistributionLog.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SET @status = 'untouched'")

    with pytest.raises(
        OperationalError, match=f"{unknown}( member)? 987654 does not exist"
    ) as error:
        call_distribute(ids["household"], ids["package"], ids["center"], ids["staff"], 1)

    assert error.value.args[0] == ER_SIGNAL_EXCEPTION
    assert DistributionLog.objects.count() == logs_before
    assert Inventory.objects.get(center=world.center, package=world.package).quantity_on_hand == 10
    with connection.cursor() as cursor:
        cursor.execute("SELECT @status")
        assert cursor.fetchone() == ("untouched",)


def test_quantity_beyond_int_is_a_sql_error_not_a_refusal():
    """The service logs invalid_quantity for 10**12; the INT parameter refuses it first."""
    world = build_world()
    logs_before = DistributionLog.objects.count()

    with pytest.raises(DatabaseError) as error:
        call_distribute(
            world.household.pk, world.package.pk, world.center.pk, world.worker.pk, 10**12
        )

    assert error.value.args[0] == ER_WARN_DATA_OUT_OF_RANGE
    assert DistributionLog.objects.count() == logs_before


def test_error_after_the_stock_change_rolls_everything_back():
    world = build_world()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER trg_test_refuse_success BEFORE INSERT ON Distribution_Log "
            "FOR EACH ROW BEGIN "
            "IF NEW.transaction_status = 'success' THEN "
            "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'test: success rows refused'; "
            "END IF; END"
        )
    try:
        with pytest.raises(OperationalError, match="test: success rows refused"):
            call_distribute(
                world.household.pk, world.package.pk, world.center.pk, world.worker.pk, 3
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS trg_test_refuse_success")

    assert Inventory.objects.get(center=world.center, package=world.package).quantity_on_hand == 10
    assert not DistributionLog.objects.filter(household=world.household).exists()
    # Nothing was left locked or half-done: the next call goes through.
    _, status, _ = call_distribute(
        world.household.pk, world.package.pk, world.center.pk, world.worker.pk, 3
    )
    assert status == "success"
    assert Inventory.objects.get(center=world.center, package=world.package).quantity_on_hand == 7
    check_stock()


# --- sp_restock_inventory ---------------------------------------------------------


def test_restock_creates_the_row_then_adds_and_logs_movements():
    center = DistributionCenterFactory()
    package = AidPackageFactory()

    call_restock(center.pk, package.pk, 7)
    inventory = Inventory.objects.get(center=center, package=package)
    utc_today = timezone.now().astimezone(datetime.UTC).date()
    assert inventory.quantity_on_hand == 7
    assert inventory.last_restock_quantity == 7
    assert inventory.last_restock_date == utc_today
    assert inventory.reorder_level == 50
    assert abs(inventory.created_at - timezone.now()) < datetime.timedelta(minutes=1)
    assert inventory.updated_at == inventory.created_at

    call_restock(center.pk, package.pk, 5)
    inventory.refresh_from_db()
    assert inventory.quantity_on_hand == 12
    assert inventory.last_restock_quantity == 5
    assert inventory.updated_at >= inventory.created_at
    movements = list(
        StockMovement.objects.filter(inventory=inventory)
        .order_by("pk")
        .values_list("kind", "reason", "quantity_change", "quantity_after", "staff_id")
    )
    assert movements == [
        ("restock", "delivery", 7, 7, None),
        ("restock", "delivery", 5, 12, None),
    ]
    assert "balance" in check_stock()


def test_procedures_and_services_keep_one_ledger():
    world = build_world()
    call_restock(world.center.pk, world.package.pk, 4)
    log_id, status, _ = call_distribute(
        world.household.pk, world.package.pk, world.center.pk, world.worker.pk, 6
    )
    assert status == "success"
    void_distribution(
        log=DistributionLog.objects.get(pk=log_id), staff=world.manager, reason="Wrong family"
    )
    call_distribute(world.household.pk, world.package.pk, world.center.pk, world.worker.pk, 2)

    assert Inventory.objects.get(center=world.center, package=world.package).quantity_on_hand == 12
    check_stock()


@pytest.mark.parametrize("quantity", [0, -5, 1_000_001, None])
def test_restock_refuses_a_bad_quantity_and_writes_nothing(quantity):
    center = DistributionCenterFactory()
    package = AidPackageFactory()

    # The procedure signals the English text the service shows an English reader.
    with pytest.raises(OperationalError, match=re.escape(str(RESTOCK_QUANTITY_MESSAGE))) as error:
        call_restock(center.pk, package.pk, quantity)

    assert error.value.args[0] == ER_SIGNAL_EXCEPTION
    assert not Inventory.objects.filter(center=center, package=package).exists()
    assert not StockMovement.objects.exists()


@pytest.mark.parametrize("unknown", ["center", "package"])
def test_restock_of_unknown_center_or_package_is_a_clear_error(unknown):
    ids = {"center": DistributionCenterFactory().pk, "package": AidPackageFactory().pk}
    ids[unknown] = 987654

    with pytest.raises(OperationalError, match=f"{unknown} 987654 does not exist"):
        call_restock(ids["center"], ids["package"], 5)

    assert not Inventory.objects.exists()
