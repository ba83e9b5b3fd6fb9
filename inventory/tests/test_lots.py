"""Lots at the inventory services: restock into lots, perishable packages, write-offs,
and the migration that made existing stock a lot. After every change the lots add up."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from inventory.models import AidPackage, Inventory, StockLot, StockMovement
from inventory.services import (
    BELOW_ZERO_MESSAGE,
    EXPIRY_DATE_MESSAGE,
    EXPIRY_REQUIRED_MESSAGE,
    FOUND_NEEDS_LOT_MESSAGE,
    LOT_BELOW_ZERO_MESSAGE,
    LOT_CODE_MESSAGE,
    WRONG_LOT_MESSAGE,
    adjust_stock,
    restock,
)
from inventory.tests.factories import AidPackageFactory
from inventory.tests.lots import assert_lots_add_up, day, lot, lots_of

pytestmark = pytest.mark.django_db

Reason = StockMovement.Reason


@pytest.fixture
def package():
    return AidPackageFactory(package_name="Rice", is_perishable=True)


@pytest.fixture
def three_lots(center, package, manager):
    """Lot A (10, expiring in 40 days), lot B (5, in 10 days), 7 without a code (in 400)."""
    restock(
        center=center,
        package=package,
        quantity=10,
        staff=manager,
        lot_code="A",
        expiry_date=day(40),
    )
    restock(
        center=center, package=package, quantity=5, staff=manager, lot_code="B", expiry_date=day(10)
    )
    return restock(center=center, package=package, quantity=7, staff=manager, expiry_date=day(400))


# --- Perishable packages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "perishable"),
    [("food", True), ("medical", True), ("shelter", False), ("hygiene", False)],
)
def test_a_package_is_perishable_by_its_category_unless_it_says(category, perishable):
    assert (
        AidPackage.objects.create(
            package_name="P", category=category, estimated_cost=1
        ).is_perishable
        is perishable
    )
    said = AidPackage.objects.create(
        package_name="Q", category=category, estimated_cost=1, is_perishable=not perishable
    )
    said.refresh_from_db()
    assert said.is_perishable is (not perishable)


def test_a_perishable_restock_needs_an_expiry_date(center, package, manager):
    with pytest.raises(ValidationError) as error:
        restock(center=center, package=package, quantity=5, staff=manager, lot_code="A")

    assert error.value.messages == [EXPIRY_REQUIRED_MESSAGE]
    assert not Inventory.objects.exists()
    assert not StockLot.objects.exists()


def test_a_package_that_is_not_perishable_may_give_an_expiry_date(center, manager):
    soap = AidPackageFactory(category="hygiene", is_perishable=False)

    restock(center=center, package=soap, quantity=4, staff=manager)
    restock(
        center=center, package=soap, quantity=6, staff=manager, lot_code="S1", expiry_date=day(700)
    )

    assert lots_of(center, soap) == [("S1", day(700), 6), (None, None, 4)]
    assert_lots_add_up()


@pytest.mark.parametrize(
    ("lot_code", "expiry_date", "message"),
    [
        ("x" * 41, day(5), LOT_CODE_MESSAGE),
        (12, day(5), LOT_CODE_MESSAGE),
        ("A", "2030-01-01", EXPIRY_DATE_MESSAGE),
        ("A", day(5).replace(year=2200), EXPIRY_DATE_MESSAGE),
    ],
)
def test_restock_refuses_what_a_lot_cannot_be(
    center, package, manager, lot_code, expiry_date, message
):
    with pytest.raises(ValidationError) as error:
        restock(
            center=center,
            package=package,
            quantity=5,
            staff=manager,
            lot_code=lot_code,
            expiry_date=expiry_date,
        )
    assert error.value.messages == [message]
    assert not StockLot.objects.exists()


# --- Restocks make lots -------------------------------------------------------------------


def test_each_code_and_expiry_is_one_lot_however_often_it_arrives(center, package, manager):
    restock(
        center=center,
        package=package,
        quantity=10,
        staff=manager,
        lot_code=" A ",
        expiry_date=day(40),
    )
    restock(
        center=center, package=package, quantity=3, staff=manager, lot_code="A", expiry_date=day(40)
    )
    restock(
        center=center, package=package, quantity=2, staff=manager, lot_code="A", expiry_date=day(41)
    )
    inventory = restock(
        center=center, package=package, quantity=1, staff=manager, lot_code="", expiry_date=day(2)
    )

    assert lots_of(center, package) == [(None, day(2), 1), ("A", day(40), 13), ("A", day(41), 2)]
    assert inventory.quantity_on_hand == 16
    restocks = inventory.movements.order_by("pk")
    assert [m.lot.describe() for m in restocks] == [
        f"lot A, expires {day(40):%Y-%m-%d}",
        f"lot A, expires {day(40):%Y-%m-%d}",
        f"lot A, expires {day(41):%Y-%m-%d}",
        f"no lot, expires {day(2):%Y-%m-%d}",
    ]
    assert_lots_add_up()


def test_units_already_expired_are_taken_in_and_shown_expired(center, package, manager):
    restock(
        center=center,
        package=package,
        quantity=4,
        staff=manager,
        lot_code="OLD",
        expiry_date=day(-1),
    )

    old = lot(center, package, "OLD")
    assert old.is_expired()
    assert old.expiry_status() == "expired"
    assert_lots_add_up()


@pytest.mark.parametrize(
    ("offset", "status"), [(-1, "expired"), (0, "expiring"), (30, "expiring"), (31, "")]
)
def test_a_lot_expires_the_day_after_its_date(center, package, manager, offset, status):
    restock(
        center=center,
        package=package,
        quantity=1,
        staff=manager,
        lot_code="L",
        expiry_date=day(offset),
    )
    assert lot(center, package, "L").expiry_status() == status


# --- Write-offs and counted adjustments ----------------------------------------------------


def test_a_write_off_removes_units_of_the_lot_named(center, package, manager, three_lots):
    restock(
        center=center, package=package, quantity=6, staff=manager, lot_code="C", expiry_date=day(-3)
    )
    expired = lot(center, package, "C")

    movement = adjust_stock(
        inventory=three_lots, delta=-6, reason=Reason.EXPIRED, staff=manager, lot=expired
    )

    assert (movement.quantity_change, movement.quantity_after, movement.lot) == (-6, 22, expired)
    expired.refresh_from_db()
    assert expired.quantity == 0
    three_lots.refresh_from_db()
    assert three_lots.quantity_on_hand == 22
    assert_lots_add_up()


def test_a_write_off_never_takes_a_lot_below_zero(center, package, manager, three_lots):
    b = lot(center, package, "B")
    with pytest.raises(ValidationError) as error:
        adjust_stock(inventory=three_lots, delta=-6, reason=Reason.DAMAGED, staff=manager, lot=b)

    assert error.value.messages == [LOT_BELOW_ZERO_MESSAGE % {"quantity": 5}]
    assert error.value.code == "below_zero"
    b.refresh_from_db()
    assert b.quantity == 5
    assert_lots_add_up()


def test_a_lot_of_another_row_is_refused(
    center, other_center, package, manager, admin_staff, three_lots
):
    restock(
        center=other_center,
        package=package,
        quantity=3,
        staff=admin_staff,
        lot_code="X",
        expiry_date=day(9),
    )
    with pytest.raises(ValidationError) as error:
        adjust_stock(
            inventory=three_lots,
            delta=-1,
            reason=Reason.DAMAGED,
            staff=manager,
            lot=lot(other_center, package, "X"),
        )
    assert error.value.messages == [WRONG_LOT_MESSAGE]


def test_removing_expired_units_without_a_lot_takes_the_expired_lots_first(
    center, package, manager, three_lots
):
    restock(
        center=center, package=package, quantity=2, staff=manager, lot_code="C", expiry_date=day(-3)
    )

    adjust_stock(inventory=three_lots, delta=-3, reason=Reason.EXPIRED, staff=manager)

    assert lots_of(center, package) == [
        ("C", day(-3), 0),
        ("B", day(10), 4),
        ("A", day(40), 10),
        (None, day(400), 7),
    ]
    assert_lots_add_up()


def test_removing_damaged_units_without_a_lot_takes_the_unexpired_first_to_expire(
    center, package, manager, three_lots
):
    restock(
        center=center, package=package, quantity=2, staff=manager, lot_code="C", expiry_date=day(-3)
    )

    adjust_stock(inventory=three_lots, delta=-6, reason=Reason.DAMAGED, staff=manager)

    assert lots_of(center, package) == [
        ("C", day(-3), 2),
        ("B", day(10), 0),
        ("A", day(40), 9),
        (None, day(400), 7),
    ]
    assert_lots_add_up()


def test_units_found_go_to_the_lot_named(center, package, manager, three_lots):
    b = lot(center, package, "B")
    movement = adjust_stock(
        inventory=three_lots, delta=2, reason=Reason.FOUND, staff=manager, lot=b
    )

    assert movement.lot == b
    b.refresh_from_db()
    assert b.quantity == 7
    assert_lots_add_up()


def test_units_found_of_a_perishable_package_need_their_lot(center, package, manager, three_lots):
    with pytest.raises(ValidationError) as error:
        adjust_stock(inventory=three_lots, delta=2, reason=Reason.FOUND, staff=manager)
    assert error.value.messages == [FOUND_NEEDS_LOT_MESSAGE]


def test_units_found_without_a_lot_join_the_lot_without_code_and_expiry(center, manager):
    soap = AidPackageFactory(category="hygiene")
    inventory = restock(
        center=center, package=soap, quantity=3, staff=manager, lot_code="S", expiry_date=day(90)
    )

    adjust_stock(inventory=inventory, delta=2, reason=Reason.FOUND, staff=manager)
    adjust_stock(inventory=inventory, delta=1, reason=Reason.COUNT_CORRECTION, staff=manager)

    assert lots_of(center, soap) == [("S", day(90), 3), (None, None, 3)]
    assert_lots_add_up()


def test_a_removal_beyond_the_units_on_hand_is_refused(center, package, manager, three_lots):
    with pytest.raises(ValidationError) as error:
        adjust_stock(inventory=three_lots, delta=-23, reason=Reason.LOST, staff=manager)
    assert error.value.messages == [BELOW_ZERO_MESSAGE % {"on_hand": 22}]
    assert_lots_add_up()


# --- check_stock and the migration ---------------------------------------------------------


def test_check_stock_names_a_row_whose_lots_do_not_add_up(center, package, manager, three_lots):
    StockLot.objects.filter(lot_code="B").update(quantity=4)

    out = StringIO()
    with pytest.raises(CommandError, match="the lots of 1 inventory rows do not add up"):
        call_command("check_stock", stdout=out)
    mismatch = f"MISMATCH lots of inventory #{three_lots.pk} Rice at Riverside"
    assert f"{mismatch}: lots hold 21, but 22 on hand" in out.getvalue()


def test_the_migration_makes_each_rows_units_one_lot_without_code_or_expiry(center, other_center):
    migration = importlib.import_module("inventory.migrations.0010_existing_stock_as_lots")
    food = AidPackageFactory(category="food", is_perishable=False)
    tent = AidPackageFactory(category="shelter", is_perishable=False)
    held = Inventory.objects.create(center=center, package=food, quantity_on_hand=12)
    Inventory.objects.create(center=other_center, package=food, quantity_on_hand=0)
    tents = Inventory.objects.create(center=center, package=tent, quantity_on_hand=3)

    migration.existing_stock_as_lots(apps, schema_editor=None)

    lots = StockLot.objects.order_by("inventory")
    assert list(lots.values_list("inventory_id", "lot_code", "expiry_date", "quantity")) == [
        (held.pk, None, None, 12),
        (tents.pk, None, None, 3),
    ]
    food.refresh_from_db()
    tent.refresh_from_db()
    assert (food.is_perishable, tent.is_perishable) == (True, False)
