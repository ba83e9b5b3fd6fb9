"""Reads over the distribution log: eligibility and history, and the stock ledger."""

import datetime
from dataclasses import dataclass

from django.db.models import F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import AidPackage, Inventory, StockMovement

from .models import DistributionLog, OwedItem
from .rules import eligibility_cutoff, next_eligible_day, served


@dataclass(frozen=True)
class PackageEligibility:
    package: AidPackage
    last_distribution_date: datetime.datetime | None
    next_eligible_date: datetime.date | None

    @property
    def eligible(self):
        return self.next_eligible_date is None


def household_eligibility(household, packages=None):
    """Return a PackageEligibility per active package for `household`, in one query.

    Same rule as the service (distribution.rules): a served distribution blocks the
    package until `validity_period_days` UTC calendar days after its date; those of
    the household's confirmed duplicates count as its own (`recording`).
    """
    packages = list(packages if packages is not None else AidPackage.objects.filter(is_active=True))
    family = Q(household=household) | Q(household__duplicate_of=household)
    last_by_package = dict(
        DistributionLog.objects.filter(served(), family, package__in=packages)
        .values("package_id")
        .annotate(last=Max("distribution_date"))
        .values_list("package_id", "last")
    )
    rows = []
    for package in packages:
        last = last_by_package.get(package.pk)
        blocked = last is not None and last >= eligibility_cutoff(package.validity_period_days)
        next_date = next_eligible_day(last, package.validity_period_days) if blocked else None
        rows.append(PackageEligibility(package, last, next_date))
    return rows


def household_history(household):
    """Every audit row for a household, newest first, with what the page shows."""
    return DistributionLog.objects.filter(household=household).select_related(
        "package", "center", "voided_log"
    )


# The stock ledger: what check_stock and the status page verify ------------------


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

    restocked + adjustments - distributed + voided must equal quantity_on_hand: the
    movement log and the distribution log together explain every unit.
    """
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


def open_owed_items(*, now=None):
    """Every open owed item, annotated with `quantity`: the units still owed.

    Open: its period has not ended (`expires_at` after `now`), the distribution that
    created it is not voided, and served successes under it (`fulfilments`) have not
    yet handed out all of it. What they handed out is a correlated subquery, as in the
    service's statement (`statements.open_owed`), so the queryset is not grouped and
    callers may filter it further or aggregate over `quantity`.
    """
    now = now or timezone.now()
    fulfilled = (
        DistributionLog.objects.filter(served(), owed_item=OuterRef("pk"))
        .order_by()
        .values("owed_item")
        .annotate(total=Sum("quantity_distributed"))
        .values("total")
    )
    return (
        OwedItem.objects.filter(expires_at__gt=now, log__void__isnull=True)
        .annotate(fulfilled=Coalesce(Subquery(fulfilled), 0))
        .annotate(quantity=F("quantity_owed") - F("fulfilled"))
        .filter(quantity__gt=0)
    )


def owed_items(household, *, now=None):
    """The household's open owed items, each with `.package` and `.quantity` still owed.

    Open as `open_owed_items` defines it. The service reads the same rule in one
    statement (`statements.open_owed`).
    """
    items = (
        open_owed_items(now=now)
        .filter(household=household)
        .select_related("package", "center")
        .order_by("expires_at", "id")
    )
    return list(items)
