"""The report's numbers equal an independent aggregation over Distribution_Log."""

import datetime
from decimal import Decimal

import pytest

from centers.tests.factories import DistributionCenterFactory
from households.tests.factories import HouseholdFactory
from inventory.models import StockStatus
from inventory.tests.factories import AidPackageFactory, InventoryFactory
from reports import rollup, selectors

from .factories import (
    at,
    build_dataset,
    coverage_as_tuples,
    expected_coverage,
    expected_summary,
    summary_as_tuples,
)

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = (datetime.date(2025, month, 1) for month in (1, 2, 3))


@pytest.fixture
def dataset(center, other_center):
    return build_dataset(center, other_center)


FILTERS = [
    {"month_from": JAN, "month_to": MAR},
    {"month_from": JAN, "month_to": JAN},
    {"month_from": FEB, "month_to": MAR},
    {"month_from": JAN, "month_to": MAR, "category": "food"},
    {"month_from": JAN, "month_to": MAR, "category": "hygiene"},
    {"month_from": datetime.date(2024, 6, 1), "month_to": datetime.date(2024, 12, 1)},
]


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("scope", ["all", "center", "other_center"])
def test_monthly_summary_equals_aggregation_over_the_log(dataset, filters, scope):
    center = {"all": None, "center": dataset.centers[0], "other_center": dataset.centers[1]}[scope]
    report = selectors.monthly_summary(**filters, center=center)
    assert summary_as_tuples(report) == expected_summary(**filters, center=center)


def test_the_dataset_exercises_every_rule(dataset, center, other_center):
    """Hand-checked figures, so the aggregation the tests compare with is right too."""
    groups, months, overall = expected_summary(month_from=JAN, month_to=MAR)
    # h1: food x2 units and hygiene at the other center; the baby kit was voided in February.
    assert groups[JAN, center.pk, "food"] == (2, 2, 3, Decimal("135.00"))
    # h2's hygiene kit was voided the same month: the group is gone.
    assert (JAN, center.pk, "hygiene") not in groups
    # h1 was served at both centers in January: 3 households, not 4.
    assert months[JAN] == (4, 3, 5, Decimal("198.25"))
    # 5 households in all, though month totals add up to more.
    assert overall[1] == 5
    assert sum(month[1] for month in months.values()) > overall[1]
    # The voided shelter kit at the third center left no group there.
    assert not any(key[1] == dataset.centers[2].pk for key in groups)


def test_rows_are_newest_month_first_with_a_total_after_each_month(dataset):
    report = selectors.monthly_summary(month_from=JAN, month_to=MAR)
    table = report.table()
    months = [row.month for row in table]
    assert months == sorted(months, reverse=True)
    totals = [row for row in table if row.is_total]
    assert [row.month for row in totals] == [MAR, FEB, JAN]
    for position, row in enumerate(table):
        if row.is_total:
            assert position == len(table) - 1 or table[position + 1].month != row.month


def test_chart_has_packages_per_month_by_category(dataset):
    chart = selectors.monthly_summary(month_from=JAN, month_to=MAR).chart()
    assert chart["labels"] == ["2025-01", "2025-02", "2025-03"]
    by_key = {dataset["key"]: dataset["data"] for dataset in chart["datasets"]}
    assert by_key["food"] == [4, 2, 2]
    assert by_key["hygiene"] == [1, 0, 4]
    assert by_key["shelter"] == [0, 1, 0]


def test_the_rollups_match_the_log(dataset):
    assert rollup.verify().ok


def test_empty_range_has_zero_totals(dataset):
    report = selectors.monthly_summary(
        month_from=datetime.date(2030, 1, 1), month_to=datetime.date(2030, 2, 1)
    )
    assert report.rows == []
    assert report.overall.distributions == 0
    assert report.overall.households == 0


# --- Stock status ------------------------------------------------------------------


def test_stock_status_lists_every_center_and_package_worst_first():
    north, south = DistributionCenterFactory(), DistributionCenterFactory()
    rice, soap, tent = (AidPackageFactory() for _ in range(3))
    AidPackageFactory(is_active=False)  # inactive packages are left out
    InventoryFactory(center=north, package=rice, quantity_on_hand=100, reorder_level=10)
    InventoryFactory(center=north, package=soap, quantity_on_hand=5, reorder_level=10)
    InventoryFactory(center=south, package=rice, quantity_on_hand=0, reorder_level=10)
    InventoryFactory(center=south, package=soap, quantity_on_hand=11, reorder_level=10)
    from centers.models import DistributionCenter
    from inventory.models import AidPackage

    rows = selectors.stock_status(
        centers=DistributionCenter.objects.filter(pk__in=[north.pk, south.pk]),
        packages=AidPackage.objects.all(),
    )
    assert len(rows) == 6
    statuses = [row.stock_status for row in rows]
    assert statuses == sorted(
        statuses, key=lambda s: ["OUT_OF_STOCK", "LOW_STOCK", "IN_STOCK"].index(s)
    )
    never = [row for row in rows if not row.stocked]
    assert {(row.center_id, row.package_id) for row in never} == {
        (north.pk, tent.pk),
        (south.pk, tent.pk),
    }
    assert all(row.stock_status == StockStatus.OUT_OF_STOCK for row in never)
    low = [row for row in rows if row.stock_status == StockStatus.LOW_STOCK]
    assert [(row.center_id, row.package_id) for row in low] == [(north.pk, soap.pk)]
    only_low = selectors.stock_status(
        centers=DistributionCenter.objects.all(),
        packages=AidPackage.objects.all(),
        status=StockStatus.LOW_STOCK,
    )
    assert [(row.center_id, row.package_id) for row in only_low] == [(north.pk, soap.pk)]


# --- Eligibility coverage ----------------------------------------------------------


def test_coverage_counts_each_centers_households_and_their_return(center, other_center):
    from centers.models import DistributionCenter
    from distribution.tests.factories import DistributionLogFactory
    from inventory.models import AidPackage

    today = datetime.date(2025, 6, 15)
    kit = AidPackageFactory(validity_period_days=30, category="food")
    soap = AidPackageFactory(validity_period_days=7, category="hygiene")
    served = [HouseholdFactory() for _ in range(6)]
    never = HouseholdFactory()
    suspended = HouseholdFactory(status="suspended")

    def log(household, package, where, day, status="success", voided=None):
        return DistributionLogFactory(
            household=household,
            package=package,
            center=where,
            staff=None,
            distribution_date=at(day),
            transaction_status=status,
            voided_log=voided,
            failure_reason="No" if status == "failed" else None,
        )

    log(served[0], kit, other_center, "2025-04-01")
    log(served[0], kit, center, "2025-05-01")  # last served here; eligible again since 05-31
    log(served[1], kit, center, "2025-06-10")  # back 07-10: within 30 days
    log(served[2], kit, center, "2025-05-20")  # back 06-19: within 7 days
    log(served[3], kit, other_center, "2025-05-01")
    log(served[3], kit, other_center, "2025-06-14")  # the other center's; back 07-14
    cancelled = log(served[4], kit, center, "2025-06-14")
    log(served[4], kit, center, "2025-06-14", status="cancelled", voided=cancelled)
    log(served[5], soap, center, "2025-06-12")  # back 06-19
    log(suspended, kit, center, "2025-06-14")  # not active: counted nowhere
    log(never, kit, center, "2025-06-14", status="failed")

    report = selectors.coverage(
        centers=DistributionCenter.objects.all(), packages=AidPackage.objects.all(), today=today
    )
    rows = {(row.center_id, row.package_id): row for row in report.rows}

    def figures(row):
        return (
            row.households,
            row.eligible_now,
            row.not_yet_eligible,
            row.eligible_7_days,
            row.eligible_30_days,
            row.never_received,
        )

    # served[0], [1], [2] and [5] were last served at `center`; served[3] at the other.
    assert figures(rows[center.pk, kit.pk]) == (4, 2, 2, 1, 2, 1)
    assert figures(rows[other_center.pk, kit.pk]) == (1, 0, 1, 0, 1, 0)
    # 7 active households (the suspended one is left out); served[4] (its only
    # distribution was voided) and `never` (a failure only) belong to no center.
    assert figures(rows[None, kit.pk]) == (7, 4, 3, 1, 3, 3)
    assert figures(rows[None, soap.pk]) == (7, 6, 1, 1, 1, 6)
    assert figures(rows[center.pk, soap.pk]) == (4, 3, 1, 1, 1, 3)
    assert report.active_households == 7
    assert report.never_served_any == 2
    assert coverage_as_tuples(report) == expected_coverage(today=today)

    # A manager's view: their center's rows and the all-centers rows only.
    scoped = selectors.coverage(
        centers=DistributionCenter.objects.filter(pk=center.pk),
        packages=AidPackage.objects.all(),
        today=today,
    )
    assert {row.center_id for row in scoped.rows} == {center.pk, None}

    # Suspending a household takes it out everywhere; reactivating puts it back.
    served[1].status = "suspended"
    served[1].save()
    after = selectors.coverage(
        centers=DistributionCenter.objects.all(), packages=AidPackage.objects.all(), today=today
    )
    assert {(r.center_id, r.package_id): figures(r) for r in after.rows}[center.pk, kit.pk] == (
        3,
        2,
        1,
        1,
        1,
        1,
    )
    assert coverage_as_tuples(after) == expected_coverage(today=today)
    from households.models import Household

    Household.objects.filter(pk=served[1].pk).update(status="active")
    Household.objects.filter(pk=never.pk).update(status="inactive")
    assert coverage_as_tuples(
        selectors.coverage(
            centers=DistributionCenter.objects.all(),
            packages=AidPackage.objects.all(),
            today=today,
        )
    ) == expected_coverage(today=today)
    assert rollup.verify().ok


@pytest.mark.parametrize("today", ["2025-01-10", "2025-02-01", "2025-02-12", "2025-03-20"])
def test_coverage_equals_a_computation_over_the_log(dataset, today):
    from centers.models import DistributionCenter
    from inventory.models import AidPackage

    today = datetime.date.fromisoformat(today)
    report = selectors.coverage(
        centers=DistributionCenter.objects.all(), packages=AidPackage.objects.all(), today=today
    )
    assert coverage_as_tuples(report) == expected_coverage(today=today)
