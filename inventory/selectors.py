"""Reads about lots and stock transfers: lots per row, expiry alerts, lists, units in
transit, and their part of the stock ledger."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When

from .lot_models import StockLot, TransferLot, utc_today
from .models import TRANSFER_KINDS, Inventory, StockMovement, Transfer, overdue_cutoff

Kind = StockMovement.Kind


def lots_by_row(center, today=None):
    """{inventory id: [StockLot with units, first to expire first]}, each with `.status`
    ("expired", "expiring" or "")."""
    today = today or utc_today()
    grouped = defaultdict(list)
    for lot in StockLot.objects.filter(inventory__center=center).on_hand():
        lot.status = lot.expiry_status(today)
        grouped[lot.inventory_id].append(lot)
    return grouped


def expiry_alerts(center, today=None):
    """The center's lots that have expired or expire within EXPIRY_WARNING_DAYS, soonest
    first, each with `.status` and its package."""
    today = today or utc_today()
    alerts = list(
        (
            StockLot.objects.filter(inventory__center=center).expired(today)
            | StockLot.objects.filter(inventory__center=center).expiring(today)
        )
        .select_related("inventory__package")
        .order_by("expiry_date", "pk")
    )
    for lot in alerts:
        lot.status = lot.expiry_status(today)
    return alerts


def usable_by_package(center, packages=None, today=None):
    """{package id: units that may be handed out} for each inventory row of the center.

    Expired units are on hand but not usable. One query; `packages` narrows it.
    """
    today = today or utc_today()
    usable = Q(lots__quantity__gt=0) & (
        Q(lots__expiry_date__isnull=True) | Q(lots__expiry_date__gte=today)
    )
    rows = Inventory.objects.filter(center=center)
    if packages is not None:
        rows = rows.filter(package__in=packages)
    rows = rows.annotate(units=Sum("lots__quantity", filter=usable, default=0))
    return dict(rows.order_by().values_list("package_id", "units"))


def transfer_lots(transfer):
    """The transfer's lots (code, expiry date, units), in the order they expire."""
    return list(
        TransferLot.objects.filter(transfer=transfer)
        .select_related("lot")
        .order_by(F("lot__expiry_date").asc(nulls_last=True), "lot_id")
    )


def transfer_actors(transfer):
    """{movement kind: staff name}: who sent, received or cancelled `transfer`, as they
    were named then (its movements keep it; the transfer row names them by key only)."""
    return dict(transfer.movements.order_by("id").values_list("kind", "staff_name"))


def transfers_of(center):
    """The center's transfers, both ways: in transit first (oldest first), then newest first."""
    in_transit_first = Case(
        When(status=Transfer.Status.IN_TRANSIT, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    oldest_on_the_road = Case(When(status=Transfer.Status.IN_TRANSIT, then=F("dispatched_at")))
    return (
        Transfer.objects.filter(Q(source=center) | Q(destination=center))
        .select_related("source", "destination", "package")
        .annotate(in_transit_first=in_transit_first)
        .order_by(
            "in_transit_first",
            oldest_on_the_road.asc(nulls_last=True),
            "-dispatched_at",
            "-id",
        )
    )


@dataclass(frozen=True)
class InTransit:
    """Units of one package on their way from or to a center."""

    outgoing: int = 0
    incoming: int = 0
    overdue: int = 0  # transfers (not units) past TRANSFER_OVERDUE_DAYS, either way


def in_transit_by_package(center):
    """{package id: InTransit} for the center's transfers still on the road."""
    cutoff = overdue_cutoff()
    rows = (
        Transfer.objects.in_transit()
        .filter(Q(source=center) | Q(destination=center))
        .values("package_id")
        .annotate(
            outgoing=Sum("quantity", filter=Q(source=center), default=0),
            incoming=Sum("quantity", filter=Q(destination=center), default=0),
            overdue=Count("pk", filter=Q(dispatched_at__lt=cutoff)),
        )
        .order_by()
    )
    return {
        row["package_id"]: InTransit(row["outgoing"], row["incoming"], row["overdue"])
        for row in rows
    }


@dataclass(frozen=True)
class CenterTransit:
    """A center's transfers on the road, each way: how many and how many units."""

    outgoing: int
    outgoing_units: int
    incoming: int
    incoming_units: int


def center_in_transit(center):
    return CenterTransit(
        **Transfer.objects.in_transit().aggregate(
            outgoing=Count("pk", filter=Q(source=center)),
            outgoing_units=Sum("quantity", filter=Q(source=center), default=0),
            incoming=Count("pk", filter=Q(destination=center)),
            incoming_units=Sum("quantity", filter=Q(destination=center), default=0),
        )
    )


def overdue_transfers(center):
    """The center's transfers in transit for longer than TRANSFER_OVERDUE_DAYS, oldest first."""
    return (
        Transfer.objects.overdue()
        .filter(Q(source=center) | Q(destination=center))
        .select_related("source", "destination", "package")
        .order_by("dispatched_at", "id")
    )


@dataclass(frozen=True)
class TransitTotals:
    transfers: int
    units: int
    overdue: int


def in_transit_totals():
    """Every transfer on the road: how many, how many units, how many overdue."""
    totals = Transfer.objects.in_transit().aggregate(
        transfers=Count("pk"),
        units=Sum("quantity", default=0),
        overdue=Count("pk", filter=Q(dispatched_at__lt=overdue_cutoff())),
    )
    return TransitTotals(**totals)


# The stock ledger with transfers: what check_stock and the status page verify ----------


@dataclass(frozen=True)
class StockBalance:
    """One inventory row's ledger: every unit on hand explained by the two logs.

    Units sent count when they leave (`transferred_out`); units received count in
    full when they arrive (`transferred_in`), and any shortfall leaves again as
    `lost_in_transit`; a cancelled transfer's units come back (`returned`).
    """

    inventory_id: int
    center_name: str
    package_name: str
    restocked: int
    adjustments: int
    transferred_in: int
    transferred_out: int
    returned: int
    lost_in_transit: int
    distributed: int
    voided: int
    quantity_on_hand: int
    in_lots: int = 0  # the sum of the row's lots

    @property
    def lots_add_up(self):
        return self.in_lots == self.quantity_on_hand

    @property
    def expected(self):
        return (
            self.restocked
            + self.adjustments
            + self.transferred_in
            - self.transferred_out
            + self.returned
            - self.lost_in_transit
            - self.distributed
            + self.voided
        )

    @property
    def balanced(self):
        return self.expected == self.quantity_on_hand


def with_transfers(ledger_rows):
    """Complete the distribution log's stock ledger rows with each row's transfer movements
    and the sum of its lots.

    `ledger_rows` carry inventory_id, center_name, package_name, restocked,
    adjustments, distributed, voided and quantity_on_hand (distribution.selectors.
    stock_ledger); this app cannot read the distribution log itself.
    """
    totals = defaultdict(int)
    for row in (
        StockMovement.objects.filter(kind__in=TRANSFER_KINDS)
        .values("inventory_id", "kind")
        .annotate(total=Sum("quantity_change"))
        .order_by()
    ):
        totals[row["inventory_id"], row["kind"]] = row["total"]
    in_lots = dict(
        StockLot.objects.order_by()
        .values("inventory_id")
        .annotate(total=Sum("quantity"))
        .values_list("inventory_id", "total")
    )
    return [
        StockBalance(
            inventory_id=row.inventory_id,
            center_name=row.center_name,
            package_name=row.package_name,
            restocked=row.restocked,
            adjustments=row.adjustments,
            transferred_in=totals[row.inventory_id, Kind.TRANSFER_IN],
            transferred_out=-totals[row.inventory_id, Kind.TRANSFER_OUT],
            returned=totals[row.inventory_id, Kind.TRANSFER_CANCELLED],
            lost_in_transit=-totals[row.inventory_id, Kind.TRANSIT_LOSS],
            distributed=row.distributed,
            voided=row.voided,
            quantity_on_hand=row.quantity_on_hand,
            in_lots=in_lots.get(row.inventory_id, 0),
        )
        for row in ledger_rows
    ]


def expected_steps(transfer):
    """{movement kind: units} that a transfer in its status must have in the movement log."""
    steps = {Kind.TRANSFER_OUT: -transfer.quantity}
    if transfer.status == Transfer.Status.RECEIVED:
        steps[Kind.TRANSFER_IN] = transfer.quantity
        if transfer.shortfall:
            steps[Kind.TRANSIT_LOSS] = -transfer.shortfall
    elif transfer.status == Transfer.Status.CANCELLED:
        steps[Kind.TRANSFER_CANCELLED] = transfer.quantity
    return steps


def unbalanced_transfers():
    """Transfers whose movements do not say what their status says, with what they say.

    Each transfer's units leave the source once and either are still on the road,
    arrived at the destination (all of them, any shortfall then lost), or came back
    to the source, each step on the right center's inventory row.
    """
    recorded = defaultdict(dict)
    for row in (
        StockMovement.objects.filter(transfer__isnull=False)
        .values("transfer_id", "kind", "inventory__center_id", "inventory__package_id")
        .annotate(total=Sum("quantity_change"))
        .order_by()
    ):
        recorded[row["transfer_id"]][row["kind"]] = (
            row["total"],
            row["inventory__center_id"],
            row["inventory__package_id"],
        )
    problems = []
    for transfer in Transfer.objects.order_by("pk"):
        center_of = {
            Kind.TRANSFER_OUT: transfer.source_id,
            Kind.TRANSFER_CANCELLED: transfer.source_id,
            Kind.TRANSFER_IN: transfer.destination_id,
            Kind.TRANSIT_LOSS: transfer.destination_id,
        }
        expected = {
            kind: (units, center_of[kind], transfer.package_id)
            for kind, units in expected_steps(transfer).items()
        }
        if recorded.get(transfer.pk, {}) != expected:
            problems.append((transfer, recorded.get(transfer.pk, {})))
    return problems
