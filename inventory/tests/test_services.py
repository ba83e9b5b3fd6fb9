import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from inventory.models import Inventory, StockMovement
from inventory.services import (
    ADJUSTMENT_REASON_MESSAGE,
    BELOW_ZERO_MESSAGE,
    NOT_ALLOWED_MESSAGE,
    RESTOCK_QUANTITY_MESSAGE,
    adjust_stock,
    restock,
    set_reorder_level,
)
from inventory.tests.factories import AidPackageFactory, InventoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def package():
    return AidPackageFactory()


def test_first_restock_creates_the_row_and_a_movement(center, package, manager):
    inventory = restock(center=center, package=package, quantity=40, staff=manager)

    assert inventory.quantity_on_hand == 40
    assert inventory.last_restock_quantity == 40
    assert inventory.last_restock_date is not None
    movement = inventory.movements.get()
    assert (movement.kind, movement.reason, movement.quantity_change, movement.quantity_after) == (
        StockMovement.Kind.RESTOCK,
        StockMovement.Reason.DELIVERY,
        40,
        40,
    )
    assert movement.staff == manager


def test_later_restock_adds_to_the_same_row(center, package, manager):
    restock(center=center, package=package, quantity=40, staff=manager)
    inventory = restock(center=center, package=package, quantity=15, staff=manager, notes="Truck 7")

    assert Inventory.objects.filter(center=center, package=package).count() == 1
    assert inventory.quantity_on_hand == 55
    assert inventory.last_restock_quantity == 15
    assert inventory.movements.first().quantity_after == 55
    assert inventory.movements.first().notes == "Truck 7"


@pytest.mark.parametrize("quantity", [0, -5, 1_000_001, "10", 2.5, None, True])
def test_restock_refuses_bad_quantities(center, package, manager, quantity):
    with pytest.raises(ValidationError) as error:
        restock(center=center, package=package, quantity=quantity, staff=manager)
    assert error.value.messages == [RESTOCK_QUANTITY_MESSAGE]
    assert not Inventory.objects.exists()
    assert not StockMovement.objects.exists()


def test_only_managers_of_the_center_and_admins_change_stock(
    center, package, worker, volunteer, other_manager, admin_staff
):
    for staff in (worker, volunteer, other_manager):
        with pytest.raises(PermissionDenied, match=str(NOT_ALLOWED_MESSAGE)):
            restock(center=center, package=package, quantity=5, staff=staff)
    assert (
        restock(center=center, package=package, quantity=5, staff=admin_staff).quantity_on_hand == 5
    )


def test_adjustment_records_reason_and_never_goes_below_zero(center, package, manager):
    inventory = restock(center=center, package=package, quantity=10, staff=manager)

    movement = adjust_stock(inventory=inventory, delta=-3, reason="damaged", staff=manager)
    assert (movement.quantity_change, movement.quantity_after, movement.reason) == (
        -3,
        7,
        "damaged",
    )
    assert inventory.quantity_on_hand == 7

    with pytest.raises(ValidationError) as error:
        adjust_stock(inventory=inventory, delta=-8, reason="lost", staff=manager)
    assert error.value.messages == [BELOW_ZERO_MESSAGE % {"on_hand": 7}]

    adjust_stock(inventory=inventory, delta=2, reason="found", staff=manager)
    inventory.refresh_from_db()
    assert inventory.quantity_on_hand == 9
    assert inventory.movements.count() == 3


@pytest.mark.parametrize("reason", ["delivery", "", "stolen-ish", None])
def test_adjustment_needs_a_count_reason(center, package, manager, reason):
    inventory = restock(center=center, package=package, quantity=10, staff=manager)
    with pytest.raises(ValidationError) as error:
        adjust_stock(inventory=inventory, delta=-1, reason=reason, staff=manager)
    assert error.value.messages == [ADJUSTMENT_REASON_MESSAGE]


@pytest.mark.parametrize("delta", [0, 1_000_000, -1_000_000, "3", None])
def test_adjustment_refuses_bad_deltas(center, package, manager, delta):
    inventory = restock(center=center, package=package, quantity=10, staff=manager)
    with pytest.raises(ValidationError):
        adjust_stock(inventory=inventory, delta=delta, reason="found", staff=manager)
    inventory.refresh_from_db()
    assert inventory.quantity_on_hand == 10


def test_set_reorder_level(center, package, manager, worker):
    inventory = restock(center=center, package=package, quantity=10, staff=manager)
    assert (
        set_reorder_level(inventory=inventory, reorder_level=25, staff=manager).reorder_level == 25
    )
    with pytest.raises(ValidationError):
        set_reorder_level(inventory=inventory, reorder_level=-1, staff=manager)
    with pytest.raises(PermissionDenied):
        set_reorder_level(inventory=inventory, reorder_level=5, staff=worker)


def test_check_stock_passes_when_every_change_is_recorded(center, package, manager, capsys):
    inventory = restock(center=center, package=package, quantity=10, staff=manager)
    adjust_stock(inventory=inventory, delta=-2, reason="expired", staff=manager)

    call_command("check_stock")
    assert "All 1 inventory rows balance." in capsys.readouterr().out


def test_check_stock_fails_on_unrecorded_stock(center, package):
    InventoryFactory(center=center, package=package, quantity_on_hand=7)

    with pytest.raises(CommandError, match="1 of 1 inventory rows do not balance"):
        call_command("check_stock")
