"""Transfers carry lots: dispatch first to expire first (or the lot chosen), never expired
units; receipt makes the same lots at the destination; cancel puts them back."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from devtools.triggers import append_only_triggers_lifted
from inventory.models import StockMovement, Transfer, TransferLot
from inventory.services import cancel_transfer, dispatch_transfer, receive_transfer, restock
from inventory.tests.factories import AidPackageFactory
from inventory.tests.lots import assert_lots_add_up, day, lot, lots_of
from inventory.transfers import (
    LOT_EXPIRED_MESSAGE,
    LOT_NOT_HERE_MESSAGE,
    LOT_TOO_SMALL_MESSAGE,
    NOT_ENOUGH_UNEXPIRED_MESSAGE,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def package():
    return AidPackageFactory(package_name="Rice", is_perishable=True)


@pytest.fixture
def stocked(center, package, admin_staff):
    """At `center`: lot OLD expired (4), lot B (5, in 10 days), lot A (10, in 40 days)."""
    for code, quantity, expiry in (("OLD", 4, day(-2)), ("B", 5, day(10)), ("A", 10, day(40))):
        restock(
            center=center,
            package=package,
            quantity=quantity,
            staff=admin_staff,
            lot_code=code,
            expiry_date=expiry,
        )


def send(center, other_center, package, manager, quantity, lot=None):
    return dispatch_transfer(
        source=center,
        destination=other_center,
        package=package,
        quantity=quantity,
        staff=manager,
        lot=lot,
    )


def carried(transfer):
    return [
        (line.lot.lot_code, line.lot.expiry_date, line.quantity)
        for line in TransferLot.objects.filter(transfer=transfer).order_by("pk")
    ]


@pytest.mark.usefixtures("stocked")
def test_a_dispatch_takes_first_to_expire_first_and_skips_expired_units(
    center, other_center, package, manager
):
    transfer = send(center, other_center, package, manager, 8)

    assert carried(transfer) == [("B", day(10), 5), ("A", day(40), 3)]
    assert lots_of(center, package) == [("OLD", day(-2), 4), ("B", day(10), 0), ("A", day(40), 7)]
    out = transfer.movements.get()
    assert (out.kind, out.quantity_change, out.lot) == (StockMovement.Kind.TRANSFER_OUT, -8, None)
    assert_lots_add_up()


@pytest.mark.usefixtures("stocked")
def test_a_dispatch_of_more_than_the_unexpired_units_is_refused(
    center, other_center, package, manager
):
    with pytest.raises(ValidationError) as error:
        send(center, other_center, package, manager, 16)

    assert error.value.code == "insufficient_stock"
    params = {"quantity": 16, "usable": 15, "on_hand": 19, "center": center.center_name}
    assert error.value.messages == [NOT_ENOUGH_UNEXPIRED_MESSAGE % params]
    assert not Transfer.objects.exists()
    assert_lots_add_up()


@pytest.mark.usefixtures("stocked")
def test_a_chosen_lot_is_sent_whole_or_not_at_all(center, other_center, package, manager):
    a = lot(center, package, "A")
    transfer = send(center, other_center, package, manager, 6, lot=a)
    assert carried(transfer) == [("A", day(40), 6)]
    assert transfer.movements.get().lot == a

    with pytest.raises(ValidationError) as error:
        send(center, other_center, package, manager, 5, lot=a)
    assert error.value.messages == [LOT_TOO_SMALL_MESSAGE % {"in_lot": 4, "quantity": 5}]

    with pytest.raises(ValidationError) as error:
        send(center, other_center, package, manager, 1, lot=lot(center, package, "OLD"))
    assert error.value.code == "lot_expired"
    assert error.value.messages == [LOT_EXPIRED_MESSAGE % {"expiry": f"{day(-2):%Y-%m-%d}"}]
    assert Transfer.objects.count() == 1
    assert_lots_add_up()


@pytest.mark.usefixtures("stocked")
def test_a_lot_of_another_center_or_package_is_refused(
    center, other_center, package, manager, admin_staff
):
    other = AidPackageFactory(package_name="Beans", is_perishable=True)
    restock(
        center=center,
        package=other,
        quantity=3,
        staff=admin_staff,
        lot_code="Z",
        expiry_date=day(9),
    )
    with pytest.raises(ValidationError) as error:
        send(center, other_center, package, manager, 1, lot=lot(center, other, "Z"))
    assert error.value.messages == [LOT_NOT_HERE_MESSAGE % {"center": center.center_name}]


@pytest.mark.usefixtures("stocked")
def test_a_receipt_makes_the_same_lots_at_the_destination(
    center, other_center, package, manager, other_manager
):
    restock(
        center=other_center,
        package=package,
        quantity=2,
        staff=other_manager,
        lot_code="A",
        expiry_date=day(40),
    )
    transfer = send(center, other_center, package, manager, 8)

    receive_transfer(transfer=transfer, quantity_received=8, staff=other_manager)

    assert lots_of(other_center, package) == [("B", day(10), 5), ("A", day(40), 5)]
    assert_lots_add_up()


@pytest.mark.usefixtures("stocked")
def test_a_shortfall_is_counted_against_the_first_lots_to_expire(
    center, other_center, package, manager, other_manager
):
    transfer = send(center, other_center, package, manager, 8)

    receive_transfer(
        transfer=transfer,
        quantity_received=2,
        staff=other_manager,
        notes="Crushed in the truck",
        loss_reason="damaged",
    )

    assert lots_of(other_center, package) == [("B", day(10), 0), ("A", day(40), 2)]
    assert_lots_add_up()


@pytest.mark.usefixtures("stocked")
def test_a_cancel_puts_the_units_back_into_the_lots_they_left(
    center, other_center, package, manager
):
    before = lots_of(center, package)
    transfer = send(center, other_center, package, manager, 8)

    cancel_transfer(transfer=transfer, staff=manager)

    assert lots_of(center, package) == before
    assert_lots_add_up()


@pytest.mark.django_db(transaction=True)  # lifting the triggers is DDL: MySQL commits it
def test_a_transfer_sent_before_lots_arrives_and_returns_without_a_lot(
    center, other_center, manager, other_manager, admin_staff
):
    soap = AidPackageFactory(category="hygiene")
    restock(center=center, package=soap, quantity=10, staff=admin_staff)
    first, second = (send(center, other_center, soap, manager, 3) for _ in range(2))
    with append_only_triggers_lifted(connection):  # as if sent before lots existed
        TransferLot.objects.filter(transfer__in=[first, second]).delete()

    receive_transfer(transfer=first, quantity_received=3, staff=other_manager)
    cancel_transfer(transfer=second, staff=manager)

    assert lots_of(other_center, soap) == [(None, None, 3)]
    assert lots_of(center, soap) == [(None, None, 7)]
    assert_lots_add_up()


@pytest.mark.usefixtures("stocked")
def test_the_waybill_and_the_transfer_page_name_the_lots(
    client, center, other_center, package, manager
):
    transfer = send(center, other_center, package, manager, 8)
    client.force_login(manager.user)

    waybill = client.get(reverse("inventory:transfer_waybill", args=[transfer.pk])).content.decode()
    page = client.get(reverse("inventory:transfer_detail", args=[transfer.pk])).content.decode()

    assert 'id="waybill-lots"' in waybill
    for code, expiry, units in (("B", day(10), 5), ("A", day(40), 3)):
        code = f'<bdi class="ltr" dir="ltr">{code}</bdi>'  # left to right in Arabic too
        cells = (
            f'<td>{code}</td><td>{expiry:%Y-%m-%d}</td><td class="waybill-quantity">{units}</td>'
        )
        row = f"<tr>{cells}</tr>"
        assert row in waybill
        assert f"{units} × {code}, expires {expiry:%Y-%m-%d}" in page


@pytest.mark.usefixtures("stocked")
def test_the_send_form_offers_unexpired_lots_and_sends_the_one_chosen(
    client, center, other_center, package, manager
):
    client.force_login(manager.user)
    url = reverse("inventory:transfer_create", args=[center.pk])
    form = client.get(url).context["form"]
    assert [choice.lot_code for choice in form.fields["lot"].queryset] == ["B", "A"]

    chosen = lot(center, package, "A")
    response = client.post(
        url,
        {
            "destination": other_center.pk,
            "package": package.pk,
            "quantity": 2,
            "lot": chosen.pk,
            "notes": "",
        },
    )

    assert response.status_code == 302
    assert carried(Transfer.objects.get()) == [("A", day(40), 2)]
    expired = lot(center, package, "OLD")
    response = client.post(
        url,
        {"destination": other_center.pk, "package": package.pk, "quantity": 1, "lot": expired.pk},
    )
    assert response.status_code == 200
    assert "lot" in response.context["form"].errors
