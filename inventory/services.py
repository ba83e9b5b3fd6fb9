"""Stock changes that are not distributions: restocks, counted adjustments, reorder levels,
and transfers between centers (written in `transfers`, exported from here).

Each stock change writes a StockMovement in the same transaction, so that every unit
on hand is explained by the movement log and the distribution log (check_stock).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone

from centers import policies
from core.db.retry import atomic_with_retries

from .models import Inventory, StockMovement
from .transfers import cancel_transfer as cancel_transfer
from .transfers import dispatch_transfer as dispatch_transfer
from .transfers import receive_transfer as receive_transfer

MAX_RESTOCK_QUANTITY = 1_000_000
MAX_REORDER_LEVEL = 1_000_000

NOT_ALLOWED_MESSAGE = "Only a manager of this center or an admin can change its stock."
RESTOCK_QUANTITY_MESSAGE = (
    f"Restock quantity must be a whole number from 1 to {MAX_RESTOCK_QUANTITY:,}."
)
ADJUSTMENT_ZERO_MESSAGE = "An adjustment must add or remove at least one unit."
ADJUSTMENT_RANGE_MESSAGE = f"An adjustment must be smaller than {MAX_RESTOCK_QUANTITY:,} units."
ADJUSTMENT_REASON_MESSAGE = "Choose why the stock is being adjusted."
BELOW_ZERO_MESSAGE = "This adjustment would take stock below zero (%(on_hand)s on hand)."
REORDER_LEVEL_MESSAGE = f"Reorder level must be a whole number from 0 to {MAX_REORDER_LEVEL:,}."

# A delivery is a restock and a transfer is a transfer's step: neither is a count.
ADJUSTMENT_REASONS = tuple(
    reason
    for reason in StockMovement.Reason
    if reason not in (StockMovement.Reason.DELIVERY, StockMovement.Reason.TRANSFER)
)


def _whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _require_manager(staff, center):
    if not policies.can_manage_center(staff, center):
        raise PermissionDenied(NOT_ALLOWED_MESSAGE)


def restock(*, center, package, quantity, staff, notes=None):
    """Add delivered units; creates the inventory row on the first restock.

    Race-free for the very first restock too: two at once both succeed and leave one
    row holding both quantities (the unique (center, package) key decides who inserts).
    """
    _require_manager(staff, center)
    if not _whole_number(quantity) or not 1 <= quantity <= MAX_RESTOCK_QUANTITY:
        raise ValidationError(RESTOCK_QUANTITY_MESSAGE, code="invalid_quantity")

    def locked_restock():
        inventory, _ = Inventory.objects.select_for_update().get_or_create(
            center_id=center.pk, package_id=package.pk
        )
        today = timezone.now().date()
        Inventory.objects.filter(pk=inventory.pk).update(
            quantity_on_hand=F("quantity_on_hand") + quantity,
            last_restock_date=today,
            last_restock_quantity=quantity,
            updated_at=timezone.now(),
        )
        StockMovement.objects.create(
            inventory=inventory,
            kind=StockMovement.Kind.RESTOCK,
            reason=StockMovement.Reason.DELIVERY,
            quantity_change=quantity,
            quantity_after=inventory.quantity_on_hand + quantity,
            staff=staff,
            notes=notes or None,
        )
        inventory.refresh_from_db()
        return inventory

    return atomic_with_retries(locked_restock)


def adjust_stock(*, inventory, delta, reason, staff, notes=None):
    """Correct stock after a count (damaged, expired, lost, found); never below zero."""
    _require_manager(staff, inventory.center)
    if not _whole_number(delta) or delta == 0:
        raise ValidationError(ADJUSTMENT_ZERO_MESSAGE, code="invalid_delta")
    if abs(delta) >= MAX_RESTOCK_QUANTITY:
        raise ValidationError(ADJUSTMENT_RANGE_MESSAGE, code="invalid_delta")
    if reason not in ADJUSTMENT_REASONS:
        raise ValidationError(ADJUSTMENT_REASON_MESSAGE, code="invalid_reason")

    def locked_adjustment():
        on_hand = (
            Inventory.objects.select_for_update()
            .filter(pk=inventory.pk)
            .values_list("quantity_on_hand", flat=True)
            .get()
        )
        if on_hand + delta < 0:
            raise ValidationError(
                BELOW_ZERO_MESSAGE, code="below_zero", params={"on_hand": on_hand}
            )
        Inventory.objects.filter(pk=inventory.pk).update(
            quantity_on_hand=F("quantity_on_hand") + delta, updated_at=timezone.now()
        )
        movement = StockMovement.objects.create(
            inventory_id=inventory.pk,
            kind=StockMovement.Kind.ADJUSTMENT,
            reason=reason,
            quantity_change=delta,
            quantity_after=on_hand + delta,
            staff=staff,
            notes=notes or None,
        )
        inventory.refresh_from_db()
        return movement

    return atomic_with_retries(locked_adjustment)


def set_reorder_level(*, inventory, reorder_level, staff):
    """Set the level at or below which the center's stock shows as LOW_STOCK."""
    _require_manager(staff, inventory.center)
    if not _whole_number(reorder_level) or not 0 <= reorder_level <= MAX_REORDER_LEVEL:
        raise ValidationError(REORDER_LEVEL_MESSAGE, code="invalid_reorder_level")
    Inventory.objects.filter(pk=inventory.pk).update(
        reorder_level=reorder_level, updated_at=timezone.now()
    )
    inventory.refresh_from_db()
    return inventory


PACKAGE_NOT_ALLOWED_MESSAGE = "Only admins can create or change aid packages."


def save_package(*, package, staff):
    """Validate and save a new or edited aid package (its entitlement included)."""
    if not policies.can_manage_packages(staff):
        raise PermissionDenied(PACKAGE_NOT_ALLOWED_MESSAGE)
    package.full_clean()
    package.save()
    return package
