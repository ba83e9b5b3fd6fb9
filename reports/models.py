"""The rollups behind the reports.

The rollup tables are derived data: database triggers on Distribution_Log (and, for
the coverage counts, on Households) keep them equal to an aggregation over the log
(see migrations 0003 and 0005 and `reports.rollup`), whoever inserts the row (the
Python service, the stored procedure, a void). The triggers only write rows that
belong to one household, or to the (month, center, package) whose inventory row the
same transaction already locks: counters shared by many households (the
"households" tables) receive their changes as per-household pending rows, which
`reports.rollup.fold()` adds to them later, outside the distribution's transaction.
Nothing else in Python writes them except `manage.py rebuild_rollup` and
`generate_load_data` (which rebuilds once after a bulk load).
"""

import datetime

from django.db import models
from django.utils import timezone

from centers.models import DistributionCenter
from inventory.models import AidPackage

# Sentinels of the household rollups: "all centers", "all categories", and the
# previous month of a household served for the first time at a scope.
ALL_CENTERS = 0
ALL_CATEGORIES = "*"
FIRST_TIME = datetime.date(1000, 1, 1)
# Sentinels of the coverage counts: the center of households never served, the
# "package" that counts the households themselves, and the "day" of "ever received".
NO_CENTER = 0
HOUSEHOLDS = 0
ANY_DAY = FIRST_TIME


class MonthlyRollup(models.Model):
    """Successful, not-voided distributions per UTC month, center and package.

    `category` is the package's category when the month's first distribution of it
    at the center was recorded (so a void always finds the row it was counted in);
    the value is computed at read time from the package's current cost, as
    vw_monthly_summary does.
    """

    pk = models.CompositePrimaryKey("month", "center", "package")
    month = models.DateField(help_text="First day of the UTC month.")
    center = models.ForeignKey(
        DistributionCenter,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    package = models.ForeignKey(
        AidPackage,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    category = models.CharField(max_length=9, choices=AidPackage.Category)
    distributions = models.IntegerField()
    packages = models.IntegerField()

    class Meta:
        db_table = "Distribution_Monthly_Rollup"
        ordering = ["-month", "center", "package"]

    def __str__(self):
        return f"{self.month:%Y-%m} center {self.center_id} package {self.package_id}"


class HouseholdMonth(models.Model):
    """A household served (net of voids) in a UTC month, at one scope.

    Four rows per served household and month: (center, category), (center, "*"),
    (0, category) and (0, "*"), where 0 means all centers and "*" all categories.
    `distributions` counts the successes behind the row; the row is deleted when
    voids bring it to zero. Keyed so that a household's months at a scope are
    adjacent: the triggers find the month served before and after a given one.
    """

    pk = models.CompositePrimaryKey("center_id", "category", "household_id", "month")
    center_id = models.IntegerField(help_text="0 = all centers.")
    category = models.CharField(max_length=9, help_text="* = all categories.")
    household_id = models.IntegerField()
    month = models.DateField()
    distributions = models.IntegerField()

    class Meta:
        db_table = "Distribution_Household_Months"

    def __str__(self):
        return f"{self.month:%Y-%m} {self.center_id}/{self.category} household {self.household_id}"


class MonthlyHouseholds(models.Model):
    """Households served (net of voids) in a UTC month at one scope, by the month they
    were served before at that scope (FIRST_TIME if never).

    The households of a month are the sum over `previous_month`. The distinct
    households of a range of months [a, b] are the sum over the months of the range
    of the rows whose `previous_month` is before a: each household is counted once,
    in its first month within the range. So every unique-household figure of the
    monthly summary, for any range, reads a few hundred rows, never the log.
    Maintained by the triggers with HouseholdMonth.
    """

    pk = models.CompositePrimaryKey("center_id", "category", "month", "previous_month")
    center_id = models.IntegerField(help_text="0 = all centers.")
    category = models.CharField(max_length=9, help_text="* = all categories.")
    month = models.DateField()
    previous_month = models.DateField(
        help_text="The month this scope served these households before (1000-01-01: never)."
    )
    households = models.IntegerField()

    class Meta:
        db_table = "Distribution_Monthly_Households"
        verbose_name_plural = "monthly households"

    def __str__(self):
        return (
            f"{self.month:%Y-%m} {self.center_id}/{self.category} "
            f"after {self.previous_month:%Y-%m}: {self.households}"
        )


class MonthlyHouseholdsPending(models.Model):
    """Changes to MonthlyHouseholds not yet added to it, one row per household and key.

    The triggers write here instead of MonthlyHouseholds, so that distributions to
    different households never update the same row (a shared counter would be
    locked by every first distribution of a month until its commit);
    `reports.rollup.fold()` moves the sums into MonthlyHouseholds.
    """

    pk = models.CompositePrimaryKey(
        "household_id", "center_id", "category", "month", "previous_month"
    )
    household_id = models.IntegerField()
    center_id = models.IntegerField()
    category = models.CharField(max_length=9)
    month = models.DateField()
    previous_month = models.DateField()
    households = models.IntegerField(help_text="The change: +1, -1 (0 once they cancel out).")

    class Meta:
        db_table = "Distribution_Monthly_Households_Pending"
        verbose_name_plural = "monthly households pending"

    def __str__(self):
        return (
            f"household {self.household_id}: {self.month:%Y-%m} {self.center_id}/"
            f"{self.category} after {self.previous_month:%Y-%m}: {self.households:+d}"
        )


class LastService(models.Model):
    """The latest successful, not-voided distribution of each household served (any
    package): the center that "has" the household in the coverage report."""

    household_id = models.IntegerField(primary_key=True)
    center_id = models.IntegerField()
    served_at = models.DateTimeField()
    log_id = models.IntegerField()

    class Meta:
        db_table = "Coverage_Last_Service"

    def __str__(self):
        return f"household {self.household_id}: center {self.center_id} (log {self.log_id})"


class LastPackage(models.Model):
    """The UTC day of each household's latest successful, not-voided distribution of
    each package it ever received (what its eligibility for that package depends on)."""

    pk = models.CompositePrimaryKey("household_id", "package_id")
    household_id = models.IntegerField()
    package_id = models.IntegerField()
    day = models.DateField()

    class Meta:
        db_table = "Coverage_Last_Package"

    def __str__(self):
        return f"household {self.household_id}: package {self.package_id} on {self.day}"


class CoverageCount(models.Model):
    """Active households by the center that last served them (0: never served), and
    by the day they last received each package.

    - (ANY_DAY, center, HOUSEHOLDS): the center's active households;
    - (ANY_DAY, center, package): those of them that ever received the package;
    - (day, center, package): those whose latest distribution of it was on `day`.
    Keyed by day first: the report reads ANY_DAY and the days still inside a
    validity period, a few thousand rows.
    """

    pk = models.CompositePrimaryKey("day", "center_id", "package_id")
    day = models.DateField()
    center_id = models.IntegerField(help_text="0 = never served.")
    package_id = models.IntegerField(help_text="0 = the households themselves.")
    households = models.IntegerField()

    class Meta:
        db_table = "Coverage_Counts"

    def __str__(self):
        return f"{self.day} center {self.center_id} package {self.package_id}: {self.households}"


class CoverageCountPending(models.Model):
    """Changes to CoverageCount not yet added to it, one row per household and key."""

    pk = models.CompositePrimaryKey("household_id", "day", "center_id", "package_id")
    household_id = models.IntegerField()
    day = models.DateField()
    center_id = models.IntegerField()
    package_id = models.IntegerField()
    households = models.IntegerField()

    class Meta:
        db_table = "Coverage_Counts_Pending"

    def __str__(self):
        return (
            f"household {self.household_id}: {self.day} center {self.center_id} "
            f"package {self.package_id}: {self.households:+d}"
        )


class RollupBulkLoad(models.Model):
    """Marks the transaction of a bulk load, whose inserts the rollup triggers skip.

    Only `generate_load_data` writes it, inside its one transaction: it inserts its
    row, loads, rebuilds the rollups from the log, and deletes the row before the
    commit, so no other transaction ever sees it. The SQLite triggers look for this
    row; the MySQL/MariaDB triggers read the session variable
    @aidtracker_rollup_bulk_load, which the command sets to its CONNECTION_ID() for
    the same span (a variable costs the triggers no table access per insert).
    """

    connection_id = models.BigIntegerField(help_text="CONNECTION_ID() on MySQL; 0 on SQLite.")
    command = models.CharField(max_length=50)
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "Rollup_Bulk_Load"

    def __str__(self):
        return f"{self.command} (connection {self.connection_id})"
