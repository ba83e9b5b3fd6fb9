"""The stock movement report against an independent count over the two logs.

Three months of restocks, distributions (one refused), a void a month after its
success, counted adjustments, and transfers both ways: received in full, received
short, cancelled, and one still on the road across a month end. Every step runs
through the real services at a chosen moment, so the logs hold what production
would write. The test then recomputes every figure from the raw rows in Python.
"""

import csv
import datetime
import io
import itertools
from collections import defaultdict

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AccessLog
from centers.models import DistributionCenter
from distribution.models import DistributionLog
from distribution.services import DistributionRefused, distribute_package, void_distribution
from households.tests.factories import HouseholdFactory
from inventory.models import Inventory, StockMovement
from inventory.services import (
    adjust_stock,
    cancel_transfer,
    dispatch_transfer,
    receive_transfer,
    restock,
)
from inventory.tests.factories import AidPackageFactory
from reports.movement_views import StockMovementReportView
from reports.movements import ADJUSTMENT_REASONS, month_bounds, stock_movements

pytestmark = pytest.mark.django_db

MONTHS = [datetime.date(2025, 3, 1), datetime.date(2025, 4, 1), datetime.date(2025, 5, 1)]


def moment(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)


@pytest.fixture
def history(monkeypatch, center, other_center, admin_staff, manager, other_manager, worker):
    """Write three months of stock history; return the packages."""
    food = AidPackageFactory(package_name="Food basket", validity_period_days=1)
    hygiene = AidPackageFactory(package_name="Hygiene kit", category="hygiene")
    clock = {}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])

    def at(text):
        clock["now"] = moment(text)

    def serve(where, package, staff, quantity=1):
        return distribute_package(
            household=HouseholdFactory(),
            package=package,
            center=where,
            staff=staff,
            quantity=quantity,
        )

    # March: stock arrives, is handed out, damaged, and sent on its way.
    at("2025-03-03T09:00:00")
    restock(center=center, package=food, quantity=50, staff=manager)
    restock(center=center, package=hygiene, quantity=20, staff=manager)
    restock(center=other_center, package=food, quantity=10, staff=other_manager)
    at("2025-03-10T12:00:00")
    served = [serve(center, food, worker, quantity) for quantity in (1, 2, 1)]
    inventory = Inventory.objects.get(center=center, package=food)
    adjust_stock(inventory=inventory, delta=-2, reason="damaged", staff=manager)
    at("2025-03-31T23:59:59")
    on_the_road = dispatch_transfer(
        source=center, destination=other_center, package=food, quantity=10, staff=manager
    )

    # April: the March transfer arrives two short; one sent and called back; one the
    # other way, in full; a March distribution voided; counts corrected; a refusal.
    at("2025-04-01T00:00:00")
    receive_transfer(
        transfer=on_the_road,
        quantity_received=8,
        staff=other_manager,
        notes="Two sacks torn",
        loss_reason="damaged",
    )
    at("2025-04-05T10:00:00")
    called_back = dispatch_transfer(
        source=center, destination=other_center, package=food, quantity=5, staff=manager
    )
    cancel_transfer(transfer=called_back, staff=manager)
    back = dispatch_transfer(
        source=other_center, destination=center, package=food, quantity=3, staff=other_manager
    )
    receive_transfer(transfer=back, quantity_received=3, staff=admin_staff)
    serve(other_center, food, other_manager, 2)
    void_distribution(log=served[1], staff=manager, reason="Recorded twice")
    adjust_stock(
        inventory=Inventory.objects.get(center=center, package=hygiene),
        delta=1,
        reason="found",
        staff=manager,
    )
    adjust_stock(inventory=inventory, delta=-1, reason="count_correction", staff=manager)
    restock(center=center, package=food, quantity=5, staff=manager)
    with pytest.raises(DistributionRefused):
        serve(center, hygiene, worker, 100)

    # May, from its first instant: a transfer still on the road, another distribution.
    at("2025-05-01T00:00:00")
    dispatch_transfer(
        source=center, destination=other_center, package=hygiene, quantity=4, staff=manager
    )
    at("2025-05-02T08:00:00")
    serve(center, hygiene, worker)
    monkeypatch.undo()
    return {"food": food, "hygiene": hygiene}


COLUMN_OF_KIND = {
    "restock": ("restocked", 1),
    "transfer_in": ("transferred_in", 1),
    "transfer_out": ("transferred_out", -1),
    "transfer_cancelled": ("returned", 1),
    "transit_loss": ("lost_in_transit", -1),
}


def recount(month, centers):
    """The report's figures, recomputed row by row from the two logs: {(center, package): {...}}."""
    start, end = month_bounds(month)
    rows = defaultdict(lambda: defaultdict(int))
    for movement in StockMovement.objects.select_related("inventory"):
        key = (movement.inventory.center_id, movement.inventory.package_id)
        if movement.inventory.center_id not in centers or movement.created_at >= end:
            continue
        figures = rows[key]
        if movement.created_at < start:
            figures["opening"] += movement.quantity_change
        elif movement.kind in COLUMN_OF_KIND:
            column, sign = COLUMN_OF_KIND[movement.kind]
            figures[column] += sign * movement.quantity_change
        else:
            figures[f"adjusted.{movement.reason}"] += movement.quantity_change
    for log in DistributionLog.objects.exclude(transaction_status="failed"):
        if log.center_id not in centers or log.distribution_date >= end:
            continue
        figures = rows[log.center_id, log.package_id]
        sign = -1 if log.transaction_status == "success" else 1
        if log.distribution_date < start:
            figures["opening"] += sign * log.quantity_distributed
        elif sign < 0:
            figures["distributed"] += log.quantity_distributed
        else:
            figures["voided"] += log.quantity_distributed
    return {key: dict(figures) for key, figures in rows.items()}


def as_figures(row):
    figures = {
        "opening": row.opening,
        "restocked": row.restocked,
        "transferred_in": row.transferred_in,
        "transferred_out": row.transferred_out,
        "returned": row.returned,
        "distributed": row.distributed,
        "voided": row.voided,
        "lost_in_transit": row.lost_in_transit,
        **{f"adjusted.{reason}": units for reason, units in row.adjusted.items()},
    }
    return {name: units for name, units in figures.items() if units}


def centers_of(*centers):
    return DistributionCenter.objects.filter(pk__in=[c.pk for c in centers])


@pytest.mark.parametrize("month", MONTHS, ids=lambda m: f"{m:%Y-%m}")
def test_report_matches_an_independent_count_over_the_logs(history, center, other_center, month):
    report = stock_movements(month=month, centers=centers_of(center, other_center))

    expected = recount(month, {center.pk, other_center.pk})
    got = {(row.center_id, row.package_id): as_figures(row) for row in report.rows}
    assert got == {key: figures for key, figures in expected.items() if figures}
    for row in report.rows:
        assert row.closing == (
            row.opening
            + row.restocked
            + row.transferred_in
            - row.transferred_out
            + row.returned
            - row.distributed
            + row.voided
            + sum(row.adjusted.values())
            - row.lost_in_transit
        )


def test_april_at_riverside_in_figures(history, center, other_center):
    """The April food row, worked by hand."""
    report = stock_movements(month=MONTHS[1], centers=centers_of(center))
    food = next(row for row in report.rows if row.package_id == history["food"].pk)
    # March: +50 restocked, -4 distributed, -2 damaged, -10 sent = 34.
    assert food.opening == 34
    assert (food.restocked, food.transferred_in, food.transferred_out, food.returned) == (
        5,
        3,
        5,
        5,
    )
    assert (food.distributed, food.voided, food.lost_in_transit) == (0, 2, 0)
    assert food.adjusted["count_correction"] == -1
    assert food.closing == 34 + 5 + 3 - 5 + 5 + 2 - 1


def test_each_closing_is_the_next_opening_and_the_last_is_on_hand(history, center, other_center):
    centers = centers_of(center, other_center)
    reports = [stock_movements(month=month, centers=centers) for month in MONTHS]
    for earlier, later in itertools.pairwise(reports):
        closing = {(r.center_id, r.package_id): r.closing for r in earlier.rows}
        opening = {(r.center_id, r.package_id): r.opening for r in later.rows}
        assert {key: units for key, units in closing.items() if units or key in opening} == (
            opening
        )
    on_hand = {
        (row.center_id, row.package_id): row.quantity_on_hand for row in Inventory.objects.all()
    }
    assert {(r.center_id, r.package_id): r.closing for r in reports[-1].rows} == on_hand
    # The loss shows at the receiving center, in the month the transfer arrived.
    april = {(r.center_id, r.package_id): r for r in reports[1].rows}
    hillcrest_food = april[other_center.pk, history["food"].pk]
    assert (hillcrest_food.transferred_in, hillcrest_food.lost_in_transit) == (10, 2)


def test_a_month_before_any_stock_has_no_rows(history, center):
    assert stock_movements(month=datetime.date(2025, 2, 1), centers=centers_of(center)).rows == []


# --- the page and its exports ------------------------------------------------------


def test_manager_sees_their_center_and_cannot_ask_for_another(
    client, history, manager, center, other_center
):
    client.force_login(manager.user)
    response = client.get(reverse("reports:movements"), {"month": "2025-04"})
    assert response.status_code == 200
    assert {row.center_id for row in response.context["page_obj"]} == {center.pk}
    assert "Stock movements" in response.content.decode()
    refused = client.get(
        reverse("reports:movements"), {"month": "2025-04", "center": other_center.pk}
    )
    assert refused.status_code == 403


def test_admin_picks_any_center(client, history, admin_staff, other_center):
    client.force_login(admin_staff.user)
    response = client.get(
        reverse("reports:movements"), {"month": "2025-04", "center": other_center.pk}
    )
    assert {row.center_id for row in response.context["page_obj"]} == {other_center.pk}


def test_report_defaults_to_this_month(client, manager, center, admin_staff):
    restock(center=center, package=AidPackageFactory(), quantity=3, staff=admin_staff)
    client.force_login(manager.user)
    response = client.get(reverse("reports:movements"))
    assert response.context["report"].month == timezone.now().date().replace(day=1)
    assert [row.closing for row in response.context["page_obj"]] == [3]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_exports_hold_the_same_figures_and_are_logged(
    client, history, manager, center, export_format
):
    client.force_login(manager.user)
    response = client.get(
        reverse("reports:movements"), {"month": "2025-04", "format": export_format}
    )
    assert response.status_code == 200
    assert AccessLog.objects.filter(target="movements", export_format=export_format).count() == 1
    if export_format == "csv":
        table = list(csv.reader(io.StringIO(response.content.decode())))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        table = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    header, *rows = table
    assert header == [column.header for column in StockMovementReportView.columns]
    assert header[6] == "Opening balance"
    assert header[-1] == "Closing balance"
    assert len(header) == 15 + len(ADJUSTMENT_REASONS)
    report = stock_movements(month=MONTHS[1], centers=centers_of(center))
    expected = [
        [str(column.value(row)) for column in StockMovementReportView.columns]
        for row in report.rows
    ]
    assert rows == expected
