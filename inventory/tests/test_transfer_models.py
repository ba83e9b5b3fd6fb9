"""Database-level rules of Stock_Transfers and of the movements a transfer writes.

Rows are written with `bulk_create` and `update`, past every service and model check,
so the database itself must refuse a bad one.
"""

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from centers.models import StaffMember
from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory
from devtools.assertions import refused_by
from inventory.models import StockMovement, Transfer
from inventory.services import dispatch_transfer, restock
from inventory.tests.factories import AidPackageFactory, InventoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(center, other_center, admin_staff):
    return {
        "source": center,
        "destination": other_center,
        "package": AidPackageFactory(),
        "dispatched_by": admin_staff,
    }


def transfer(world, **overrides):
    """An unsaved valid in-transit transfer of 10 units, with `overrides` applied."""
    return Transfer(**{**world, "quantity": 10, **overrides})


def received(world, **overrides):
    values = {
        "status": "received",
        "received_by": world["dispatched_by"],
        "received_at": timezone.now(),
        "quantity_received": 10,
    }
    return transfer(world, **{**values, **overrides})


@pytest.mark.parametrize(
    ("build", "constraint_name"),
    [
        pytest.param(
            lambda w: transfer(w, destination=w["source"]), "chk_transfer_centers", id="same-center"
        ),
        pytest.param(lambda w: transfer(w, quantity=0), "chk_transfer_quantity", id="zero"),
        pytest.param(lambda w: transfer(w, quantity=-3), "chk_transfer_quantity", id="negative"),
        pytest.param(lambda w: transfer(w, status="lost"), "chk_transfer_status", id="status"),
        pytest.param(
            lambda w: transfer(w, status="IN_TRANSIT"), "chk_transfer_status", id="status-case"
        ),
        pytest.param(
            lambda w: received(w, quantity_received=None), "chk_transfer_receipt", id="no-count"
        ),
        pytest.param(
            lambda w: received(w, received_at=None), "chk_transfer_receipt", id="no-receipt-time"
        ),
        pytest.param(
            lambda w: received(w, received_by=None), "chk_transfer_receipt", id="no-receiver"
        ),
        pytest.param(
            lambda w: received(w, quantity_received=11), "chk_transfer_receipt", id="more-arrived"
        ),
        pytest.param(
            lambda w: received(w, quantity_received=-1, loss_reason="lost"),
            "chk_transfer_receipt",
            id="negative-count",
        ),
        pytest.param(
            lambda w: transfer(w, quantity_received=10), "chk_transfer_receipt", id="count-early"
        ),
        pytest.param(
            lambda w: transfer(w, status="cancelled"),
            "chk_transfer_cancellation",
            id="cancelled-when-unknown",
        ),
        pytest.param(
            lambda w: transfer(w, cancelled_at=timezone.now()),
            "chk_transfer_cancellation",
            id="cancel-time-in-transit",
        ),
        pytest.param(
            lambda w: received(w, quantity_received=7), "chk_transfer_loss", id="short-no-reason"
        ),
        pytest.param(
            lambda w: received(w, loss_reason="lost"), "chk_transfer_loss", id="full-with-reason"
        ),
        pytest.param(
            lambda w: received(w, quantity_received=7, loss_reason="found"),
            "chk_transfer_loss_reason",
            id="reason-not-a-loss",
        ),
    ],
)
def test_transfer_check_rejects_bad_row(world, build, constraint_name):
    with refused_by(constraint_name):
        Transfer.objects.bulk_create([build(world)])
    assert not Transfer.objects.exists()


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(transfer, id="in-transit"),
        pytest.param(received, id="received-in-full"),
        pytest.param(lambda w: received(w, quantity_received=0, loss_reason="lost"), id="all-lost"),
        pytest.param(
            lambda w: transfer(
                w, status="cancelled", cancelled_by=w["dispatched_by"], cancelled_at=timezone.now()
            ),
            id="cancelled",
        ),
    ],
)
def test_transfer_check_accepts_valid_row(world, build):
    Transfer.objects.bulk_create([build(world)])
    assert Transfer.objects.count() == 1


# --- the movements of a transfer --------------------------------------------------


@pytest.fixture
def saved_transfer(world):
    return Transfer.objects.create(**world, quantity=10)


def movement(inventory, **overrides):
    values = {
        "inventory": inventory,
        "kind": StockMovement.Kind.TRANSFER_OUT,
        "reason": StockMovement.Reason.TRANSFER,
        "quantity_change": -10,
        "quantity_after": 90,
        **overrides,
    }
    return StockMovement(**values)


@pytest.mark.parametrize(
    ("overrides", "constraint_name"),
    [
        pytest.param({"transfer": None}, "chk_movement_transfer", id="step-without-transfer"),
        pytest.param(
            {"kind": "restock", "reason": "delivery", "quantity_change": 10},
            "chk_movement_transfer",
            id="restock-naming-a-transfer",
        ),
        pytest.param({"quantity_change": 10}, "chk_movement_transfer_step", id="out-adds"),
        pytest.param({"reason": "lost"}, "chk_movement_transfer_step", id="out-not-transfer"),
        pytest.param({"kind": "transfer_in"}, "chk_movement_transfer_step", id="in-removes"),
        pytest.param(
            {"kind": "transfer_cancelled"}, "chk_movement_transfer_step", id="cancel-removes"
        ),
        pytest.param(
            {"kind": "transit_loss", "reason": "transfer"},
            "chk_movement_transfer_step",
            id="loss-without-reason",
        ),
        pytest.param(
            {"kind": "transit_loss", "reason": "found", "quantity_change": 2},
            "chk_movement_transfer_step",
            id="loss-adds",
        ),
        pytest.param({"kind": "TRANSFER_OUT"}, "chk_movement_kind", id="kind-case-variant"),
    ],
)
def test_transfer_movement_check_rejects_bad_row(saved_transfer, overrides, constraint_name):
    inventory = InventoryFactory(center=saved_transfer.source, package=saved_transfer.package)
    with refused_by(constraint_name):
        StockMovement.objects.bulk_create(
            [movement(inventory, **{"transfer": saved_transfer, **overrides})]
        )
    assert not StockMovement.objects.exists()


def test_adjustment_cannot_claim_to_be_a_transfer(saved_transfer):
    inventory = InventoryFactory(center=saved_transfer.source, package=saved_transfer.package)
    with refused_by("chk_movement_transfer_step"):
        StockMovement.objects.bulk_create(
            [movement(inventory, kind="adjustment", reason="transfer", transfer=None)]
        )


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({}, id="out"),
        pytest.param({"kind": "transfer_in", "quantity_change": 10}, id="in"),
        pytest.param({"kind": "transfer_cancelled", "quantity_change": 10}, id="cancelled"),
        *(
            pytest.param({"kind": "transit_loss", "reason": reason}, id=f"loss-{reason}")
            for reason in ("damaged", "expired", "lost")
        ),
    ],
)
def test_transfer_movement_check_accepts_valid_row(saved_transfer, overrides):
    inventory = InventoryFactory(center=saved_transfer.source, package=saved_transfer.package)
    StockMovement.objects.bulk_create([movement(inventory, transfer=saved_transfer, **overrides)])
    assert StockMovement.objects.count() == 1


# --- delete rules and scoping ------------------------------------------------------


def test_a_transfer_its_centers_and_package_outlive_any_delete(center, other_center, admin_staff):
    package = AidPackageFactory()
    restock(center=center, package=package, quantity=5, staff=admin_staff)
    sent = dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=2, staff=admin_staff
    )
    for doomed in (sent, other_center, package):
        with pytest.raises(ProtectedError):
            doomed.delete()
    assert Transfer.objects.filter(pk=sent.pk).exists()


def test_restrict_shows_transfers_to_or_from_the_staff_members_center(world, admin_staff):
    outgoing = Transfer.objects.create(**world, quantity=1)
    third = DistributionCenterFactory()
    incoming = Transfer.objects.create(
        **{**world, "source": third, "destination": world["source"]}, quantity=1
    )
    elsewhere = Transfer.objects.create(**{**world, "source": third}, quantity=1)
    worker = StaffMemberFactory(role=StaffMember.Role.WORKER, center=world["source"])
    other_side = StaffMemberFactory(role=StaffMember.Role.VOLUNTEER, center=world["destination"])

    assert set(Transfer.objects.restrict(worker)) == {outgoing, incoming}
    assert set(Transfer.objects.restrict(other_side)) == {outgoing, elsewhere}
    assert set(Transfer.objects.restrict(admin_staff)) == {outgoing, incoming, elsewhere}
    assert not Transfer.objects.restrict(None).exists()
