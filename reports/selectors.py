"""Reads behind the report pages: monthly summary, stock status, eligibility coverage,
owed items.

Every figure counts successful distributions net of voids (a `success` row with no
`cancelled` row pointing at it), by UTC month, as the seed's vw_monthly_summary
defines them. The monthly summary and the coverage report read the trigger-maintained
rollups (a few thousand rows whatever the size of the log; the monthly summary's people
reached, in reports.people, join the households served): a shared counter's value
is its row plus its pending changes, read together, so that reading a report never
writes (it works on a read-only connection or replica; folding the pending changes
into the counters is a scheduled job, `manage.py fold_rollups`).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from centers.models import DistributionCenter
from distribution.models import DistributionLog
from distribution.rules import eligibility_cutoff, served
from distribution.selectors import open_owed_items
from inventory.models import AidPackage, Inventory, StockStatus
from inventory.stock import stock_status as inventory_stock_status

from .filters import months_between
from .models import (
    ALL_CATEGORIES,
    ALL_CENTERS,
    ANY_DAY,
    HOUSEHOLDS,
    NO_CENTER,
    CoverageCount,
    CoverageCountPending,
    MonthlyHouseholds,
    MonthlyHouseholdsPending,
    MonthlyRollup,
)
from .people import PeopleReached, add_people_reached, range_people

CATEGORY_LABELS = dict(AidPackage.Category.choices)
VALUE_FIELD = DecimalField(max_digits=16, decimal_places=2)


def counter_values(counter, pending, condition, *, fields, exclude=None):
    """{values of `fields`: households} over a shared counter and its pending changes.

    The pending rows are what the triggers wrote since the last fold; adding them
    here gives the counter's current value without folding, so a report page never
    writes. `condition` and `exclude` are Q objects valid on both tables.
    """
    totals = defaultdict(int)
    for model in (counter, pending):
        rows = model.objects.filter(condition)
        if exclude is not None:
            rows = rows.exclude(exclude)
        for row in rows.order_by().values_list(*fields).annotate(n=Sum("households")):
            totals[row[:-1]] += row[-1]
    return totals


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
    people: PeopleReached = field(default_factory=PeopleReached)

    @property
    def category_label(self):
        return CATEGORY_LABELS.get(self.category) or gettext("All categories")

    @property
    def month_label(self):
        """The month as the exports write it (ISO, HXL's #date), or the whole range."""
        return f"{self.month:%Y-%m}" if self.month else gettext("All months")


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


def assemble_summary(report, groups, month_households, overall_households):
    """Sort the groups, and add month totals and the overall row from them."""
    names = _center_names(row.center_id for row in groups)
    for row in groups:
        row.center_name = names.get(row.center_id) or gettext("Center %(id)s") % {
            "id": row.center_id
        }
    groups.sort(key=lambda r: (-r.month.toordinal(), r.center_name, r.category))
    report.rows = groups
    center_name = report.center.center_name if report.center else gettext("All centers")
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


def _monthly_households(condition, *, fields, exclude=None):
    return counter_values(
        MonthlyHouseholds, MonthlyHouseholdsPending, condition, fields=fields, exclude=exclude
    )


def monthly_summary(
    *, month_from, month_to, center=None, category=None, with_people=False, disaggregate_rows=False
):
    """The monthly summary from the rollups: four small indexed queries at any log size;
    `with_people` adds the people reached (reports.people: three queries that join the
    households served, so they cost time in proportion to them: the page loads them
    apart, with `monthly_people`; the exports carry them).

    Unique households cannot be added up across centers, categories or months, so
    each figure reads Distribution_Monthly_Households at its own scope: a group's
    households are its (center, category) rows of the month, a month total the
    rows of the filter's scope, and the overall figure the rows of the range whose
    previous month is before the range (each household once, at its first month).
    The overall row always has its people by sex and age group; `disaggregate_rows`
    reads them for every row and month total too (one more query, for the exports).
    """
    report = MonthlySummaryReport(month_from, month_to, center, category)
    in_range = {"month__gte": month_from, "month__lte": month_to}
    monthly = MonthlyRollup.objects.filter(**in_range)
    group_filters, group_exclude = Q(**in_range), Q()
    if center:
        monthly = monthly.filter(center_id=center.pk)
        group_filters &= Q(center_id=center.pk)
    else:
        group_exclude |= Q(center_id=ALL_CENTERS)
    if category:
        monthly = monthly.filter(category=category)
        group_filters &= Q(category=category)
    else:
        group_exclude |= Q(category=ALL_CATEGORIES)
    group_households = _monthly_households(
        group_filters, fields=("month", "center_id", "category"), exclude=group_exclude or None
    )
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
        for row in monthly.order_by()
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
    scope = _monthly_households(
        Q(**in_range, center_id=scope_center, category=scope_category),
        fields=("month", "previous_month"),
    )
    month_households = {}
    overall_households = 0
    for (month, previous_month), count in scope.items():
        month_households[month] = month_households.get(month, 0) + count
        if previous_month < month_from:
            overall_households += count
    assemble_summary(report, groups, month_households, overall_households)
    if not with_people:
        return report
    return add_people_reached(
        report,
        scope=(scope_center, scope_category),
        groups=(center.pk if center else None, category),
        disaggregate_rows=disaggregate_rows,
    )


def monthly_people(*, month_from, month_to, center=None, category=None):
    """People reached by the monthly summary's filters over the whole range, by sex and
    age group (PeopleReached): each household served once, whatever its months."""
    return range_people(month_from=month_from, month_to=month_to, scope=_scope(center, category))


def served_distributions(*, month_from, month_to, center=None, category=None):
    """Successful, not-voided log rows in the UTC months from `month_from` to `month_to`."""
    start = datetime.datetime.combine(month_from, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(
        (month_to.replace(day=28) + datetime.timedelta(days=4)).replace(day=1),
        datetime.time.min,
        tzinfo=datetime.UTC,
    )
    logs = DistributionLog.objects.filter(
        served(),
        distribution_date__gte=start,
        distribution_date__lt=end,
    )
    if center:
        logs = logs.filter(center_id=center.pk)
    if category:
        logs = logs.filter(package__category=category)
    return logs


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

    @property
    def stock_status_label(self):
        return StockStatus(self.stock_status).label


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
    """Eligibility of one package among one center's households, or (center_id None)
    among all active households.

    A center's households are the active households whose most recent successful,
    not-voided distribution (of any package) was at that center: each served
    household belongs to exactly one center, so the center rows add up to the
    all-centers row, less the households never served (who belong to no center).
    Whether a household may receive the package does not depend on the center: a
    distribution of it at any center within its validity period blocks it.

    `not_yet_eligible`: households blocked now; `eligible_7_days` / `eligible_30_days`:
    how many of them may receive it again within 7 / 30 days (cumulative);
    `never_received`: households that never received this package (eligible now).
    """

    center_id: int | None
    center_name: str
    package_id: int
    package_name: str
    category: str
    households: int = 0
    not_yet_eligible: int = 0
    eligible_7_days: int = 0
    eligible_30_days: int = 0
    never_received: int = 0

    @property
    def eligible_now(self):
        return self.households - self.not_yet_eligible

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


def coverage(*, centers, packages, today=None):
    """Per package, for all active households and for each center's: blocked now, back
    within 7 or 30 days, never received.

    A household may receive a package again `validity_period_days` UTC calendar days
    after its latest successful, not-voided distribution of it (the service's rule).
    Reads Coverage_Counts: the days still inside a validity period and the "ever"
    rows, a few thousand rows whatever the size of the log.
    """

    today = today or timezone.now().astimezone(datetime.UTC).date()
    packages = {package.pk: package for package in packages.filter(is_active=True)}
    visible = dict(centers.values_list("pk", "center_name"))
    first_blocked = {
        pk: eligibility_cutoff(package.validity_period_days, today=today).date()
        for pk, package in packages.items()
    }
    first_day = min(first_blocked.values(), default=today)
    counts = counter_values(
        CoverageCount,
        CoverageCountPending,
        Q(day=ANY_DAY) | Q(day__gte=first_day),
        fields=("day", "center_id", "package_id"),
    )

    households = defaultdict(int)  # center -> its active households (NO_CENTER: never served)
    received = defaultdict(int)  # (center, package) -> households that ever received it
    blocked = defaultdict(list)  # (center, package) -> [(day of the latest one, households)]
    for (day, center_id, package_id), count in counts.items():
        if day == ANY_DAY and package_id == HOUSEHOLDS:
            households[center_id] += count
        elif day == ANY_DAY:
            received[center_id, package_id] += count
        elif package_id in packages and day >= first_blocked[package_id]:
            blocked[center_id, package_id].append((day, count))

    active = sum(households.values())
    report = CoverageReport(today, active, households[NO_CENTER])
    week, month = today + datetime.timedelta(days=7), today + datetime.timedelta(days=30)
    served_centers = [center_id for center_id in households if center_id != NO_CENTER]
    for package in packages.values():
        everywhere = CoverageRow(
            None, gettext("All centers"), package.pk, package.package_name, package.category, active
        )
        everywhere.never_received = active - sum(
            received[center_id, package.pk] for center_id in served_centers
        )
        rows = {None: everywhere}
        for center_id, center_name in visible.items():
            row = rows[center_id] = CoverageRow(
                center_id,
                center_name,
                package.pk,
                package.package_name,
                package.category,
                households[center_id],
            )
            row.never_received = row.households - received[center_id, package.pk]
        for center_id in served_centers:
            for day, count in blocked[center_id, package.pk]:
                back = day + datetime.timedelta(days=package.validity_period_days)
                for row in (everywhere, rows.get(center_id)):
                    if row is not None:
                        row.not_yet_eligible += count
                        row.eligible_7_days += count if back <= week else 0
                        row.eligible_30_days += count if back <= month else 0
        report.rows.extend(rows.values())
    report.rows.sort(
        key=lambda r: (r.category, r.package_name, r.package_id, not r.all_centers, r.center_name)
    )
    return report


# Owed items -----------------------------------------------------------------------


@dataclass
class OwedRow:
    """The open owed items of one package created at one center.

    `households`: households owed some of it; `units`: units still owed (owed less
    what served successes under them handed out); `earliest_expiry`: the UTC day the
    first of them lapses.
    """

    center_id: int
    center_name: str
    package_id: int
    package_name: str
    category: str
    households: int
    units: int
    earliest_expiry: datetime.date

    @property
    def category_label(self):
        return CATEGORY_LABELS.get(self.category, self.category)


@dataclass
class OwedReport:
    now: datetime.datetime
    households: int = 0  # households owed anything, each once
    units: int = 0
    rows: list = field(default_factory=list)


def owed_report(*, centers, packages, now=None):
    """One OwedRow per center and package with open owed items, the first to lapse first.

    Open as `distribution.selectors.open_owed_items` defines it; an item belongs to
    the center where it was created. Two grouped queries, whatever the size of the log.
    """
    now = now or timezone.now()
    items = open_owed_items(now=now).filter(center__in=centers, package__in=packages)
    report = OwedReport(now)
    for row in (
        items.order_by()
        .values(
            "center_id",
            "center__center_name",
            "package_id",
            "package__package_name",
            "package__category",
        )
        .annotate(
            households=Count("household_id", distinct=True),
            units=Sum("quantity"),
            earliest=Min("expires_at"),
        )
    ):
        report.rows.append(
            OwedRow(
                center_id=row["center_id"],
                center_name=row["center__center_name"],
                package_id=row["package_id"],
                package_name=row["package__package_name"],
                category=row["package__category"],
                households=row["households"],
                units=row["units"],
                earliest_expiry=row["earliest"].astimezone(datetime.UTC).date(),
            )
        )
        report.units += row["units"]
    report.rows.sort(
        key=lambda r: (r.earliest_expiry, r.center_name, r.package_name, r.center_id, r.package_id)
    )
    if report.rows:
        report.households = items.order_by().values("household_id").distinct().count()
    return report
