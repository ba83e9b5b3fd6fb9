"""Stock changes that are not distributions: restocks, counted adjustments, reorder levels,
and transfers between centers (written in `transfers`, exported from here).

Each stock change writes a StockMovement in the same transaction, so that every unit
on hand is explained by the movement log and the distribution log (check_stock), and
changes the row's lots by as much under the row's lock, so that they add up to it.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from centers import policies
from core.db.retry import atomic_with_retries
from core.fields import EARLIEST_DATE, LATEST_DATE

from . import lots
from .lot_models import MAX_LOT_CODE_LENGTH, StockLot, utc_today
from .models import Inventory, StockMovement, lazy_message
from .transfers import cancel_transfer as cancel_transfer
from .transfers import dispatch_transfer as dispatch_transfer
from .transfers import receive_transfer as receive_transfer

MAX_RESTOCK_QUANTITY = 1_000_000
MAX_REORDER_LEVEL = 1_000_000

NOT_ALLOWED_MESSAGE = _("Only a manager of this center or an admin can change its stock.")
RESTOCK_QUANTITY_MESSAGE = lazy_message(
    gettext_noop("Restock quantity must be a whole number from 1 to %(max)s."),
    max=MAX_RESTOCK_QUANTITY,
)
ADJUSTMENT_ZERO_MESSAGE = _("An adjustment must add or remove at least one unit.")
ADJUSTMENT_RANGE_MESSAGE = lazy_message(
    gettext_noop("An adjustment must be smaller than %(max)s units."), max=MAX_RESTOCK_QUANTITY
)
ADJUSTMENT_REASON_MESSAGE = _("Choose why the stock is being adjusted.")
BELOW_ZERO_MESSAGE = _("This adjustment would take stock below zero (%(on_hand)s on hand).")
REORDER_LEVEL_MESSAGE = lazy_message(
    gettext_noop("Reorder level must be a whole number from 0 to %(max)s."),
    max=MAX_REORDER_LEVEL,
)
EXPIRY_REQUIRED_MESSAGE = _(
    "This package is perishable: give the expiry date of the units delivered."
)
EXPIRY_DATE_MESSAGE = lazy_message(
    gettext_noop("Enter an expiry date from %(earliest)s to %(latest)s."),
    earliest=EARLIEST_DATE.isoformat(),
    latest=LATEST_DATE.isoformat(),
)
LOT_CODE_MESSAGE = lazy_message(
    gettext_noop("A lot code has at most %(max)s characters."), max=MAX_LOT_CODE_LENGTH
)
WRONG_LOT_MESSAGE = _("That lot is not stock of this package at this center.")
LOT_BELOW_ZERO_MESSAGE = _("This adjustment would take the lot below zero (%(quantity)s in it).")
FOUND_NEEDS_LOT_MESSAGE = _("This package is perishable: choose the lot the units found belong to.")

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


def clean_lot(*, package, lot_code, expiry_date):
    """Return (lot code, expiry date) as stored; refuse what a lot cannot be.

    A perishable package's units need an expiry date; an empty code is no code.
    """
    if lot_code is not None and not isinstance(lot_code, str):
        raise ValidationError(LOT_CODE_MESSAGE, code="invalid_lot_code")
    lot_code = (lot_code or "").strip() or None
    if lot_code is not None and len(lot_code) > MAX_LOT_CODE_LENGTH:
        raise ValidationError(LOT_CODE_MESSAGE, code="invalid_lot_code")
    if expiry_date is not None and (
        isinstance(expiry_date, datetime.datetime)
        or not isinstance(expiry_date, datetime.date)
        or not EARLIEST_DATE <= expiry_date <= LATEST_DATE
    ):
        raise ValidationError(EXPIRY_DATE_MESSAGE, code="invalid_expiry_date")
    if expiry_date is None and package.is_perishable:
        raise ValidationError(EXPIRY_REQUIRED_MESSAGE, code="expiry_required")
    return lot_code, expiry_date


def restock(*, center, package, quantity, staff, notes=None, lot_code=None, expiry_date=None):
    """Add delivered units, as the lot with this code and expiry; creates the inventory
    row on the first restock.

    Race-free for the very first restock too: two at once both succeed and leave one
    row holding both quantities (the unique (center, package) key decides who inserts).
    Units of a code and expiry date the row already has join that lot. An expiry date
    already past is accepted (the units show as expired until written off).
    """
    _require_manager(staff, center)
    if not _whole_number(quantity) or not 1 <= quantity <= MAX_RESTOCK_QUANTITY:
        raise ValidationError(RESTOCK_QUANTITY_MESSAGE, code="invalid_quantity")
    lot_code, expiry_date = clean_lot(package=package, lot_code=lot_code, expiry_date=expiry_date)

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
        lot = lots.add_to_lot(
            inventory.pk, quantity=quantity, lot_code=lot_code, expiry_date=expiry_date
        )
        StockMovement.objects.create(
            inventory=inventory,
            kind=StockMovement.Kind.RESTOCK,
            reason=StockMovement.Reason.DELIVERY,
            quantity_change=quantity,
            quantity_after=inventory.quantity_on_hand + quantity,
            staff=staff,
            notes=notes or None,
            lot=lot,
        )
        inventory.refresh_from_db()
        return inventory

    return atomic_with_retries(locked_restock)


def adjust_stock(*, inventory, delta, reason, staff, notes=None, lot=None):
    """Correct stock after a count (damaged, expired, lost, found); never below zero.

    With a `lot`, the change is that lot's: removing expired or damaged units of a
    lot is a write-off, the only way expired units leave. Without one, units found
    go to the lot without code and expiry (a perishable package needs the lot), and
    units removed leave first to expire first: expired lots first if the reason is
    that they expired, else unexpired lots first.
    """
    _require_manager(staff, inventory.center)
    if not _whole_number(delta) or delta == 0:
        raise ValidationError(ADJUSTMENT_ZERO_MESSAGE, code="invalid_delta")
    if abs(delta) >= MAX_RESTOCK_QUANTITY:
        raise ValidationError(ADJUSTMENT_RANGE_MESSAGE, code="invalid_delta")
    if reason not in ADJUSTMENT_REASONS:
        raise ValidationError(ADJUSTMENT_REASON_MESSAGE, code="invalid_reason")
    if lot is not None and lot.inventory_id != inventory.pk:
        raise ValidationError(WRONG_LOT_MESSAGE, code="invalid_lot")
    if lot is None and delta > 0 and inventory.package.is_perishable:
        raise ValidationError(FOUND_NEEDS_LOT_MESSAGE, code="lot_required")

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
        changed = _adjust_lots(inventory.pk, lot, delta, reason)
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
            lot_id=changed,
        )
        inventory.refresh_from_db()
        return movement

    return atomic_with_retries(locked_adjustment)


def _adjust_lots(inventory_id, lot, delta, reason):
    """Change the row's lots by `delta` (its lock held); return the one lot changed, if one."""
    if lot is not None:
        in_lot = StockLot.objects.filter(pk=lot.pk).values_list("quantity", flat=True).get()
        if in_lot + delta < 0:
            raise ValidationError(
                LOT_BELOW_ZERO_MESSAGE, code="below_zero", params={"quantity": in_lot}
            )
        lots.change(lot.pk, delta)
        return lot.pk
    if delta > 0:
        return lots.add_to_lot(inventory_id, quantity=delta).pk
    today = utc_today()
    on_hand = list(StockLot.objects.filter(inventory_id=inventory_id).on_hand())
    expired = [(lot.pk, lot.quantity) for lot in on_hand if lot.is_expired(today)]
    usable = [(lot.pk, lot.quantity) for lot in on_hand if not lot.is_expired(today)]
    order = expired + usable if reason == StockMovement.Reason.EXPIRED else usable + expired
    plan = lots.fefo_plan(order, -delta)
    if plan is None:  # the lots hold less than the row: check_stock names such a row
        in_lots = sum(units for _, units in order)
        raise ValidationError(BELOW_ZERO_MESSAGE, code="below_zero", params={"on_hand": in_lots})
    lots.take(plan)
    return plan[0][0] if len(plan) == 1 else None


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


PACKAGE_NOT_ALLOWED_MESSAGE = _("Only admins can create or change aid packages.")


def save_package(*, package, staff):
    """Validate and save a new or edited aid package (its entitlement included)."""
    if not policies.can_manage_packages(staff):
        raise PermissionDenied(PACKAGE_NOT_ALLOWED_MESSAGE)
    package.full_clean()
    package.save()
    return package
