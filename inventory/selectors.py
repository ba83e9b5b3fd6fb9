"""Reads over stock: the conservation ledger behind `check_stock`."""

from dataclasses import dataclass

from django.db.models import Sum

from .models import Inventory, StockMovement


@dataclass(frozen=True)
class StockLedgerRow:
    inventory_id: int
    center_name: str
    package_name: str
    restocked: int
    adjustments: int
    distributed: int
    voided: int
    quantity_on_hand: int

    @property
    def expected(self):
        return self.restocked + self.adjustments - self.distributed + self.voided

    @property
    def balanced(self):
        return self.expected == self.quantity_on_hand


def stock_ledger():
    """Return one StockLedgerRow per inventory row, from three grouped queries.

    restocked + adjustments - distributed + voided must equal quantity_on_hand.
    """
    from distribution.models import DistributionLog

    movements = {}
    for row in StockMovement.objects.values("inventory_id", "kind").annotate(
        total=Sum("quantity_change")
    ):
        movements[row["inventory_id"], row["kind"]] = row["total"]
    log_totals = {}
    for row in (
        DistributionLog.objects.exclude(transaction_status=DistributionLog.Status.FAILED)
        .values("center_id", "package_id", "transaction_status")
        .annotate(total=Sum("quantity_distributed"))
    ):
        log_totals[row["center_id"], row["package_id"], row["transaction_status"]] = row["total"]

    Status = DistributionLog.Status
    rows = []
    for inventory in Inventory.objects.select_related("center", "package").order_by("pk"):
        key = (inventory.center_id, inventory.package_id)
        rows.append(
            StockLedgerRow(
                inventory_id=inventory.pk,
                center_name=inventory.center.center_name,
                package_name=inventory.package.package_name,
                restocked=movements.get((inventory.pk, StockMovement.Kind.RESTOCK), 0),
                adjustments=movements.get((inventory.pk, StockMovement.Kind.ADJUSTMENT), 0),
                distributed=log_totals.get((*key, Status.SUCCESS), 0),
                voided=log_totals.get((*key, Status.CANCELLED), 0),
                quantity_on_hand=inventory.quantity_on_hand,
            )
        )
    return rows
