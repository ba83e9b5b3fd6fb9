"""Reads behind the report pages: monthly summary, stock status, eligibility coverage.

Every figure counts successful distributions net of voids (a `success` row with no
`cancelled` row pointing at it), by UTC month, as the seed's vw_monthly_summary
defines them. The monthly summary reads the trigger-maintained rollups (a few
thousand rows whatever the size of the log); `monthly_summary_from_view` computes
the same report from vw_monthly_summary and the log, for comparison.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from centers.models import DistributionCenter
from distribution.models import DistributionLog, MonthlySummary
from households.models import Household
from inventory.models import AidPackage, Inventory, StockStatus
from inventory.stock import stock_status as inventory_stock_status

from .filters import months_between
from .models import ALL_CATEGORIES, ALL_CENTERS, FIRST_TIME, MonthlyHouseholds, MonthlyRollup

CATEGORY_LABELS = dict(AidPackage.Category.choices)
VALUE_FIELD = DecimalField(max_digits=16, decimal_places=2)


# Monthly summary ------------------------------------------------------------------


@dataclass
class SummaryRow:
    """One month x center x category group, or a total (center/category None = all)."""

    month: datetime.date | None
    center_id: int | None
    center_name: str
    category: str | None
    distributions: int = 0
    households: int = 0
    packages: int = 0
    value: Decimal = Decimal("0.00")
    is_total: bool = False

    @property
    def category_label(self):
        return CATEGORY_LABELS.get(self.category, "All categories")

    @property
    def month_label(self):
        return f"{self.month:%Y-%m}" if self.month else "All months"


@dataclass
class MonthlySummaryReport:
    month_from: datetime.date
    month_to: datetime.date
    center: DistributionCenter | None
    category: str | None
    rows: list = field(default_factory=list)  # groups, newest month first
    month_totals: dict = field(default_factory=dict)  # month -> SummaryRow
    overall: SummaryRow | None = None

    @property
    def months(self):
        return months_between(self.month_from, self.month_to)

    def table(self):
        """Groups with each month's total row after them, newest month first."""
        items, current = [], None
        for row in self.rows:
            if current is not None and row.month != current:
                items.append(self.month_totals[current])
            items.append(row)
            current = row.month
        if current is not None:
            items.append(self.month_totals[current])
        return items

    def chart(self):
        """Packages per month by category, every month of the range, for Chart.js."""
        labels = [f"{month:%Y-%m}" for month in self.months]
        index = {month: position for position, month in enumerate(self.months)}
        packages = defaultdict(lambda: [0] * len(labels))
        for row in self.rows:
            packages[row.category][index[row.month]] += row.packages
        return {
            "labels": labels,
            "datasets": [
                {"key": category, "label": label, "data": packages[category]}
                for category, label in AidPackage.Category.choices
                if category in packages
            ],
        }


def _scope(center, category):
    """The household-rollup scope of a filter: 0 = all centers, '*' = all categories."""
    return (center.pk if center else ALL_CENTERS, category or ALL_CATEGORIES)


def _center_names(ids):
    return dict(DistributionCenter.objects.filter(pk__in=set(ids)).values_list("pk", "center_name"))


def _finish(report, groups, month_households, overall_households):
    """Sort the groups, and add month totals and the overall row from them."""
    names = _center_names(row.center_id for row in groups)
    for row in groups:
        row.center_name = names.get(row.center_id, f"Center {row.center_id}")
    groups.sort(key=lambda r: (-r.month.toordinal(), r.center_name, r.category))
    report.rows = groups
    center_name = report.center.center_name if report.center else "All centers"
    overall = SummaryRow(None, None, center_name, report.category, is_total=True)
    for row in groups:
        total = report.month_totals.get(row.month)
        if total is None:
            total = report.month_totals[row.month] = SummaryRow(
                row.month,
                None,
                center_name,
                report.category,
                households=month_households.get(row.month, 0),
                is_total=True,
            )
        for target in (total, overall):
            target.distributions += row.distributions
            target.packages += row.packages
            target.value += row.value
    overall.households = overall_households
    report.overall = overall
    return report


def monthly_summary(*, month_from, month_to, center=None, category=None):
    """The monthly summary from the rollups: four small indexed queries at any log size.

    Unique households cannot be added up across centers, categories or months, so
    each figure reads Distribution_Monthly_Households at its own scope: a group's
    households are its (center, category) rows of the month, a month total the
    rows of the filter's scope, and the overall figure the rows of the range whose
    previous month is before the range (each household once, at its first month).
    """
    report = MonthlySummaryReport(month_from, month_to, center, category)
    in_range = {"month__gte": month_from, "month__lte": month_to}
    rollup = MonthlyRollup.objects.filter(**in_range)
    households = MonthlyHouseholds.objects.filter(**in_range)
    if center:
        rollup = rollup.filter(center_id=center.pk)
        groups_households = households.filter(center_id=center.pk)
    else:
        groups_households = households.exclude(center_id=ALL_CENTERS)
    if category:
        rollup = rollup.filter(category=category)
        groups_households = groups_households.filter(category=category)
    else:
        groups_households = groups_households.exclude(category=ALL_CATEGORIES)
    group_households = {
        (row["month"], row["center_id"], row["category"]): row["n"]
        for row in groups_households.order_by()
        .values("month", "center_id", "category")
        .annotate(n=Sum("households"))
    }
    groups = [
        SummaryRow(
            month=row["month"],
            center_id=row["center_id"],
            center_name="",
            category=row["category"],
            distributions=row["total_distributions"],
            households=group_households.get((row["month"], row["center_id"], row["category"]), 0),
            packages=row["total_packages"],
            value=row["total_value"] or Decimal("0.00"),
        )
        for row in rollup.order_by()
        .values("month", "center_id", "category")
        .annotate(
            total_distributions=Sum("distributions"),
            total_packages=Sum("packages"),
            total_value=Sum(
                ExpressionWrapper(
                    F("packages") * F("package__estimated_cost"), output_field=VALUE_FIELD
                )
            ),
        )
    ]
    scope_center, scope_category = _scope(center, category)
    scope = households.filter(center_id=scope_center, category=scope_category).order_by()
    month_households = {}
    overall_households = 0
    for month, previous_month, count in scope.values_list("month", "previous_month", "households"):
        month_households[month] = month_households.get(month, 0) + count
        if previous_month < month_from:
            overall_households += count
    return _finish(report, groups, month_households, overall_households)


def served_distributions(*, month_from, month_to, center=None, category=None):
    """Successful, not-voided log rows in the UTC months from `month_from` to `month_to`."""
    start = datetime.datetime.combine(month_from, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(
        (month_to.replace(day=28) + datetime.timedelta(days=4)).replace(day=1),
        datetime.time.min,
        tzinfo=datetime.UTC,
    )
    logs = DistributionLog.objects.filter(
        transaction_status=DistributionLog.Status.SUCCESS,
        void__isnull=True,
        distribution_date__gte=start,
        distribution_date__lt=end,
    )
    if center:
        logs = logs.filter(center_id=center.pk)
    if category:
        logs = logs.filter(package__category=category)
    return logs


def monthly_summary_from_view(*, month_from, month_to, center=None, category=None):
    """The same report computed the seed's way: vw_monthly_summary plus the log.

    Kept for compatibility and for the benchmark that compares the two designs;
    the view groups the whole log on every read.
    """
    report = MonthlySummaryReport(month_from, month_to, center, category)
    rows = MonthlySummary.objects.filter(
        month__gte=f"{month_from:%Y-%m}", month__lte=f"{month_to:%Y-%m}"
    )
    if center:
        rows = rows.filter(center_id=center.pk)
    if category:
        rows = rows.filter(category=category)
    groups = [
        SummaryRow(
            month=datetime.date.fromisoformat(f"{row.month}-01"),
            center_id=row.center_id,
            center_name=row.center_name,
            category=row.category,
            distributions=row.total_distributions,
            households=row.unique_households,
            packages=row.total_packages,
            value=Decimal(row.total_value).quantize(Decimal("0.01")),
        )
        for row in rows.order_by()
    ]
    served = served_distributions(
        month_from=month_from, month_to=month_to, center=center, category=category
    )
    month_households = {
        (month.date() if isinstance(month, datetime.datetime) else month): count
        for month, count in served.annotate(
            month=TruncMonth("distribution_date", tzinfo=datetime.UTC)
        )
        .order_by()
        .values("month")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("month", "n")
    }
    overall = served.aggregate(n=Count("household_id", distinct=True))["n"] if groups else 0
    return _finish(report, groups, month_households, overall)


# Stock status ---------------------------------------------------------------------


@dataclass
class StockReport:
    rows: list


STATUS_ORDER = {StockStatus.OUT_OF_STOCK: 0, StockStatus.LOW_STOCK: 1, StockStatus.IN_STOCK: 2}


@dataclass
class StockRow:
    center_id: int
    center_name: str
    package_id: int
    package_name: str
    category: str
    quantity_on_hand: int
    reorder_level: int | None
    stock_status: str
    stocked: bool
    last_restock_date: datetime.date | None = None

    @property
    def category_label(self):
        return CATEGORY_LABELS.get(self.category, self.category)


def stock_status(*, centers, packages, status=None):
    """Every center x package with its stock and status, worst first.

    A pair with no inventory row has never been stocked there: it shows as
    OUT_OF_STOCK with `stocked` False. Sorted by status (out, low, in), then by
    how close to its reorder level, then by center and package.
    """
    centers = list(centers.filter(status=DistributionCenter.Status.ACTIVE))
    packages = list(packages.filter(is_active=True))
    stock = {
        (row.center_id, row.package_id): row
        for row in Inventory.objects.filter(center__in=centers, package__in=packages).only(
            "center_id",
            "package_id",
            "quantity_on_hand",
            "reorder_level",
            "last_restock_date",
        )
    }
    rows = []
    for center in centers:
        for package in packages:
            inventory = stock.get((center.pk, package.pk))
            on_hand = inventory.quantity_on_hand if inventory else 0
            reorder = inventory.reorder_level if inventory else None
            row_status = inventory_stock_status(on_hand, reorder or 0)
            if status and row_status != status:
                continue
            rows.append(
                StockRow(
                    center.pk,
                    center.center_name,
                    package.pk,
                    package.package_name,
                    package.category,
                    on_hand,
                    reorder,
                    row_status,
                    inventory is not None,
                    inventory.last_restock_date if inventory else None,
                )
            )
    rows.sort(
        key=lambda r: (
            STATUS_ORDER[r.stock_status],
            r.quantity_on_hand / max(r.reorder_level or 0, 1),
            r.center_name,
            r.package_name,
        )
    )
    return rows


# Eligibility coverage -------------------------------------------------------------


@dataclass
class CoverageRow:
    """Eligibility of one package, at one center or (center_id None) at all centers.

    `not_yet_eligible`: active households whose latest successful, not-voided
    distribution of the package (at this center) is within its validity period;
    `eligible_7_days` / `eligible_30_days`: how many of them may receive it again
    within 7 / 30 days (cumulative). The all-centers row also has `eligible_now`
    (every active household not blocked) and `never_served` (active households
    never served any package of the category).
    """

    center_id: int | None
    center_name: str
    package_id: int
    package_name: str
    category: str
    not_yet_eligible: int = 0
    eligible_7_days: int = 0
    eligible_30_days: int = 0
    eligible_now: int | None = None
    never_served: int | None = None

    @property
    def category_label(self):
        return CATEGORY_LABELS.get(self.category, self.category)

    @property
    def all_centers(self):
        return self.center_id is None


@dataclass
class CoverageReport:
    today: datetime.date
    active_households: int
    never_served_any: int
    rows: list = field(default_factory=list)


# The latest successful, not-voided distribution of each (household, package) among
# the rows recent enough to block it (per-package cutoffs), active households only.
BLOCKING_SQL = """
SELECT l.center_id, l.package_id, DATE(l.distribution_date), COUNT(*)
  FROM (
    SELECT dl.center_id, dl.package_id, dl.distribution_date,
           ROW_NUMBER() OVER (
               PARTITION BY dl.household_id, dl.package_id
               ORDER BY dl.distribution_date DESC, dl.log_id DESC
           ) AS latest
      FROM Distribution_Log dl
      JOIN Households h ON h.household_id = dl.household_id
     WHERE dl.transaction_status = 'success'
       AND dl.distribution_date >= %s
       AND dl.distribution_date >= CASE dl.package_id {cutoffs} END
       AND h.status = 'active'
       AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id)
  ) l
 WHERE l.latest = 1
 GROUP BY l.center_id, l.package_id, DATE(l.distribution_date)
"""

# Households ever served (net of voids), per category ('*' = any), from the
# household rollup: first-time households of the all-centers scope.
SERVED_EVER_SQL = """
SELECT category, SUM(households) FROM Distribution_Monthly_Households
 WHERE center_id = 0 AND previous_month = %s
 GROUP BY category
"""
# Of those, the ones no longer active (few): one index probe per household and category.
SERVED_INACTIVE_SQL = """
SELECT k.category, COUNT(*)
  FROM Households h
 CROSS JOIN ({categories}) k
 WHERE h.status <> 'active'
   AND EXISTS (
       SELECT 1 FROM Distribution_Household_Months hm
        WHERE hm.center_id = 0 AND hm.category = k.category
          AND hm.household_id = h.household_id
   )
 GROUP BY k.category
"""


def coverage(*, centers, packages, today=None):
    """Per package and center: who is blocked now, and who may come back within 7 or 30 days.

    A household may receive a package again `validity_period_days` UTC calendar days
    after its latest successful, not-voided distribution of it (the service's rule),
    at any center. Only distributions inside the validity period block, so only
    those rows of the log are read; "never served" comes from the household rollup.
    """
    from distribution.services import eligibility_cutoff

    today = today or timezone.now().astimezone(datetime.UTC).date()
    packages = {package.pk: package for package in packages.filter(is_active=True)}
    visible = dict(centers.values_list("pk", "center_name"))
    active = Household.objects.filter(status=Household.Status.ACTIVE).count()
    adapt = connection.ops.adapt_datetimefield_value
    categories = [ALL_CATEGORIES, *AidPackage.Category.values]
    with connection.cursor() as cursor:
        cursor.execute(SERVED_EVER_SQL, [FIRST_TIME])
        served_ever = dict(cursor.fetchall())
        cursor.execute(
            SERVED_INACTIVE_SQL.format(
                categories=" UNION ALL ".join(["SELECT %s AS category"] * len(categories))
            ),
            categories,
        )
        served_inactive = dict(cursor.fetchall())
        blocking = []
        if packages:
            cutoffs = {
                pk: eligibility_cutoff(package.validity_period_days, today=today)
                for pk, package in packages.items()
            }
            cursor.execute(
                BLOCKING_SQL.format(cutoffs=" ".join(["WHEN %s THEN %s"] * len(cutoffs))),
                [
                    adapt(min(cutoffs.values())),
                    *(value for pk, cutoff in cutoffs.items() for value in (pk, adapt(cutoff))),
                ],
            )
            blocking = cursor.fetchall()

    def never(category):
        served = int(served_ever.get(category) or 0) - int(served_inactive.get(category) or 0)
        return active - served

    report = CoverageReport(today, active, never(ALL_CATEGORIES))
    rows = {}
    for package in packages.values():
        rows[None, package.pk] = CoverageRow(
            None,
            "All centers",
            package.pk,
            package.package_name,
            package.category,
            eligible_now=active,
            never_served=never(package.category),
        )
    week, month = today + datetime.timedelta(days=7), today + datetime.timedelta(days=30)
    for center_id, package_id, day, count in blocking:
        package = packages[package_id]
        if isinstance(day, str):
            day = datetime.date.fromisoformat(day)
        back = day + datetime.timedelta(days=package.validity_period_days)
        targets = [rows[None, package_id]]
        if center_id in visible:
            if (center_id, package_id) not in rows:
                rows[center_id, package_id] = CoverageRow(
                    center_id,
                    visible[center_id],
                    package_id,
                    package.package_name,
                    package.category,
                )
            targets.append(rows[center_id, package_id])
        for row in targets:
            row.not_yet_eligible += count
            row.eligible_7_days += count if back <= week else 0
            row.eligible_30_days += count if back <= month else 0
        rows[None, package_id].eligible_now -= count
    report.rows = sorted(
        rows.values(),
        key=lambda r: (r.category, r.package_name, not r.all_centers, r.center_name),
    )
    return report
