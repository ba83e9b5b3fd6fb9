"""Stock rows with their alert status, as the seed's vw_current_inventory_status defines it."""

from .models import CurrentInventoryStatus, Inventory


def stock_status(quantity_on_hand, reorder_level):
    """Return OUT_OF_STOCK, LOW_STOCK or IN_STOCK (the view's CASE, for rows it hides)."""
    Status = CurrentInventoryStatus.StockStatus
    if quantity_on_hand == 0:
        return Status.OUT_OF_STOCK
    if quantity_on_hand <= reorder_level:
        return Status.LOW_STOCK
    return Status.IN_STOCK


def stock_rows(center):
    """Every inventory row of `center` with its status, worst first."""
    rows = list(Inventory.objects.filter(center=center).select_related("package"))
    for row in rows:
        row.stock_status = stock_status(row.quantity_on_hand, row.reorder_level)
    order = {"OUT_OF_STOCK": 0, "LOW_STOCK": 1, "IN_STOCK": 2}
    return sorted(rows, key=lambda r: (order[r.stock_status], r.package.package_name))
