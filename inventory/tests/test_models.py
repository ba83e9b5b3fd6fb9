"""Database-level rules of Aid_Packages, Inventory and Stock_Movements.

Writes bypass model validation (`QuerySet.update`, `bulk_create`) so the database
itself must refuse the bad row; each refusal runs in its own savepoint. Stock
movements can only be inserted (triggers refuse UPDATE), so their CHECKs are
exercised with inserts.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory
from devtools.assertions import refused_by
from inventory.models import AidPackage, Inventory, StockMovement
from inventory.services import ADJUSTMENT_REASONS
from inventory.tests.factories import AidPackageFactory, InventoryFactory

pytestmark = pytest.mark.django_db


# --- Aid_Packages -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "bad_value", "constraint_name"),
    [
        ("estimated_cost", Decimal("-0.01"), "chk_estimated_cost"),
        ("estimated_cost", Decimal("-100.00"), "chk_estimated_cost"),
        ("validity_period_days", 0, "chk_validity_period"),
        ("validity_period_days", -30, "chk_validity_period"),
        ("category", "toys", "chk_package_category"),
        ("category", "", "chk_package_category"),
    ],
)
def test_package_check_rejects_bad_value(column, bad_value, constraint_name):
    package = AidPackageFactory()
    with refused_by(constraint_name):
        AidPackage.objects.filter(pk=package.pk).update(**{column: bad_value})
    package.refresh_from_db()
    assert getattr(package, column) != bad_value


@pytest.mark.parametrize(
    ("column", "good_value"),
    [
        ("estimated_cost", Decimal("0.00")),
        ("validity_period_days", 1),
        *(("category", value) for value in AidPackage.Category.values),
    ],
)
def test_package_check_accepts_boundary_and_every_choice(column, good_value):
    package = AidPackageFactory()
    AidPackage.objects.filter(pk=package.pk).update(**{column: good_value})
    package.refresh_from_db()
    assert getattr(package, column) == good_value


def test_package_category_check_rejects_case_variant_of_a_member():
    package = AidPackageFactory(category=AidPackage.Category.FOOD)
    with refused_by("chk_package_category"):
        AidPackage.objects.filter(pk=package.pk).update(category="FOOD")


# --- Inventory --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "bad_value", "constraint_name"),
    [
        ("quantity_on_hand", -1, "chk_quantity"),
        ("reorder_level", -1, "chk_reorder"),
    ],
)
def test_inventory_check_rejects_negative_value(column, bad_value, constraint_name):
    inventory = InventoryFactory()
    with refused_by(constraint_name):
        Inventory.objects.filter(pk=inventory.pk).update(**{column: bad_value})
    inventory.refresh_from_db()
    assert getattr(inventory, column) >= 0


@pytest.mark.parametrize("column", ["quantity_on_hand", "reorder_level"])
def test_inventory_check_accepts_zero(column):
    inventory = InventoryFactory()
    Inventory.objects.filter(pk=inventory.pk).update(**{column: 0})
    inventory.refresh_from_db()
    assert getattr(inventory, column) == 0


def test_inventory_is_unique_per_center_and_package():
    existing = InventoryFactory()
    duplicate = Inventory(center=existing.center, package=existing.package)
    with pytest.raises(IntegrityError), transaction.atomic():
        Inventory.objects.bulk_create([duplicate])
    assert Inventory.objects.filter(center=existing.center, package=existing.package).count() == 1


def test_inventory_update_onto_an_existing_pair_is_refused():
    existing = InventoryFactory()
    other = InventoryFactory(center=existing.center)
    with pytest.raises(IntegrityError), transaction.atomic():
        Inventory.objects.filter(pk=other.pk).update(package=existing.package)
    other.refresh_from_db()
    assert other.package != existing.package


def test_same_package_may_be_stocked_at_another_center():
    existing = InventoryFactory()
    Inventory.objects.create(center=DistributionCenterFactory(), package=existing.package)
    assert Inventory.objects.filter(package=existing.package).count() == 2


# --- Stock_Movements --------------------------------------------------------------


def movement(inventory, **overrides):
    """Return an unsaved valid restock movement, with `overrides` applied."""
    values = {
        "inventory": inventory,
        "kind": StockMovement.Kind.RESTOCK,
        "reason": StockMovement.Reason.DELIVERY,
        "quantity_change": 20,
        "quantity_after": 120,
        **overrides,
    }
    return StockMovement(**values)


@pytest.mark.parametrize(
    ("overrides", "constraint_name"),
    [
        pytest.param({"kind": "transfer"}, "chk_movement_kind", id="unknown-kind"),
        pytest.param(
            {"kind": "adjustment", "reason": "gift", "quantity_change": -1},
            "chk_movement_reason",
            id="unknown-reason",
        ),
        pytest.param(
            {"kind": "adjustment", "reason": "count_correction", "quantity_change": 0},
            "chk_movement_nonzero",
            id="zero-change",
        ),
        pytest.param(
            {"kind": "adjustment", "reason": "lost", "quantity_change": -5, "quantity_after": -1},
            "chk_movement_quantity_after",
            id="negative-after",
        ),
        pytest.param({"reason": "found"}, "chk_restock_is_delivery", id="restock-not-delivery"),
        pytest.param(
            {"quantity_change": -5, "quantity_after": 95},
            "chk_restock_is_delivery",
            id="restock-negative",
        ),
    ],
)
def test_stock_movement_check_rejects_bad_row(overrides, constraint_name):
    inventory = InventoryFactory()
    with refused_by(constraint_name):
        StockMovement.objects.bulk_create([movement(inventory, **overrides)])
    assert not StockMovement.objects.filter(inventory=inventory).exists()


@pytest.mark.parametrize(
    ("overrides", "constraint_name"),
    [
        pytest.param({"kind": "RESTOCK"}, "chk_movement_kind", id="kind"),
        pytest.param(
            {"kind": "adjustment", "reason": "DAMAGED", "quantity_change": -1},
            "chk_movement_reason",
            id="reason",
        ),
    ],
)
def test_stock_movement_enum_check_rejects_case_variant_of_a_member(overrides, constraint_name):
    inventory = InventoryFactory()
    with refused_by(constraint_name):
        StockMovement.objects.bulk_create([movement(inventory, **overrides)])


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({}, id="restock-delivery"),
        *(
            pytest.param(
                {
                    "kind": "adjustment",
                    "reason": reason,
                    "quantity_change": -3,
                    "quantity_after": 0,
                },
                id=f"adjustment-{reason}",
            )
            for reason in ADJUSTMENT_REASONS
        ),
        pytest.param(
            {"kind": "adjustment", "reason": "found", "quantity_change": 2}, id="adjustment-up"
        ),
    ],
)
def test_stock_movement_check_accepts_valid_row(overrides):
    inventory = InventoryFactory()
    StockMovement.objects.bulk_create([movement(inventory, **overrides)])
    assert StockMovement.objects.filter(inventory=inventory).count() == 1


# --- Delete rules -----------------------------------------------------------------


def test_deleting_package_without_distributions_cascades_its_inventory():
    package = AidPackageFactory()
    doomed = InventoryFactory(package=package)
    kept = InventoryFactory()

    package.delete()

    assert not Inventory.objects.filter(pk=doomed.pk).exists()
    assert Inventory.objects.filter(pk=kept.pk).exists()


def test_center_whose_inventory_has_stock_movements_cannot_be_deleted():
    inventory = InventoryFactory()
    movement(inventory).save()
    with pytest.raises(ProtectedError):
        inventory.center.delete()
    assert Inventory.objects.filter(pk=inventory.pk).exists()


def test_staff_member_with_stock_movements_cannot_be_deleted():
    staff = StaffMemberFactory()
    inventory = InventoryFactory(center=staff.center)
    row = movement(inventory, staff=staff, notes="pallet 7")
    row.save()
    before = StockMovement.objects.values().get(pk=row.pk)

    with pytest.raises(ProtectedError), transaction.atomic():
        staff.delete()

    assert StockMovement.objects.values().get(pk=row.pk) == before
