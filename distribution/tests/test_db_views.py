"""The three database views, queried through their unmanaged models.

Each test builds a small dataset by hand (log rows written directly; a void is a
`cancelled` row pointing at the success it cancels) and compares the whole view
with the rows it must return.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from centers.models import DistributionCenter
from centers.tests.factories import DistributionCenterFactory
from distribution.models import DistributionLog, HouseholdEligibility, MonthlySummary
from distribution.tests.factories import DistributionLogFactory
from households.models import Household
from households.tests.factories import HouseholdFactory
from inventory.models import AidPackage, CurrentInventoryStatus
from inventory.tests.factories import AidPackageFactory, InventoryFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
SUCCESS = DistributionLog.Status.SUCCESS
FAILED = DistributionLog.Status.FAILED
CANCELLED = DistributionLog.Status.CANCELLED
ELIGIBLE = HouseholdEligibility.Eligibility.ELIGIBLE
NOT_ELIGIBLE = HouseholdEligibility.Eligibility.NOT_ELIGIBLE


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def utc_today():
    return timezone.now().astimezone(UTC).date()


def distribute(household, package, center, when, *, status=SUCCESS, quantity=1, **extra):
    if status == FAILED:
        extra.setdefault("failure_reason", "Not eligible yet.")
        extra.setdefault("failure_code", "not_eligible")
    return DistributionLogFactory(
        household=household,
        package=package,
        center=center,
        staff=None,
        distribution_date=when,
        transaction_status=status,
        quantity_distributed=quantity,
        **extra,
    )


def void(original, when):
    return distribute(
        original.household,
        original.package,
        original.center,
        when,
        status=CANCELLED,
        quantity=original.quantity_distributed,
        voided_log=original,
    )


# --- vw_current_inventory_status --------------------------------------------------


def test_current_inventory_status_levels_and_hidden_rows():
    main = DistributionCenterFactory(center_name="Main")
    rice = AidPackageFactory(package_name="Rice")
    beans = AidPackageFactory(package_name="Beans")
    soap = AidPackageFactory(package_name="Soap")
    tents = AidPackageFactory(package_name="Tents")
    retired = AidPackageFactory(package_name="Retired kit", is_active=False)
    closed = DistributionCenterFactory(
        center_name="Closed", status=DistributionCenter.Status.INACTIVE
    )
    repairs = DistributionCenterFactory(
        center_name="Repairs", status=DistributionCenter.Status.MAINTENANCE
    )

    InventoryFactory(center=main, package=rice, quantity_on_hand=0, reorder_level=10)
    InventoryFactory(center=main, package=beans, quantity_on_hand=10, reorder_level=10)
    InventoryFactory(center=main, package=soap, quantity_on_hand=11, reorder_level=10)
    InventoryFactory(center=main, package=tents, quantity_on_hand=3, reorder_level=10)
    InventoryFactory(center=main, package=retired, quantity_on_hand=500)
    InventoryFactory(center=closed, package=rice, quantity_on_hand=500)
    InventoryFactory(center=repairs, package=rice, quantity_on_hand=500)

    rows = set(
        CurrentInventoryStatus.objects.values_list(
            "center_id",
            "center_name",
            "package_name",
            "quantity_on_hand",
            "reorder_level",
            "stock_status",
        )
    )

    assert rows == {
        (main.pk, "Main", "Rice", 0, 10, "OUT_OF_STOCK"),
        (main.pk, "Main", "Beans", 10, 10, "LOW_STOCK"),
        (main.pk, "Main", "Tents", 3, 10, "LOW_STOCK"),
        (main.pk, "Main", "Soap", 11, 10, "IN_STOCK"),
    }


def test_current_inventory_status_zero_stock_is_out_even_with_zero_reorder_level():
    row = InventoryFactory(quantity_on_hand=0, reorder_level=0)
    assert CurrentInventoryStatus.objects.get(pk=row.pk).stock_status == "OUT_OF_STOCK"


def test_current_inventory_status_row_links_to_its_inventory():
    row = InventoryFactory(quantity_on_hand=80, reorder_level=10)
    status = CurrentInventoryStatus.objects.select_related("inventory").get(pk=row.pk)
    assert status.inventory == row
    assert (status.center_id, status.package_id) == (row.center_id, row.package_id)


# --- vw_household_eligibility -----------------------------------------------------


@pytest.fixture
def eligibility_world():
    """Two active households, two active packages, and rows the view must hide."""
    center = DistributionCenterFactory()
    world = {
        "center": center,
        "ana": HouseholdFactory(family_name="Ana"),
        "bo": HouseholdFactory(family_name="Bo"),
        "food": AidPackageFactory(package_name="Food box", validity_period_days=30),
        "kit": AidPackageFactory(
            package_name="Hygiene kit",
            category=AidPackage.Category.HYGIENE,
            validity_period_days=7,
        ),
    }
    retired = AidPackageFactory(package_name="Retired", is_active=False)
    suspended = HouseholdFactory(family_name="Suspended", status=Household.Status.SUSPENDED)
    inactive = HouseholdFactory(family_name="Moved away", status=Household.Status.INACTIVE)
    # History on hidden rows must not make them appear.
    distribute(world["ana"], retired, center, timezone.now() - datetime.timedelta(days=1))
    distribute(suspended, world["food"], center, timezone.now() - datetime.timedelta(days=1))
    distribute(inactive, world["kit"], center, timezone.now() - datetime.timedelta(days=1))
    return world


def eligibility(household, package):
    return HouseholdEligibility.objects.get(household=household, package=package)


def test_eligibility_lists_every_active_package_for_every_active_household(eligibility_world):
    w = eligibility_world
    rows = set(
        HouseholdEligibility.objects.values_list(
            "household_id",
            "family_name",
            "package_id",
            "package_name",
            "validity_period_days",
            "last_distribution_date",
            "days_since",
            "eligibility_status",
            "next_eligible_date",
        )
    )
    assert rows == {
        (w["ana"].pk, "Ana", w["food"].pk, "Food box", 30, None, None, ELIGIBLE, None),
        (w["ana"].pk, "Ana", w["kit"].pk, "Hygiene kit", 7, None, None, ELIGIBLE, None),
        (w["bo"].pk, "Bo", w["food"].pk, "Food box", 30, None, None, ELIGIBLE, None),
        (w["bo"].pk, "Bo", w["kit"].pk, "Hygiene kit", 7, None, None, ELIGIBLE, None),
    }
    keys = list(HouseholdEligibility.objects.values_list("eligibility_key", flat=True))
    assert len(keys) == len(set(keys)) == 4


def test_recent_success_makes_household_not_eligible_for_that_package_only(eligibility_world):
    w = eligibility_world
    served_at = timezone.now() - datetime.timedelta(days=3)
    distribute(w["ana"], w["food"], w["center"], served_at - datetime.timedelta(days=40))
    distribute(w["ana"], w["food"], w["center"], served_at)

    row = eligibility(w["ana"], w["food"])

    assert row.eligibility_status == NOT_ELIGIBLE
    assert row.last_distribution_date == served_at
    assert row.days_since == (utc_today() - served_at.date()).days == 3
    assert row.next_eligible_date == served_at.date() + datetime.timedelta(days=30)
    assert eligibility(w["ana"], w["kit"]).eligibility_status == ELIGIBLE
    assert eligibility(w["bo"], w["food"]).eligibility_status == ELIGIBLE


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [(6, NOT_ELIGIBLE), (7, ELIGIBLE), (40, ELIGIBLE)],
)
def test_eligibility_returns_when_validity_period_has_passed(eligibility_world, days_ago, expected):
    w = eligibility_world
    served_at = timezone.now() - datetime.timedelta(days=days_ago)
    distribute(w["bo"], w["kit"], w["center"], served_at)

    row = eligibility(w["bo"], w["kit"])

    assert row.eligibility_status == expected
    assert row.days_since == days_ago
    assert row.last_distribution_date == served_at
    assert row.next_eligible_date == served_at.date() + datetime.timedelta(days=7)


def test_failed_attempt_does_not_block_eligibility(eligibility_world):
    w = eligibility_world
    old_success = distribute(
        w["ana"], w["food"], w["center"], timezone.now() - datetime.timedelta(days=45)
    )
    distribute(
        w["ana"],
        w["food"],
        w["center"],
        timezone.now() - datetime.timedelta(days=1),
        status=FAILED,
    )
    distribute(
        w["bo"],
        w["food"],
        w["center"],
        timezone.now() - datetime.timedelta(hours=1),
        status=FAILED,
    )

    ana = eligibility(w["ana"], w["food"])
    bo = eligibility(w["bo"], w["food"])

    assert (ana.eligibility_status, ana.last_distribution_date, ana.days_since) == (
        ELIGIBLE,
        old_success.distribution_date,
        45,
    )
    assert (bo.eligibility_status, bo.last_distribution_date) == (ELIGIBLE, None)


def test_voided_success_does_not_block_eligibility(eligibility_world):
    w = eligibility_world
    now = timezone.now()
    earlier = distribute(w["ana"], w["food"], w["center"], now - datetime.timedelta(days=50))
    mistaken = distribute(w["ana"], w["food"], w["center"], now - datetime.timedelta(days=2))
    void(mistaken, now - datetime.timedelta(days=1))
    only = distribute(w["bo"], w["food"], w["center"], now - datetime.timedelta(days=2))
    void(only, now - datetime.timedelta(days=2))

    ana = eligibility(w["ana"], w["food"])
    bo = eligibility(w["bo"], w["food"])

    assert (ana.eligibility_status, ana.last_distribution_date) == (
        ELIGIBLE,
        earlier.distribution_date,
    )
    assert (bo.eligibility_status, bo.last_distribution_date, bo.days_since) == (
        ELIGIBLE,
        None,
        None,
    )


def test_suspending_household_or_retiring_package_removes_its_rows(eligibility_world):
    w = eligibility_world
    Household.objects.filter(pk=w["bo"].pk).update(status=Household.Status.SUSPENDED)
    AidPackage.objects.filter(pk=w["kit"].pk).update(is_active=False)

    rows = list(HouseholdEligibility.objects.values_list("household_id", "package_id"))

    assert rows == [(w["ana"].pk, w["food"].pk)]


# --- vw_monthly_summary -----------------------------------------------------------


def test_monthly_summary_counts_successful_not_voided_rows_per_month_center_category():
    north = DistributionCenterFactory(center_name="North")
    south = DistributionCenterFactory(center_name="South")
    food = AidPackageFactory(estimated_cost=Decimal("45.00"))
    other_food = AidPackageFactory(estimated_cost=Decimal("20.25"))
    medical = AidPackageFactory(
        category=AidPackage.Category.MEDICAL, estimated_cost=Decimal("10.50")
    )
    ana, bo, cy = HouseholdFactory(), HouseholdFactory(), HouseholdFactory()

    # January, North, food: 3 counted rows, 2 households, 4 packages.
    distribute(ana, food, north, at(2025, 1, 5, 9, 0))
    distribute(ana, food, north, at(2025, 1, 20, 9, 0), quantity=2)
    distribute(bo, other_food, north, at(2025, 1, 31, 23, 59, 59))
    # Not counted: a failed attempt, and a success with its void.
    distribute(cy, food, north, at(2025, 1, 22, 9, 0), status=FAILED)
    voided = distribute(cy, food, north, at(2025, 1, 23, 9, 0), quantity=5)
    void(voided, at(2025, 1, 24, 9, 0))
    # January, North, medical.
    distribute(ana, medical, north, at(2025, 1, 10, 9, 0), quantity=3)
    # February, North, food: the first instant of the month.
    distribute(ana, food, north, at(2025, 2, 1, 0, 0))
    # A void in a later month than its success removes it from the earlier month.
    late_void = distribute(bo, medical, north, at(2025, 2, 27, 9, 0))
    void(late_void, at(2025, 3, 2, 9, 0))
    # January, South, food.
    distribute(bo, food, south, at(2025, 1, 15, 9, 0))
    distribute(cy, food, south, at(2025, 1, 16, 9, 0))

    rows = set(
        MonthlySummary.objects.values_list(
            "month",
            "center_id",
            "center_name",
            "category",
            "total_distributions",
            "unique_households",
            "total_packages",
            "total_value",
        )
    )

    assert rows == {
        ("2025-01", north.pk, "North", "food", 3, 2, 4, Decimal("155.25")),
        ("2025-01", north.pk, "North", "medical", 1, 1, 3, Decimal("31.50")),
        ("2025-02", north.pk, "North", "food", 1, 1, 1, Decimal("45.00")),
        ("2025-01", south.pk, "South", "food", 2, 2, 2, Decimal("90.00")),
    }


def test_monthly_summary_is_empty_without_successful_distributions():
    center = DistributionCenterFactory()
    household, package = HouseholdFactory(), AidPackageFactory()
    distribute(household, package, center, at(2025, 3, 1, 12, 0), status=FAILED)
    void(distribute(household, package, center, at(2025, 3, 2, 12, 0)), at(2025, 3, 3, 12, 0))

    assert not MonthlySummary.objects.exists()
