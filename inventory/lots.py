"""Which units leave first, and the lot writes that every stock change makes.

First expiry, first out: units leave from the lots that expire first, lots without
an expiry date last (oldest lot first among equals), and never from an expired lot:
expired units leave only through a write-off (`adjust_stock` naming the lot). The
distribution statements and `sp_distribute_package` say the same in SQL
(`usable_lot_sql`, `fefo_order_sql`; drift-tested).

The writes here must run in the transaction that holds the inventory row's lock:
a row's lots are only written under that lock, so what is read there is current.
"""

from django.db.models import F

from .lot_models import StockLot


def usable_lot_sql(alias):
    """A lot that may be handed out: units left, and no expiry or not before today (%s)."""
    return f"{alias}.quantity > 0 AND ({alias}.expiry_date IS NULL OR {alias}.expiry_date >= %s)"


def fefo_order_sql(alias):
    """First expiry first, no expiry last, then the oldest lot."""
    return f"{alias}.expiry_date IS NULL, {alias}.expiry_date, {alias}.lot_id"


def fefo_plan(lots, quantity):
    """Return [(lot id, units)] taking `quantity` from `lots`, or None if they hold fewer.

    `lots` are (lot id, units in it) of usable lots in the order they go out.
    """
    plan, left = [], quantity
    for lot_id, units in lots:
        if left <= 0:
            break
        take = min(units, left)
        if take > 0:
            plan.append((lot_id, take))
            left -= take
    return plan if left <= 0 else None


def usable_lots(inventory_id, today):
    """(lot id, units) of the row's usable lots, in the order they go out."""
    return list(
        StockLot.objects.filter(inventory_id=inventory_id)
        .usable(today)
        .values_list("pk", "quantity")
    )


def change(lot_id, units):
    """Add `units` to a lot (negative: take them out)."""
    StockLot.objects.filter(pk=lot_id).update(quantity=F("quantity") + units)


def take(plan):
    """Take each planned number of units out of its lot."""
    for lot_id, units in plan:
        change(lot_id, -units)


def add_to_lot(inventory_id, *, quantity, lot_code=None, expiry_date=None):
    """Add units to the row's lot with this code and expiry date (created if none); return it.

    Units of one code and expiry date are one lot, however often they arrive. Units
    without either go to the row's lot that has neither.
    """
    lot = (
        StockLot.objects.filter(
            inventory_id=inventory_id, lot_code=lot_code, expiry_date=expiry_date
        )
        .order_by("pk")
        .first()
    )
    if lot is None:
        return StockLot.objects.create(
            inventory_id=inventory_id,
            lot_code=lot_code,
            expiry_date=expiry_date,
            quantity=quantity,
        )
    change(lot.pk, quantity)
    lot.quantity += quantity
    return lot


def put_back(inventory_id, takes, quantity):
    """Return `quantity` units to the lots they were taken from (`takes`: (lot id, units)).

    Units no take accounts for (taken before the row had lots) go to the row's lot
    without code and expiry.
    """
    for lot_id, units in takes:
        change(lot_id, units)
    rest = quantity - sum(units for _, units in takes)
    if rest > 0:
        add_to_lot(inventory_id, quantity=rest)
