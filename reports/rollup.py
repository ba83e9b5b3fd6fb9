"""Rebuild the report rollups from Distribution_Log, and verify them against it.

The triggers of migration 0003 keep three tables equal to aggregations over the
log (successful distributions with no void pointing at them, per UTC month):

- Distribution_Monthly_Rollup: distributions and packages per (month, center, package);
- Distribution_Household_Months: one row per household served in a month, at four
  (center, category) scopes, 0 meaning all centers and '*' all categories;
- Distribution_Monthly_Households: those households counted per scope and month, by
  the month the scope served them before (FIRST_TIME if never).

`rebuild()` recomputes all three; `verify()` recomputes the expected figures from
the log in one consistent snapshot and lists every difference.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction

from inventory.models import Inventory

ROLLUP_TABLES = (
    "Distribution_Monthly_Households",
    "Distribution_Household_Months",
    "Distribution_Monthly_Rollup",
)

# Served = successful and not voided, as vw_monthly_summary counts it.
SERVED = """
    FROM Distribution_Log dl
    JOIN Aid_Packages ap ON ap.package_id = dl.package_id
   WHERE dl.transaction_status = 'success'
     AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id)"""

# (center expression, category expression) of each household scope.
SCOPES = (
    ("dl.center_id", "ap.category"),
    ("dl.center_id", "'*'"),
    ("0", "ap.category"),
    ("0", "'*'"),
)

# A household id mix for the digest of Distribution_Household_Months (see verify()).
DIGEST_MODULUS = 1009


def month_of(column, vendor=None):
    """Return SQL for the first day of the UTC month of a DATETIME column."""
    vendor = vendor or connection.vendor
    if vendor == "mysql":
        return f"CAST(DATE_FORMAT({column}, '%Y-%m-01') AS DATE)"
    return f"date({column}, 'start of month')"


def first_time(vendor=None):
    """Return the SQL literal of FIRST_TIME, the previous month of a first-time household."""
    vendor = vendor or connection.vendor
    return "DATE '1000-01-01'" if vendor == "mysql" else "'1000-01-01'"


def counted_by_previous_month(presence, vendor=None):
    """Return SQL counting households per (center, category, month, previous month).

    `presence` is a query (or table) with one row per (center_id, category,
    household_id, month) where a household was served.
    """
    return f"""
        SELECT s.center_id, s.category, s.month, s.previous_month, COUNT(*) AS households
          FROM (
            SELECT center_id, category, month,
                   COALESCE(
                       LAG(month) OVER (
                           PARTITION BY center_id, category, household_id ORDER BY month
                       ),
                       {first_time(vendor)}
                   ) AS previous_month
              FROM {presence}
          ) s
         GROUP BY s.center_id, s.category, s.month, s.previous_month"""


def _group_by(*expressions):
    """GROUP BY the expressions that are not constants (a number there is a position)."""
    return ", ".join(e for e in expressions if e not in ("0", "'*'"))


def fill_statements(vendor=None):
    """Return the INSERT ... SELECT statements that fill the (empty) rollup tables."""
    month = month_of("dl.distribution_date", vendor)
    scopes = "\n UNION ALL ".join(
        f"SELECT {center} AS center_id, {category} AS category, dl.household_id, "
        f"{month} AS month, COUNT(*) AS distributions {SERVED}\n"
        f" GROUP BY {_group_by(center, category, 'dl.household_id', month)}"
        for center, category in SCOPES
    )
    return [
        f"""
        INSERT INTO Distribution_Monthly_Rollup
            (month, center_id, package_id, category, distributions, packages)
        SELECT {month}, dl.center_id, dl.package_id, ap.category,
               COUNT(*), SUM(dl.quantity_distributed)
        {SERVED}
         GROUP BY {month}, dl.center_id, dl.package_id, ap.category
        """,
        f"""
        INSERT INTO Distribution_Household_Months
            (center_id, category, household_id, month, distributions)
        {scopes}
        """,
        f"""
        INSERT INTO Distribution_Monthly_Households
            (center_id, category, month, previous_month, households)
        {counted_by_previous_month("Distribution_Household_Months", vendor)}
        """,
    ]


def rebuild():
    """Recompute the rollups from the log, in one transaction; return their row counts.

    Every inventory row is locked first: each distribution and void (service and
    stored procedure) locks its inventory row before it writes the log, so none
    can slip in between the delete and the refill. Rows inserted into the log by
    other means (bulk loads) should not run at the same time.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        list(Inventory.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        for table in ROLLUP_TABLES:
            cursor.execute(f"DELETE FROM {table}")
        for statement in fill_statements():
            cursor.execute(statement)
        counts = {}
        for table in ROLLUP_TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


@dataclass
class Verification:
    """Differences between the rollups and the log; empty `problems` means they agree."""

    problems: list = field(default_factory=list)
    checked: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.problems


def _rows(cursor, sql):
    cursor.execute(sql)
    return cursor.fetchall()


def _key(values):
    return tuple(str(value) for value in values)


def _compare(result, name, expected, actual, limit):
    """Record every key whose values differ between two {key: values} dicts."""
    result.checked[name] = len(expected)
    differences = 0
    for key in sorted(expected.keys() | actual.keys()):
        want, have = expected.get(key), actual.get(key)
        if want != have:
            differences += 1
            if differences <= limit:
                result.problems.append(f"{name} {key}: expected {want}, found {have}")
    if differences > limit:
        result.problems.append(f"{name}: {differences - limit} more difference(s)")


def verify(limit=20):
    """Compare the rollups with aggregations over the log, in one consistent snapshot.

    The monthly rollup and the household counts are compared row by row. The
    household rows (as many as the served distributions) are compared through a
    digest per scope and month: their number, total distributions, sum of
    household ids and a weighted mix of them.
    """
    result = Verification()
    month = month_of("dl.distribution_date")
    if connection.vendor == "mysql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            # The next transaction reads one snapshot, whatever is committed meanwhile.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    with transaction.atomic(), connection.cursor() as cursor:
        expected = {
            _key(row[:3]): (row[3], int(row[4]), int(row[5]))
            for row in _rows(
                cursor,
                f"SELECT {month}, dl.center_id, dl.package_id, ap.category, COUNT(*), "
                f"SUM(dl.quantity_distributed) {SERVED} "
                f"GROUP BY {month}, dl.center_id, dl.package_id, ap.category",
            )
        }
        actual = {
            _key(row[:3]): (row[3], int(row[4]), int(row[5]))
            for row in _rows(
                cursor,
                "SELECT month, center_id, package_id, category, distributions, packages "
                "FROM Distribution_Monthly_Rollup",
            )
        }
        _compare(result, "Distribution_Monthly_Rollup", expected, actual, limit)

        expected_digest, expected_counts = {}, {}
        for center, category in SCOPES:
            presence = (
                f"(SELECT {center} AS center_id, {category} AS category, "
                f"dl.household_id, {month} AS month, COUNT(*) AS n {SERVED} "
                f"GROUP BY {_group_by(center, category, 'dl.household_id', month)}) p"
            )
            for row in _rows(
                cursor,
                f"SELECT month, center_id, category, COUNT(*), SUM(n), SUM(household_id), "
                f"SUM((household_id % {DIGEST_MODULUS}) * n) FROM {presence} "
                f"GROUP BY month, center_id, category",
            ):
                expected_digest[_key(row[:3])] = tuple(int(value) for value in row[3:])
            for row in _rows(cursor, counted_by_previous_month(presence)):
                expected_counts[_key(row[:4])] = int(row[4])
        actual_digest = {
            _key(row[:3]): tuple(int(value) for value in row[3:])
            for row in _rows(
                cursor,
                f"SELECT month, center_id, category, COUNT(*), SUM(distributions), "
                f"SUM(household_id), SUM((household_id % {DIGEST_MODULUS}) * distributions) "
                f"FROM Distribution_Household_Months GROUP BY month, center_id, category",
            )
        }
        _compare(
            result,
            "Distribution_Household_Months (digest per scope and month)",
            expected_digest,
            actual_digest,
            limit,
        )
        actual_counts = {
            _key(row[:4]): int(row[4])
            for row in _rows(
                cursor,
                "SELECT center_id, category, month, previous_month, households "
                "FROM Distribution_Monthly_Households",
            )
        }
        _compare(result, "Distribution_Monthly_Households", expected_counts, actual_counts, limit)
        bad = _rows(
            cursor, "SELECT COUNT(*) FROM Distribution_Household_Months WHERE distributions <= 0"
        )[0][0]
        if bad:
            result.problems.append(
                f"Distribution_Household_Months: {bad} row(s) with no distributions"
            )
    return result
