"""A hand-built audit log for report tests: several months, centers and categories,
failures and voids, written as raw rows (the rollup triggers see them like any other)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from centers.tests.factories import DistributionCenterFactory
from distribution.models import DistributionLog
from distribution.tests.factories import DistributionLogFactory
from households.tests.factories import HouseholdFactory
from inventory.tests.factories import AidPackageFactory

Status = DistributionLog.Status


def at(day, hour=10):
    """A UTC moment on `day` (a "YYYY-MM-DD" string)."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=datetime.UTC)


@dataclass
class Dataset:
    centers: list
    packages: dict
    households: list
    successes: list
    voids: list
    failures: list


def build_dataset(center, other_center):
    """Write a log that exercises every rule of the monthly summary.

    - two food packages (one household gets both in a month: 2 distributions, 1 household);
    - a household served at both centers in one month (month total < sum of groups);
    - a household served in two months (overall total < sum of month totals);
    - a void in the same month, and a void a month after its success (it must leave
      the success's month, not its own);
    - a void that empties a group (its row disappears);
    - failures everywhere (never counted), and a month boundary at midnight UTC.
    """
    food = AidPackageFactory(package_name="Food basket", category="food", estimated_cost="45.00")
    baby = AidPackageFactory(package_name="Infant kit", category="food", estimated_cost="30.50")
    hygiene = AidPackageFactory(
        package_name="Hygiene kit", category="hygiene", estimated_cost="18.25"
    )
    shelter = AidPackageFactory(
        package_name="Shelter kit", category="shelter", estimated_cost="120.00"
    )
    households = [
        HouseholdFactory(family_name=name, primary_contact_name=f"Ana {name}")
        for name in ("Okafor", "Nguyen", "Haddad", "Silva", "Mensah")
    ]
    h1, h2, h3, h4, h5 = households
    third_center = DistributionCenterFactory(center_name="Lakeside")

    def success(household, package, where, when, quantity=1):
        return DistributionLogFactory(
            household=household,
            package=package,
            center=where,
            staff=None,
            quantity_distributed=quantity,
            distribution_date=when,
        )

    def void(log, when):
        return DistributionLogFactory(
            household=log.household,
            package=log.package,
            center=log.center,
            staff=None,
            quantity_distributed=log.quantity_distributed,
            distribution_date=when,
            transaction_status=Status.CANCELLED,
            voided_log=log,
            notes="Recorded in error",
        )

    def failure(household, package, where, when):
        return DistributionLogFactory(
            household=household,
            package=package,
            center=where,
            staff=None,
            distribution_date=when,
            transaction_status=Status.FAILED,
            failure_code="not_eligible",
            failure_reason="Not eligible",
        )

    successes = [
        # January, center: h1 gets both food packages, h2 food and hygiene.
        success(h1, food, center, at("2025-01-05"), 2),
        success(h1, baby, center, at("2025-01-05", 11)),
        success(h2, food, center, at("2025-01-06")),
        success(h2, hygiene, center, at("2025-01-06", 12), 3),
        # January, other center: h1 again (another center), h3.
        success(h1, hygiene, other_center, at("2025-01-20")),
        success(h3, food, other_center, at("2025-01-31", 23)),
        # February starts at midnight UTC.
        success(h3, food, other_center, at("2025-02-01", 0)),
        success(h1, food, center, at("2025-02-10")),
        success(h4, shelter, center, at("2025-02-11"), 1),
        success(h5, shelter, third_center, at("2025-02-12")),
        # March.
        success(h2, food, center, at("2025-03-03")),
        success(h4, hygiene, other_center, at("2025-03-04"), 4),
        success(h5, baby, center, at("2025-03-05")),
    ]
    voids = [
        void(successes[3], at("2025-01-07")),  # h2 hygiene, same month: group empties
        void(successes[1], at("2025-02-02")),  # h1 baby, voided the next month
        void(successes[9], at("2025-02-12", 15)),  # h5 shelter at third center
    ]
    failures = [
        failure(h1, food, center, at("2025-01-05", 12)),
        failure(h3, hygiene, other_center, at("2025-02-01", 9)),
        failure(h5, baby, center, at("2025-03-20")),
    ]
    return Dataset(
        centers=[center, other_center, third_center],
        packages={"food": food, "baby": baby, "hygiene": hygiene, "shelter": shelter},
        households=households,
        successes=successes,
        voids=voids,
        failures=failures,
    )


def expected_summary(*, month_from, month_to, center=None, category=None):
    """Aggregate Distribution_Log in Python, independently of SQL, views and rollups.

    Returns (groups, month_totals, overall): groups {(month, center_id, category):
    (distributions, households, packages, value)}, month totals {month: same tuple},
    and the overall tuple.
    """
    logs = list(DistributionLog.objects.select_related("package"))
    voided = {log.voided_log_id for log in logs if log.transaction_status == Status.CANCELLED}
    groups, months, overall = {}, {}, None

    def add(bucket, key, log):
        distributions, households, packages, value = bucket.get(key, (0, set(), 0, Decimal(0)))
        bucket[key] = (
            distributions + 1,
            households | {log.household_id},
            packages + log.quantity_distributed,
            value + log.quantity_distributed * Decimal(log.package.estimated_cost),
        )

    totals = {}
    for log in logs:
        if log.transaction_status != Status.SUCCESS or log.pk in voided:
            continue
        month = log.distribution_date.astimezone(datetime.UTC).date().replace(day=1)
        if not month_from <= month <= month_to:
            continue
        if center is not None and log.center_id != center.pk:
            continue
        if category is not None and log.package.category != category:
            continue
        add(groups, (month, log.center_id, log.package.category), log)
        add(months, month, log)
        add(totals, "overall", log)
    overall = totals.get("overall", (0, set(), 0, Decimal(0)))

    def flat(values):
        distributions, households, packages, value = values
        return (distributions, len(households), packages, value.quantize(Decimal("0.01")))

    return (
        {key: flat(values) for key, values in groups.items()},
        {key: flat(values) for key, values in months.items()},
        flat(overall),
    )


def expected_coverage(*, today, centers=None, packages=None):
    """Compute the coverage report in Python from Distribution_Log and Households.

    Returns (rows, active, never_served_any), rows {(center_id or None, package_id):
    (households, eligible_now, not_yet_eligible, eligible_7_days, eligible_30_days,
    never_received)} for every active package and every center in `centers`
    (default: all). A center's households: active households whose latest served
    distribution (by date, then log id) was there.
    """
    from centers.models import DistributionCenter
    from households.models import Household
    from inventory.models import AidPackage

    logs = list(DistributionLog.objects.all())
    voided = {log.voided_log_id for log in logs if log.transaction_status == Status.CANCELLED}
    served = [
        log for log in logs if log.transaction_status == Status.SUCCESS and log.pk not in voided
    ]
    latest, last_day = {}, {}
    for log in served:
        if (
            log.household_id not in latest
            or (log.distribution_date, log.pk) > latest[log.household_id][:2]
        ):
            latest[log.household_id] = (log.distribution_date, log.pk, log.center_id)
        day = log.distribution_date.astimezone(datetime.UTC).date()
        key = (log.household_id, log.package_id)
        last_day[key] = max(last_day.get(key, day), day)
    active = set(Household.objects.filter(status="active").values_list("pk", flat=True))
    center_of = {h: (latest[h][2] if h in latest else None) for h in active}
    centers = list(centers if centers is not None else DistributionCenter.objects.all())
    packages = list(
        (packages if packages is not None else AidPackage.objects.all()).filter(is_active=True)
    )
    rows = {}
    for package in packages:
        first_blocked = today - datetime.timedelta(days=package.validity_period_days - 1)
        for center_id in [None, *(c.pk for c in centers)]:
            members = [h for h in active if center_id is None or center_of[h] == center_id]
            blocked = [
                last_day[h, package.pk]
                for h in members
                if (h, package.pk) in last_day and last_day[h, package.pk] >= first_blocked
            ]
            back = [day + datetime.timedelta(days=package.validity_period_days) for day in blocked]
            rows[center_id, package.pk] = (
                len(members),
                len(members) - len(blocked),
                len(blocked),
                sum(day <= today + datetime.timedelta(days=7) for day in back),
                sum(day <= today + datetime.timedelta(days=30) for day in back),
                sum((h, package.pk) not in last_day for h in members),
            )
    never_served = sum(center_of[h] is None for h in active)
    return rows, len(active), never_served


def summary_as_tuples(report):
    """The monthly summary in expected_summary()'s shape: (groups, months, overall)."""
    groups = {
        (row.month, row.center_id, row.category): (
            row.distributions,
            row.households,
            row.packages,
            row.value,
        )
        for row in report.rows
    }
    months = {
        month: (row.distributions, row.households, row.packages, row.value)
        for month, row in report.month_totals.items()
    }
    overall = report.overall
    return (
        groups,
        months,
        (overall.distributions, overall.households, overall.packages, overall.value),
    )


def coverage_as_tuples(report):
    """The coverage report in expected_coverage()'s shape."""
    rows = {
        (row.center_id, row.package_id): (
            row.households,
            row.eligible_now,
            row.not_yet_eligible,
            row.eligible_7_days,
            row.eligible_30_days,
            row.never_received,
        )
        for row in report.rows
    }
    return rows, report.active_households, report.never_served_any
