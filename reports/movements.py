"""The stock movement report: per center, package and UTC month, every unit in and out.

Read from the two logs that explain all stock, the movement log and the distribution
log, never from the inventory rows' counters: the opening balance is everything they
recorded before the month, so one month's closing is the next month's opening and,
for the current month, the units on hand.

    opening + restocked + transferred in - transferred out + returned (cancelled
    transfers) - distributed + voided + adjusted - lost in transit = closing
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, Sum

from distribution.models import DistributionLog
from inventory.models import Inventory, StockMovement

from .filters import add_months

Kind = StockMovement.Kind
LogStatus = DistributionLog.Status

# The reasons of counted adjustments, one column each (restocks and transfers have
# columns of their own).
ADJUSTMENT_REASONS = (
    StockMovement.Reason.DAMAGED,
    StockMovement.Reason.EXPIRED,
    StockMovement.Reason.LOST,
    StockMovement.Reason.FOUND,
    StockMovement.Reason.COUNT_CORRECTION,
)


@dataclass
class MovementRow:
    """One center and package in one month. Units out are positive numbers; adjustments
    keep their sign (found units add, damaged ones take away)."""

    month: datetime.date
    center_id: int
    center_name: str
    package_id: int
    package_name: str
    category: str
    category_label: str
    opening: int = 0
    restocked: int = 0
    transferred_in: int = 0
    transferred_out: int = 0
    returned: int = 0
    distributed: int = 0
    voided: int = 0
    adjusted: dict = field(default_factory=lambda: dict.fromkeys(ADJUSTMENT_REASONS, 0))
    lost_in_transit: int = 0

    @property
    def month_label(self):
        return f"{self.month:%Y-%m}"

    @property
    def adjustment_columns(self):
        """(reason, adjusted units) in the order of ADJUSTMENT_REASONS."""
        return [(reason, self.adjusted.get(reason, 0)) for reason in ADJUSTMENT_REASONS]

    @property
    def adjustments(self):
        return sum(self.adjusted.values())

    @property
    def closing(self):
        return (
            self.opening
            + self.restocked
            + self.transferred_in
            - self.transferred_out
            + self.returned
            - self.distributed
            + self.voided
            + self.adjustments
            - self.lost_in_transit
        )

    @property
    def quiet(self):
        """Nothing before the month and nothing in it: not worth a row."""
        return self.opening == 0 and not self._moved()

    def _moved(self):
        return any(
            (
                self.restocked,
                self.transferred_in,
                self.transferred_out,
                self.returned,
                self.distributed,
                self.voided,
                self.lost_in_transit,
                *self.adjusted.values(),
            )
        )

    def add_movement(self, kind, reason, units):
        """Count `units` (the movement's signed change) in its column."""
        if kind == Kind.RESTOCK:
            self.restocked += units
        elif kind == Kind.TRANSFER_IN:
            self.transferred_in += units
        elif kind == Kind.TRANSFER_OUT:
            self.transferred_out -= units
        elif kind == Kind.TRANSFER_CANCELLED:
            self.returned += units
        elif kind == Kind.TRANSIT_LOSS:
            self.lost_in_transit -= units
        else:
            self.adjusted[reason] = self.adjusted.get(reason, 0) + units


@dataclass
class MovementReport:
    month: datetime.date
    rows: list


def month_bounds(month):
    """The UTC instants where `month` (any date in it) starts and the next one starts."""
    first = month.replace(day=1)
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(add_months(first, 1), datetime.time.min, tzinfo=datetime.UTC)
    return start, end


def stock_movements(*, month, centers):
    """The month's MovementReport for `centers` (a queryset), one row per inventory row
    with a balance or a movement, by center and package name. Four grouped queries."""
    start, end = month_bounds(month)
    inventory = (
        Inventory.objects.filter(center__in=centers)
        .select_related("center", "package")
        .order_by("center__center_name", "center_id", "package__package_name", "package_id")
    )
    rows = {}
    for row in inventory:
        rows[row.pk] = MovementRow(
            month=start.date(),
            center_id=row.center_id,
            center_name=row.center.center_name,
            package_id=row.package_id,
            package_name=row.package.package_name,
            category=row.package.category,
            category_label=row.package.get_category_display(),
        )
    by_key = {(row.center_id, row.package_id): row for row in rows.values()}

    movements = StockMovement.objects.filter(inventory__center__in=centers, created_at__lt=end)
    for entry in (
        movements.filter(created_at__lt=start)
        .values("inventory_id")
        .annotate(units=Sum("quantity_change"))
        .order_by()
    ):
        rows[entry["inventory_id"]].opening += entry["units"]
    for entry in (
        movements.filter(created_at__gte=start)
        .values("inventory_id", "kind", "reason")
        .annotate(units=Sum("quantity_change"))
        .order_by()
    ):
        rows[entry["inventory_id"]].add_movement(entry["kind"], entry["reason"], entry["units"])

    before_month = Q(distribution_date__lt=start)
    logs = DistributionLog.objects.filter(
        center__in=centers,
        transaction_status__in=(LogStatus.SUCCESS, LogStatus.CANCELLED),
        distribution_date__lt=end,
    )
    for entry in (
        logs.values("center_id", "package_id", "transaction_status")
        .annotate(
            before=Sum("quantity_distributed", filter=before_month, default=0),
            during=Sum("quantity_distributed", filter=~before_month, default=0),
        )
        .order_by()
    ):
        row = by_key.get((entry["center_id"], entry["package_id"]))
        if row is None:  # a distribution always takes from an inventory row; never here
            continue
        sign = -1 if entry["transaction_status"] == LogStatus.SUCCESS else 1
        row.opening += sign * entry["before"]
        if sign < 0:
            row.distributed += entry["during"]
        else:
            row.voided += entry["during"]
    return MovementReport(month=start.date(), rows=[row for row in rows.values() if not row.quiet])
