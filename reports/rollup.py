"""Rebuild the report rollups from Distribution_Log, verify them against it, fold them.

The triggers in reports/sql/ (installed by migrations 0003 and 0005) keep these
tables equal to aggregations over the log (successful distributions with no void
pointing at them, per UTC month or day):

- Distribution_Monthly_Rollup: distributions and packages per (month, center, package);
- Distribution_Household_Months: one row per household served in a month, at four
  (center, category) scopes, 0 meaning all centers and '*' all categories;
- Distribution_Monthly_Households: those households counted per scope and month, by
  the month the scope served them before (FIRST_TIME if never);
- Coverage_Last_Service / Coverage_Last_Package: each household's latest distribution
  (and its center), and the day of its latest one of each package;
- Coverage_Counts: active households per center that last served them, per package
  ever received and per day of the latest one (see reports.models.CoverageCount).

The two counter tables shared by many households (Distribution_Monthly_Households,
Coverage_Counts) are not written by the triggers: they write per-household pending
changes (`*_Pending`), and `fold()` adds them to the counters in a short transaction
of its own, so that a distribution never waits for another household's. The value
of a counter is its row plus its pending rows, and the report pages read it so: they
never write. Folding is a scheduled job on the primary (`rebuild_rollup --fold`).

`rebuild()` puts back any trigger that differs from its released file and recomputes
everything; `verify()` names such triggers, recomputes the expected figures from
the log in one consistent snapshot and lists every difference.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.db import connection, transaction

from core.db.retry import atomic_with_retries
from distribution.rules import served_sql
from reports import triggers

# Everything the triggers maintain, emptied in this order by rebuild().
ROLLUP_TABLES = (
    "Distribution_Monthly_Households",
    "Distribution_Household_Months",
    "Distribution_Monthly_Rollup",
)
PENDING_TABLES = ("Distribution_Monthly_Households_Pending", "Coverage_Counts_Pending")
COVERAGE_TABLES = ("Coverage_Counts", "Coverage_Last_Service", "Coverage_Last_Package")
ALL_TABLES = (*PENDING_TABLES, *ROLLUP_TABLES, *COVERAGE_TABLES)


@dataclass(frozen=True)
class Counter:
    """A counter table shared by many households, and the table of its pending changes."""

    table: str
    pending: str
    key: tuple  # the counter's primary key; the pending table's is (household_id, *key)


MONTHLY_HOUSEHOLDS = Counter(
    "Distribution_Monthly_Households",
    "Distribution_Monthly_Households_Pending",
    ("center_id", "category", "month", "previous_month"),
)
COVERAGE_COUNTS = Counter(
    "Coverage_Counts", "Coverage_Counts_Pending", ("day", "center_id", "package_id")
)
COUNTERS = (MONTHLY_HOUSEHOLDS, COVERAGE_COUNTS)

# The served log rows (distribution.rules), with and without their packages.
SERVED = f"""
    FROM Distribution_Log dl
    JOIN Aid_Packages ap ON ap.package_id = dl.package_id
   WHERE {served_sql("dl")}"""
SERVED_LOG = f"""
    FROM Distribution_Log dl
   WHERE {served_sql("dl")}"""

# (center expression, category expression) of each household scope.
SCOPES = (
    ("dl.center_id", "ap.category"),
    ("dl.center_id", "'*'"),
    ("0", "ap.category"),
    ("0", "'*'"),
)

# A household id mix for the digest of Distribution_Household_Months (see verify()).
DIGEST_MODULUS = 1009
# Pending rows folded per transaction (MySQL/MariaDB), and deleted per statement.
FOLD_BATCH = 5000
DELETE_BATCH = 500


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


def day_of(column, vendor=None):
    """Return SQL for the UTC date of a DATETIME column (stored in UTC on both vendors)."""
    vendor = vendor or connection.vendor
    return f"DATE({column})" if vendor == "mysql" else f"date({column})"


def _group_by(*expressions):
    """GROUP BY the expressions that are not constants (a number there is a position)."""
    return ", ".join(e for e in expressions if e not in ("0", "'*'"))


def latest_service(vendor=None):
    """SQL of each served household's latest distribution: household, center, date, log id."""
    return f"""
        SELECT x.household_id, x.center_id, x.distribution_date, x.log_id
          FROM (
            SELECT dl.household_id, dl.center_id, dl.distribution_date, dl.log_id,
                   ROW_NUMBER() OVER (
                       PARTITION BY dl.household_id
                       ORDER BY dl.distribution_date DESC, dl.log_id DESC
                   ) AS latest
            {SERVED_LOG}
          ) x
         WHERE x.latest = 1"""


def latest_packages(vendor=None):
    """SQL of each (household, package) served: the UTC day of the latest distribution."""
    return f"""
        SELECT dl.household_id, dl.package_id, MAX({day_of("dl.distribution_date", vendor)}) AS day
        {SERVED_LOG}
         GROUP BY dl.household_id, dl.package_id"""


def coverage_counts(last_service, last_package, vendor=None):
    """SQL of Coverage_Counts' rows (day, center_id, package_id, households) from the two
    "latest" relations (tables or subqueries) and the households' current status."""
    any_day = first_time(vendor)
    active = f"""
          FROM {last_package} k
          JOIN {last_service} s ON s.household_id = k.household_id
          JOIN Households h ON h.household_id = k.household_id
         WHERE h.status = 'active'"""
    return f"""
        SELECT {any_day} AS day, COALESCE(s.center_id, 0) AS center_id, 0 AS package_id,
               COUNT(*) AS households
          FROM Households h
          LEFT JOIN {last_service} s ON s.household_id = h.household_id
         WHERE h.status = 'active'
         GROUP BY COALESCE(s.center_id, 0)
        UNION ALL
        SELECT {any_day}, s.center_id, k.package_id, COUNT(*)
        {active}
         GROUP BY s.center_id, k.package_id
        UNION ALL
        SELECT k.day, s.center_id, k.package_id, COUNT(*)
        {active}
         GROUP BY k.day, s.center_id, k.package_id"""


def fill_statements(vendor=None):
    """Return the INSERT ... SELECT statements that fill the (empty) rollup tables.

    The log is grouped once per table: Distribution_Household_Months' (center,
    category) rows come from the log, its three wider scopes from those rows.
    """
    vendor = vendor or connection.vendor
    month = month_of("dl.distribution_date", vendor)
    wider = "\n UNION ALL ".join(
        f"SELECT {center} AS center_id, {category} AS category, household_id, month, "
        f"SUM(distributions) FROM Distribution_Household_Months "
        f"WHERE center_id <> 0 AND category <> '*' "
        f"GROUP BY {_group_by(center, category, 'household_id', 'month')}"
        for center, category in (("center_id", "'*'"), ("0", "category"), ("0", "'*'"))
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
        SELECT dl.center_id, ap.category, dl.household_id, {month}, COUNT(*)
        {SERVED}
         GROUP BY dl.center_id, ap.category, dl.household_id, {month}
        """,
        f"""
        INSERT INTO Distribution_Household_Months
            (center_id, category, household_id, month, distributions)
        {wider}
        """,
        f"""
        INSERT INTO Distribution_Monthly_Households
            (center_id, category, month, previous_month, households)
        {counted_by_previous_month("Distribution_Household_Months", vendor)}
        """,
        f"""
        INSERT INTO Coverage_Last_Package (household_id, package_id, day)
        {latest_packages(vendor)}
        """,
        f"""
        INSERT INTO Coverage_Last_Service (household_id, center_id, served_at, log_id)
        {latest_service(vendor)}
        """,
        f"""
        INSERT INTO Coverage_Counts (day, center_id, package_id, households)
        {coverage_counts("Coverage_Last_Service", "Coverage_Last_Package", vendor)}
        """,
    ]


def _lock_writers(cursor):
    """Block every writer of the rollups until the end of the transaction.

    Each distribution and void (service and stored procedure) locks its inventory
    row before it writes the log, and a change of a household's status locks the
    household's row. On SQLite the transaction already excludes every other writer.
    """
    if connection.vendor != "mysql":
        return
    # By primary key: MariaDB would otherwise scan a secondary index and lock each
    # row through it (35 s instead of 0.7 s for a million households).
    for table in ("Inventory", "Households"):
        cursor.execute(f"SELECT COUNT(*) FROM {table} FORCE INDEX (PRIMARY) FOR UPDATE")
        cursor.fetchall()


def rebuild():
    """Recompute the rollups from the log, in one transaction; return their row counts.

    Rows inserted into the log by other means than the service and the stored
    procedure (bulk loads, bare clients) should not run at the same time. The
    transaction is retried when it loses a deadlock, or on a Galera cluster when a
    distribution committed meanwhile through another node (whose writers its locks
    cannot hold off) makes its commit fail certification: each attempt starts from
    the log afresh.
    """
    triggers.reinstall_drifted_triggers()  # DDL: before the transaction (MySQL commits)
    return atomic_with_retries(_rebuild_in_transaction)


def _rebuild_in_transaction():
    with connection.cursor() as cursor:
        _lock_writers(cursor)
        for table in ALL_TABLES:
            cursor.execute(f"DELETE FROM {table}")
        for statement in fill_statements():
            cursor.execute(statement)
        counts = {}
        for table in (*ROLLUP_TABLES, *COVERAGE_TABLES):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


# Folding -----------------------------------------------------------------------------


def has_pending(*counters):
    """Return True if any of `counters` (default: all) has changes not yet folded."""
    counters = counters or COUNTERS
    exists = " UNION ALL ".join(
        f"SELECT 1 FROM (SELECT 1 AS x FROM {counter.pending} LIMIT 1) p{n}"
        for n, counter in enumerate(counters)
    )
    with connection.cursor() as cursor:
        cursor.execute(exists)
        return cursor.fetchone() is not None


def _delete_keys(cursor, table, columns, keys, condition=""):
    """DELETE the rows of `table` whose primary key (`columns`) is one of `keys`."""
    join = " AND ".join(f"p.{column} = k.{column}" for column in columns)
    for start in range(0, len(keys), DELETE_BATCH):
        chunk = keys[start : start + DELETE_BATCH]
        if connection.vendor == "mysql":
            row = "SELECT " + ", ".join(f"%s AS {column}" for column in columns)
            cursor.execute(
                f"DELETE p FROM ({' UNION ALL '.join([row] * len(chunk))}) k "
                f"STRAIGHT_JOIN {table} p ON {join} {condition}",
                [value for key in chunk for value in key],
            )
        else:
            cursor.executemany(
                f"DELETE FROM {table} AS p WHERE "
                + " AND ".join(f"p.{column} = %s" for column in columns)
                + f" {condition}",
                chunk,
            )


def _fold_batch(cursor, counter, limit):
    """Fold up to `limit` committed pending rows of `counter`; return how many were read."""
    columns = ("household_id", *counter.key)
    select = f"SELECT {', '.join(columns)}, households FROM {counter.pending}"
    if connection.vendor == "mysql":
        # Rows a distribution is writing stay for the next fold: never wait for one.
        select += f" ORDER BY {', '.join(columns)} LIMIT {int(limit)} FOR UPDATE SKIP LOCKED"
    cursor.execute(select)
    rows = cursor.fetchall()
    if not rows:
        return 0
    sums = defaultdict(int)
    for row in rows:
        sums[tuple(row[1:-1])] += row[-1]
    # Sorted, so that two folds lock counter rows in the same order.
    changed = sorted((key, delta) for key, delta in sums.items() if delta)
    key_columns = ", ".join(counter.key)
    placeholders = ", ".join(["%s"] * (len(counter.key) + 1))
    if connection.vendor == "mysql":
        upsert = "ON DUPLICATE KEY UPDATE households = households + VALUES(households)"
    else:
        upsert = (
            f"ON CONFLICT ({key_columns}) "
            "DO UPDATE SET households = households + excluded.households"
        )
    if changed:
        cursor.executemany(
            f"INSERT INTO {counter.table} ({key_columns}, households) "
            f"VALUES ({placeholders}) {upsert}",
            [(*key, delta) for key, delta in changed],
        )
    # Deleted by their whole primary key, through a join from the keys read (each row
    # looked up alone): a range over several keys (row IN, OR) would also read the
    # next row of the index, and wait if a distribution holds it.
    emptied = [key for key, delta in changed if delta < 0]
    if emptied:
        _delete_keys(cursor, counter.table, counter.key, emptied, "AND p.households = 0")
    if connection.vendor == "mysql":
        _delete_keys(cursor, counter.pending, columns, [row[:-1] for row in rows])
    else:
        # This transaction excludes every other writer: it read every pending row.
        cursor.execute(f"DELETE FROM {counter.pending}")
    return len(rows)


def _fold_counter_batch(counter):
    with connection.cursor() as cursor:
        return _fold_batch(cursor, counter, FOLD_BATCH)


def fold(*counters):
    """Add the pending changes of `counters` (default: all) to them; return rows folded.

    Each batch is its own short transaction, retried when it loses a deadlock to
    another fold (two folds at once, e.g. on two Galera nodes). On MySQL/MariaDB it
    skips the pending rows that uncommitted distributions are writing (SKIP LOCKED):
    it never waits for one, and those rows are folded next time.
    """
    counters = counters or COUNTERS
    folded = 0
    for counter in counters:
        while True:
            count = atomic_with_retries(partial(_fold_counter_batch, counter))
            folded += count
            if connection.vendor != "mysql" or count < FOLD_BATCH:
                break
    return folded


# Verifying ----------------------------------------------------------------------------


@dataclass
class Verification:
    """Differences between the rollups and the log; empty `problems` means they agree."""

    problems: list = field(default_factory=list)
    checked: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.problems


def _rows(cursor, sql, params=None):
    cursor.execute(sql, params)
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


def _counter_values(cursor, counter):
    """{key: value} of a counter: its rows plus its pending changes, zeros left out."""
    key = ", ".join(counter.key)
    values = defaultdict(int)
    for table in (counter.table, counter.pending):
        for row in _rows(cursor, f"SELECT {key}, households FROM {table}"):
            values[_key(row[:-1])] += int(row[-1])
    return {k: v for k, v in values.items() if v}


def verify(limit=20):
    """Compare the rollups with aggregations over the log, in one consistent snapshot.

    The monthly rollup and both counters (with their pending changes) are compared
    row by row. The per-household tables (as many rows as households or served
    distributions) are compared through digests: per scope and month for the
    household months, per center for the latest services, per package and day for
    the latest packages (row count, sum of household ids, and a weighted mix).
    """
    result = Verification()
    for name in triggers.drifted_triggers():
        result.problems.append(f"trigger {name} is missing or differs from reports/sql/")
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
        _compare(
            result,
            "Distribution_Monthly_Households (with pending changes)",
            expected_counts,
            _counter_values(cursor, MONTHLY_HOUSEHOLDS),
            limit,
        )
        bad = _rows(
            cursor, "SELECT COUNT(*) FROM Distribution_Household_Months WHERE distributions <= 0"
        )[0][0]
        if bad:
            result.problems.append(
                f"Distribution_Household_Months: {bad} row(s) with no distributions"
            )
        _verify_coverage(cursor, result, limit)
    return result


def _digests(cursor, sql, width):
    """{key (the first `width` columns): the other columns as ints} of a digest query."""
    return {
        _key(row[:width]): tuple(int(value) for value in row[width:]) for row in _rows(cursor, sql)
    }


def _verify_coverage(cursor, result, limit):
    """Compare the coverage state (digests) and counts with the log and Households."""
    latest, packages = f"({latest_service()})", f"({latest_packages()})"
    service_digest = (
        "SELECT s.center_id, COUNT(*), SUM(s.household_id), SUM(s.log_id), "
        f"SUM((s.household_id % {DIGEST_MODULUS}) * (s.log_id % {DIGEST_MODULUS})) "
        "FROM {relation} s GROUP BY s.center_id"
    )
    package_digest = (
        "SELECT k.package_id, k.day, COUNT(*), SUM(k.household_id), "
        f"SUM((k.household_id % {DIGEST_MODULUS}) * (k.package_id % {DIGEST_MODULUS})) "
        "FROM {relation} k GROUP BY k.package_id, k.day"
    )
    for name, digest, width, expected_relation, table in (
        (
            "Coverage_Last_Service (digest per center)",
            service_digest,
            1,
            latest,
            "Coverage_Last_Service",
        ),
        (
            "Coverage_Last_Package (digest per package and day)",
            package_digest,
            2,
            packages,
            "Coverage_Last_Package",
        ),
    ):
        _compare(
            result,
            name,
            _digests(cursor, digest.format(relation=expected_relation), width),
            _digests(cursor, digest.format(relation=table), width),
            limit,
        )
    expected = {
        _key(row[:3]): int(row[3]) for row in _rows(cursor, coverage_counts(latest, packages))
    }
    _compare(
        result,
        "Coverage_Counts (with pending changes)",
        expected,
        _counter_values(cursor, COVERAGE_COUNTS),
        limit,
    )
