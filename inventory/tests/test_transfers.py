"""Transfers between centers, step by step: dispatch, receive (in full or short), cancel,
and every refusal; after each, check_stock's invariant holds and a refusal changed nothing."""

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from centers.models import DistributionCenter
from centers.tests.factories import DistributionCenterFactory
from inventory.models import Inventory, StockMovement, Transfer
from inventory.services import (
    cancel_transfer,
    dispatch_transfer,
    receive_transfer,
    restock,
)
from inventory.tests.factories import AidPackageFactory
from inventory.transfers import (
    CANCEL_NOT_ALLOWED_MESSAGE,
    DESTINATION_INACTIVE_MESSAGE,
    DISPATCH_NOT_ALLOWED_MESSAGE,
    LOSS_NOTES_MESSAGE,
    LOSS_REASON_MESSAGE,
    NOT_IN_TRANSIT_MESSAGES,
    RECEIVE_NOT_ALLOWED_MESSAGE,
    SAME_CENTER_MESSAGE,
    TRANSFER_QUANTITY_MESSAGE,
)

pytestmark = pytest.mark.django_db

Kind = StockMovement.Kind
Status = Transfer.Status


@pytest.fixture
def package():
    return AidPackageFactory(package_name="Food basket")


@pytest.fixture
def stocked(center, package, admin_staff):
    """20 units of the package at `center`, none at `other_center`."""
    return restock(center=center, package=package, quantity=20, staff=admin_staff)


@pytest.fixture
def transfer(stocked, center, other_center, package, manager):
    return dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=8, staff=manager
    )


def assert_stock_balances():
    """check_stock passes: every inventory row and every transfer balances."""
    call_command("check_stock", stdout=StringIO())


def on_hand(center, package):
    row = Inventory.objects.filter(center=center, package=package).first()
    return None if row is None else row.quantity_on_hand


def steps(transfer):
    """(center name, kind, reason, change, after) of the transfer's movements, in order."""
    return [
        (m.inventory.center.center_name, m.kind, m.reason, m.quantity_change, m.quantity_after)
        for m in transfer.movements.select_related("inventory__center").order_by("pk")
    ]


def snapshot():
    """What a refused step must leave unchanged."""
    return (
        list(Inventory.objects.order_by("pk").values_list("pk", "quantity_on_hand")),
        list(StockMovement.objects.order_by("pk").values_list("pk", flat=True)),
        list(Transfer.objects.order_by("pk").values()),
    )


# --- dispatch ---------------------------------------------------------------------


def test_dispatch_takes_the_units_out_of_the_source_now(
    stocked, center, other_center, package, manager
):
    transfer = dispatch_transfer(
        source=center,
        destination=other_center,
        package=package,
        quantity=8,
        staff=manager,
        notes="Truck 4, seal 1187",
    )

    assert (transfer.status, transfer.quantity, transfer.dispatched_by) == (
        Status.IN_TRANSIT,
        8,
        manager,
    )
    assert transfer.number == f"TR-{transfer.pk:06d}"
    assert on_hand(center, package) == 12
    assert on_hand(other_center, package) is None  # in transit: no center holds them
    assert steps(transfer) == [("Riverside", Kind.TRANSFER_OUT, "transfer", -8, 12)]
    assert transfer.movements.get().staff == manager
    assert transfer.movements.get().notes == "Truck 4, seal 1187"
    assert_stock_balances()


def test_dispatch_of_more_than_on_hand_is_refused_and_changes_nothing(
    stocked, center, other_center, package, manager
):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        dispatch_transfer(
            source=center, destination=other_center, package=package, quantity=21, staff=manager
        )
    assert refused.value.code == "insufficient_stock"
    assert refused.value.messages == ["Not enough stock to send 21: 20 on hand at Riverside."]
    assert snapshot() == before
    assert_stock_balances()


def test_dispatch_of_a_package_never_stocked_is_refused(center, other_center, manager):
    with pytest.raises(ValidationError, match="0 on hand at Riverside"):
        dispatch_transfer(
            source=center,
            destination=other_center,
            package=AidPackageFactory(),
            quantity=1,
            staff=manager,
        )
    assert not Transfer.objects.exists()


def test_dispatch_of_every_unit_leaves_zero(stocked, center, other_center, package, manager):
    dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=20, staff=manager
    )
    assert on_hand(center, package) == 0
    assert_stock_balances()


@pytest.mark.parametrize("quantity", [0, -1, 1_000_001, "5", 2.5, None, True])
def test_dispatch_refuses_bad_quantities(stocked, center, other_center, package, manager, quantity):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        dispatch_transfer(
            source=center,
            destination=other_center,
            package=package,
            quantity=quantity,
            staff=manager,
        )
    assert refused.value.messages == [TRANSFER_QUANTITY_MESSAGE]
    assert snapshot() == before


def test_dispatch_to_the_same_center_is_refused(stocked, center, package, manager):
    with pytest.raises(ValidationError, match=str(SAME_CENTER_MESSAGE)):
        dispatch_transfer(
            source=center, destination=center, package=package, quantity=1, staff=manager
        )
    assert not Transfer.objects.exists()


def test_dispatch_to_an_inactive_center_is_refused(stocked, center, package, manager):
    closed = DistributionCenterFactory(status=DistributionCenter.Status.INACTIVE)
    with pytest.raises(ValidationError, match=str(DESTINATION_INACTIVE_MESSAGE)):
        dispatch_transfer(
            source=center, destination=closed, package=package, quantity=1, staff=manager
        )
    assert on_hand(center, package) == 20


def test_only_managers_of_the_source_and_admins_dispatch(
    stocked, center, other_center, package, volunteer, worker, other_manager, admin_staff
):
    before = snapshot()
    for staff in (volunteer, worker, other_manager):
        with pytest.raises(PermissionDenied, match=str(DISPATCH_NOT_ALLOWED_MESSAGE)):
            dispatch_transfer(
                source=center, destination=other_center, package=package, quantity=1, staff=staff
            )
    assert snapshot() == before
    transfer = dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=1, staff=admin_staff
    )
    assert transfer.dispatched_by == admin_staff


# --- receive ----------------------------------------------------------------------


def test_receipt_in_full_adds_the_units_at_the_destination(
    transfer, center, other_center, package, other_manager
):
    received = receive_transfer(transfer=transfer, quantity_received=8, staff=other_manager)

    assert received.status == Status.RECEIVED
    assert (received.quantity_received, received.received_by) == (8, other_manager)
    assert received.received_at is not None
    assert (received.loss_reason, received.shortfall) == (None, 0)
    assert on_hand(center, package) == 12
    assert on_hand(other_center, package) == 8  # the row was created on receipt
    assert steps(received) == [
        ("Riverside", Kind.TRANSFER_OUT, "transfer", -8, 12),
        ("Hillcrest", Kind.TRANSFER_IN, "transfer", 8, 8),
    ]
    assert_stock_balances()


def test_receipt_adds_to_an_existing_row(transfer, other_center, package, admin_staff):
    restock(center=other_center, package=package, quantity=5, staff=admin_staff)
    receive_transfer(transfer=transfer, quantity_received=8, staff=admin_staff)
    assert on_hand(other_center, package) == 13
    assert Inventory.objects.filter(center=other_center, package=package).count() == 1
    assert_stock_balances()


def test_shortfall_is_recorded_as_a_loss_in_transit_with_its_reason(
    transfer, center, other_center, package, other_manager
):
    received = receive_transfer(
        transfer=transfer,
        quantity_received=5,
        staff=other_manager,
        notes="Three boxes crushed in the truck",
        loss_reason="damaged",
    )

    assert (received.quantity_received, received.shortfall, received.loss_reason) == (
        5,
        3,
        "damaged",
    )
    assert received.receipt_notes == "Three boxes crushed in the truck"
    assert on_hand(center, package) == 12
    assert on_hand(other_center, package) == 5
    assert steps(received) == [
        ("Riverside", Kind.TRANSFER_OUT, "transfer", -8, 12),
        ("Hillcrest", Kind.TRANSFER_IN, "transfer", 8, 8),
        ("Hillcrest", Kind.TRANSIT_LOSS, "damaged", -3, 5),
    ]
    loss = received.movements.get(kind=Kind.TRANSIT_LOSS)
    assert (loss.notes, loss.staff) == ("Three boxes crushed in the truck", other_manager)
    assert_stock_balances()


def test_shortfall_reason_defaults_to_lost(transfer, other_manager):
    received = receive_transfer(
        transfer=transfer, quantity_received=0, staff=other_manager, notes="Truck hijacked"
    )
    assert (received.loss_reason, received.shortfall) == ("lost", 8)
    assert on_hand(received.destination, received.package) == 0
    assert_stock_balances()


@pytest.mark.parametrize("notes", [None, "", "   "])
def test_shortfall_without_notes_is_refused(transfer, other_manager, notes):
    before = snapshot()
    with pytest.raises(ValidationError, match=str(LOSS_NOTES_MESSAGE)):
        receive_transfer(transfer=transfer, quantity_received=7, staff=other_manager, notes=notes)
    assert snapshot() == before


def test_shortfall_with_a_reason_that_is_not_a_loss_is_refused(transfer, other_manager):
    with pytest.raises(ValidationError, match=str(LOSS_REASON_MESSAGE)):
        receive_transfer(
            transfer=transfer,
            quantity_received=7,
            staff=other_manager,
            notes="one short",
            loss_reason="found",
        )
    assert Transfer.objects.get(pk=transfer.pk).status == Status.IN_TRANSIT


@pytest.mark.parametrize("quantity", [-1, 9, "8", 8.0, None, False])
def test_receipt_refuses_counts_outside_what_was_sent(transfer, other_manager, quantity):
    before = snapshot()
    with pytest.raises(ValidationError, match="from 0 to the 8 units sent"):
        receive_transfer(
            transfer=transfer, quantity_received=quantity, staff=other_manager, notes="x"
        )
    assert snapshot() == before


def test_receiving_twice_is_refused(transfer, other_manager, admin_staff):
    receive_transfer(transfer=transfer, quantity_received=8, staff=other_manager)
    before = snapshot()

    stale = Transfer.objects.get(pk=transfer.pk)
    stale.status = Status.IN_TRANSIT  # a page opened before the first receipt
    with pytest.raises(ValidationError) as refused:
        receive_transfer(transfer=stale, quantity_received=8, staff=admin_staff)

    assert refused.value.messages == [NOT_IN_TRANSIT_MESSAGES[Status.RECEIVED]]
    assert snapshot() == before
    assert_stock_balances()


def test_receipt_by_the_wrong_center_is_refused(
    transfer, manager, worker, volunteer, other_center, package
):
    """The source's manager, and staff of the destination who are not managers, cannot."""
    before = snapshot()
    for staff in (manager, worker, volunteer):
        with pytest.raises(PermissionDenied, match=str(RECEIVE_NOT_ALLOWED_MESSAGE)):
            receive_transfer(transfer=transfer, quantity_received=8, staff=staff)
    assert snapshot() == before
    assert on_hand(other_center, package) is None


def test_receipt_of_a_cancelled_transfer_is_refused(transfer, manager, other_manager):
    cancel_transfer(transfer=transfer, staff=manager)
    before = snapshot()
    with pytest.raises(ValidationError, match=str(NOT_IN_TRANSIT_MESSAGES[Status.CANCELLED])):
        receive_transfer(transfer=transfer, quantity_received=8, staff=other_manager)
    assert snapshot() == before


# --- cancel -----------------------------------------------------------------------


def test_cancel_puts_the_units_back_at_the_source(transfer, center, package, manager):
    cancelled = cancel_transfer(transfer=transfer, staff=manager)

    assert cancelled.status == Status.CANCELLED
    assert (cancelled.cancelled_by, cancelled.cancelled_at is not None) == (manager, True)
    assert on_hand(center, package) == 20
    assert steps(cancelled) == [
        ("Riverside", Kind.TRANSFER_OUT, "transfer", -8, 12),
        ("Riverside", Kind.TRANSFER_CANCELLED, "transfer", 8, 20),
    ]
    assert_stock_balances()


def test_cancel_after_receipt_is_refused(transfer, manager, other_manager):
    receive_transfer(transfer=transfer, quantity_received=8, staff=other_manager)
    before = snapshot()
    with pytest.raises(ValidationError, match=str(NOT_IN_TRANSIT_MESSAGES[Status.RECEIVED])):
        cancel_transfer(transfer=transfer, staff=manager)
    assert snapshot() == before
    assert_stock_balances()


def test_cancel_twice_is_refused(transfer, manager):
    cancel_transfer(transfer=transfer, staff=manager)
    with pytest.raises(ValidationError, match=str(NOT_IN_TRANSIT_MESSAGES[Status.CANCELLED])):
        cancel_transfer(transfer=transfer, staff=manager)
    assert on_hand(transfer.source, transfer.package) == 20


def test_only_managers_of_the_source_and_admins_cancel(
    transfer, other_manager, worker, volunteer, admin_staff
):
    before = snapshot()
    for staff in (other_manager, worker, volunteer):
        with pytest.raises(PermissionDenied, match=str(CANCEL_NOT_ALLOWED_MESSAGE)):
            cancel_transfer(transfer=transfer, staff=staff)
    assert snapshot() == before
    assert cancel_transfer(transfer=transfer, staff=admin_staff).status == Status.CANCELLED


def test_units_sent_again_after_a_cancel_balance(transfer, center, other_center, package, manager):
    cancel_transfer(transfer=transfer, staff=manager)
    again = dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=20, staff=manager
    )
    assert on_hand(center, package) == 0
    assert again.movements.get().quantity_after == 0
    assert_stock_balances()


# --- check_stock sees transfers -------------------------------------------------------


def test_check_stock_names_a_transfer_whose_movements_do_not_match(transfer):
    """A transfer marked received without its movements (written around the service)."""
    Transfer.objects.filter(pk=transfer.pk).update(
        status=Status.RECEIVED,
        received_by=transfer.dispatched_by,
        received_at=transfer.dispatched_at,
        quantity_received=8,
    )
    out = StringIO()
    with pytest.raises(CommandError, match=r"1 transfer\(s\) do not match their movements"):
        call_command("check_stock", stdout=out)
    assert f"MISMATCH transfer {transfer.number} (Received, 8 sent)" in out.getvalue()


def test_check_stock_counts_every_kind_of_step(
    stocked, center, other_center, package, manager, other_manager
):
    """Sent, received short, cancelled and still in transit, both ways, at once."""
    first = dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=5, staff=manager
    )
    receive_transfer(transfer=first, quantity_received=4, staff=other_manager, notes="one lost")
    second = dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=3, staff=manager
    )
    cancel_transfer(transfer=second, staff=manager)
    dispatch_transfer(
        source=other_center, destination=center, package=package, quantity=2, staff=other_manager
    )
    dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=6, staff=manager
    )

    assert on_hand(center, package) == 20 - 5 - 6
    assert on_hand(other_center, package) == 4 - 2
    out = StringIO()
    call_command("check_stock", stdout=out)
    assert "All 2 inventory rows balance." in out.getvalue()
