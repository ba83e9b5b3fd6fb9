"""Stock transfers between centers: dispatch, receive, cancel.

Each step changes one center's stock and writes its movement (naming the transfer)
in the same transaction, under the lock on that inventory row that distributions
take too, so a transfer and distributions never sell the same unit twice. Units in
transit belong to no center's stock: the source's movement log says they left, the
destination's that they arrived (and any shortfall left again as a loss), or the
source's that they came back.

A transfer carries lots (TransferLot): the units leave the source's unexpired lots,
first to expire first, or the one lot chosen; they arrive as lots with the same code
and expiry date, or go back into the lots they left if the transfer is cancelled.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from centers import policies
from core.db.retry import atomic_with_retries

from . import lots
from .lot_models import StockLot, TransferLot, is_expired, utc_today
from .models import LOSS_REASONS, Inventory, StockMovement, Transfer, lazy_message

MAX_TRANSFER_QUANTITY = 1_000_000

DISPATCH_NOT_ALLOWED_MESSAGE = _("Only a manager of the sending center or an admin can send stock.")
RECEIVE_NOT_ALLOWED_MESSAGE = _(
    "Only a manager of the receiving center or an admin can receive this transfer."
)
CANCEL_NOT_ALLOWED_MESSAGE = _(
    "Only a manager of the sending center or an admin can cancel this transfer."
)
TRANSFER_QUANTITY_MESSAGE = lazy_message(
    gettext_noop("Transfer quantity must be a whole number from 1 to %(max)s."),
    max=MAX_TRANSFER_QUANTITY,
)
SAME_CENTER_MESSAGE = _("Choose another center: stock cannot be sent to the center it is at.")
DESTINATION_INACTIVE_MESSAGE = _("Stock can only be sent to an active center.")
NOT_ENOUGH_STOCK_MESSAGE = _(
    "Not enough stock to send %(quantity)s: %(on_hand)s on hand at %(center)s."
)
NOT_ENOUGH_UNEXPIRED_MESSAGE = _(
    "Not enough unexpired stock to send %(quantity)s: %(usable)s of the %(on_hand)s units "
    "on hand at %(center)s have not expired."
)
LOT_NOT_HERE_MESSAGE = _("That lot is not stock of this package at %(center)s.")
LOT_EXPIRED_MESSAGE = _("That lot expired on %(expiry)s: expired stock is written off, not sent.")
LOT_TOO_SMALL_MESSAGE = _("That lot holds %(in_lot)s units: not enough to send %(quantity)s.")
RECEIVED_QUANTITY_MESSAGE = _(
    "Count what arrived: a whole number from 0 to the %(quantity)s units sent."
)
LOSS_NOTES_MESSAGE = _("Fewer units arrived than were sent: say what happened to the rest.")
LOSS_REASON_MESSAGE = _("Choose why units are missing: damaged, expired, or lost or stolen.")
NOT_IN_TRANSIT_MESSAGES = {
    Transfer.Status.RECEIVED: _("This transfer has already been received."),
    Transfer.Status.CANCELLED: _("This transfer was cancelled."),
}


def _whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _lock_stock(center_id, package_id):
    """Lock the center's inventory row of the package; return (its id, units on hand).

    The same row lock a distribution takes to hand units out, so whichever comes
    second waits, then sees what the first left. (None, 0) if there is no row.
    """
    row = (
        Inventory.objects.select_for_update()
        .filter(center_id=center_id, package_id=package_id)
        .values_list("pk", "quantity_on_hand")
        .first()
    )
    return row if row is not None else (None, 0)


def _lock_in_transit(transfer):
    """Lock the transfer's row; refuse unless it is still in transit."""
    current = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if current.status != Transfer.Status.IN_TRANSIT:
        raise ValidationError(NOT_IN_TRANSIT_MESSAGES[current.status], code="not_in_transit")
    return current


def _move(inventory_id, *, change, on_hand, kind, reason, transfer, staff, notes=None, lots=()):
    """Change the locked row's stock by `change` and write the movement that says so.

    `lots` are the (lot id, units) the caller changed by as much; the movement names
    the lot when there is exactly one.
    """
    Inventory.objects.filter(pk=inventory_id).update(
        quantity_on_hand=F("quantity_on_hand") + change, updated_at=timezone.now()
    )
    return StockMovement.objects.create(
        inventory_id=inventory_id,
        kind=kind,
        reason=reason,
        quantity_change=change,
        quantity_after=on_hand + change,
        staff=staff,
        transfer=transfer,
        notes=notes or None,
        lot_id=lots[0][0] if len(lots) == 1 else None,
    )


def _plan_dispatch(inventory_id, on_hand, *, source, quantity, lot):
    """Return the (lot id, units) a dispatch takes: from `lot`, or first expiry first.

    Run under the source row's lock; refuses an expired or too small lot, a lot of
    another row, and a dispatch that only expired units could fill.
    """
    today = utc_today()
    if lot is None:
        usable = lots.usable_lots(inventory_id, today)
        plan = lots.fefo_plan(usable, quantity)
        if plan is None:
            raise ValidationError(
                NOT_ENOUGH_UNEXPIRED_MESSAGE,
                code="insufficient_stock",
                params={
                    "quantity": quantity,
                    "usable": sum(units for _, units in usable),
                    "on_hand": on_hand,
                    "center": source.center_name,
                },
            )
        return plan
    found = (
        StockLot.objects.filter(pk=lot.pk, inventory_id=inventory_id)
        .values_list("quantity", "expiry_date")
        .first()
    )
    if found is None:
        raise ValidationError(
            LOT_NOT_HERE_MESSAGE, code="invalid_lot", params={"center": source.center_name}
        )
    in_lot, expiry_date = found
    if is_expired(expiry_date, today):
        raise ValidationError(
            LOT_EXPIRED_MESSAGE, code="lot_expired", params={"expiry": f"{expiry_date:%Y-%m-%d}"}
        )
    if in_lot < quantity:
        raise ValidationError(
            LOT_TOO_SMALL_MESSAGE,
            code="insufficient_stock",
            params={"in_lot": in_lot, "quantity": quantity},
        )
    return [(lot.pk, quantity)]


def dispatch_transfer(*, source, destination, package, quantity, staff, notes=None, lot=None):
    """Send `quantity` units of `package` from `source` to `destination`; return the transfer.

    The units leave the source's stock now, under the lock on its inventory row,
    and are in transit until the destination receives them or the source cancels.
    They leave the unexpired lots, first to expire first, or the one `lot` chosen.
    """
    if not policies.can_send_stock(staff, source):
        raise PermissionDenied(DISPATCH_NOT_ALLOWED_MESSAGE)
    if not _whole_number(quantity) or not 1 <= quantity <= MAX_TRANSFER_QUANTITY:
        raise ValidationError(TRANSFER_QUANTITY_MESSAGE, code="invalid_quantity")
    if destination.pk == source.pk:
        raise ValidationError(SAME_CENTER_MESSAGE, code="same_center")
    if not destination.is_active:
        raise ValidationError(DESTINATION_INACTIVE_MESSAGE, code="destination_inactive")

    def locked_dispatch():
        inventory_id, on_hand = _lock_stock(source.pk, package.pk)
        if on_hand < quantity:
            raise ValidationError(
                NOT_ENOUGH_STOCK_MESSAGE,
                code="insufficient_stock",
                params={"quantity": quantity, "on_hand": on_hand, "center": source.center_name},
            )
        plan = _plan_dispatch(inventory_id, on_hand, source=source, quantity=quantity, lot=lot)
        transfer = Transfer.objects.create(
            source_id=source.pk,
            destination_id=destination.pk,
            package_id=package.pk,
            quantity=quantity,
            notes=notes or None,
            dispatched_by=staff,
        )
        lots.take(plan)
        TransferLot.objects.bulk_create(
            TransferLot(transfer=transfer, lot_id=lot_id, quantity=units) for lot_id, units in plan
        )
        _move(
            inventory_id,
            change=-quantity,
            on_hand=on_hand,
            kind=StockMovement.Kind.TRANSFER_OUT,
            reason=StockMovement.Reason.TRANSFER,
            transfer=transfer,
            staff=staff,
            notes=notes,
            lots=plan,
        )
        return transfer

    return atomic_with_retries(locked_dispatch)


def receive_transfer(*, transfer, quantity_received, staff, notes=None, loss_reason=None):
    """Record what arrived at the destination; once per transfer.

    The destination's stock grows by what arrived (its inventory row is created if
    it has none). Its movement log shows every unit sent arriving and, when fewer
    arrived, the shortfall leaving again as a loss in transit, with `loss_reason`
    (lost unless given) and `notes`, which a shortfall requires. Each of the
    transfer's lots arrives as the destination's lot with its code and expiry date;
    a shortfall is counted against them first to expire first.
    """
    if not policies.can_receive_stock(staff, transfer.destination):
        raise PermissionDenied(RECEIVE_NOT_ALLOWED_MESSAGE)
    if not _whole_number(quantity_received) or not 0 <= quantity_received <= transfer.quantity:
        raise ValidationError(
            RECEIVED_QUANTITY_MESSAGE,
            code="invalid_quantity",
            params={"quantity": transfer.quantity},
        )
    shortfall = transfer.quantity - quantity_received
    notes = (notes or "").strip() or None
    if shortfall:
        if notes is None:
            raise ValidationError(LOSS_NOTES_MESSAGE, code="notes_required")
        loss_reason = loss_reason or StockMovement.Reason.LOST
        if loss_reason not in LOSS_REASONS:
            raise ValidationError(LOSS_REASON_MESSAGE, code="invalid_reason")
    else:
        loss_reason = None

    def locked_receipt():
        current = _lock_in_transit(transfer)
        inventory, _ = Inventory.objects.select_for_update().get_or_create(
            center_id=current.destination_id, package_id=current.package_id
        )
        on_hand = inventory.quantity_on_hand
        arrived = _arrive(inventory.pk, current)
        _move(
            inventory.pk,
            change=current.quantity,
            on_hand=on_hand,
            kind=StockMovement.Kind.TRANSFER_IN,
            reason=StockMovement.Reason.TRANSFER,
            transfer=current,
            staff=staff,
            lots=arrived,
        )
        if shortfall:
            lost = lots.fefo_plan(arrived, shortfall)
            lots.take(lost)
            _move(
                inventory.pk,
                change=-shortfall,
                on_hand=on_hand + current.quantity,
                kind=StockMovement.Kind.TRANSIT_LOSS,
                reason=loss_reason,
                transfer=current,
                staff=staff,
                notes=notes,
                lots=lost,
            )
        Transfer.objects.filter(pk=current.pk).update(
            status=Transfer.Status.RECEIVED,
            received_by=staff,
            received_at=timezone.now(),
            quantity_received=quantity_received,
            loss_reason=loss_reason,
            receipt_notes=notes,
        )

    atomic_with_retries(locked_receipt)
    transfer.refresh_from_db()
    return transfer


def _arrive(inventory_id, transfer):
    """Add the transfer's lots to the destination row (locked); return (lot id, units).

    In the order they expire, first first. Units of a transfer sent before lots
    existed arrive in the lot without code and expiry.
    """
    lines = TransferLot.objects.filter(transfer=transfer).select_related("lot")
    arrived = []
    for line in lines.order_by(F("lot__expiry_date").asc(nulls_last=True), "lot_id"):
        lot = lots.add_to_lot(
            inventory_id,
            quantity=line.quantity,
            lot_code=line.lot.lot_code,
            expiry_date=line.lot.expiry_date,
        )
        arrived.append((lot.pk, line.quantity))
    rest = transfer.quantity - sum(units for _, units in arrived)
    if rest > 0:
        arrived.append((lots.add_to_lot(inventory_id, quantity=rest).pk, rest))
    return arrived


def cancel_transfer(*, transfer, staff):
    """Call back a transfer that has not arrived: its units return to the source's stock."""
    if not policies.can_send_stock(staff, transfer.source):
        raise PermissionDenied(CANCEL_NOT_ALLOWED_MESSAGE)

    def locked_cancellation():
        current = _lock_in_transit(transfer)
        inventory_id, on_hand = _lock_stock(current.source_id, current.package_id)
        sent = list(TransferLot.objects.filter(transfer=current).values_list("lot_id", "quantity"))
        lots.put_back(inventory_id, sent, current.quantity)
        _move(
            inventory_id,
            change=current.quantity,
            on_hand=on_hand,
            kind=StockMovement.Kind.TRANSFER_CANCELLED,
            reason=StockMovement.Reason.TRANSFER,
            transfer=current,
            staff=staff,
            lots=sent,
        )
        Transfer.objects.filter(pk=current.pk).update(
            status=Transfer.Status.CANCELLED, cancelled_by=staff, cancelled_at=timezone.now()
        )

    atomic_with_retries(locked_cancellation)
    transfer.refresh_from_db()
    return transfer
