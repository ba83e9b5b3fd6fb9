"""Keep the report rollups right with triggers on Distribution_Log, then fill them.

Two AFTER INSERT triggers, so that every writer (the Python service, the stored
procedure sp_distribute_package, a void, a bulk load, a bare client) keeps the
rollups equal to an aggregation over the log, in the same transaction as the log
row:

- a `success` row adds 1 distribution and its quantity to its (UTC month, center,
  package) row of Distribution_Monthly_Rollup, and marks its household as served
  that month in Distribution_Household_Months at four scopes: (center, category),
  (center, all categories = '*'), (all centers = 0, category) and (0, '*').
  When a mark is new, Distribution_Monthly_Households counts the household in that
  month under the month the scope served it before (1000-01-01 if never); if the
  household already had a later month there (rows written out of order), that
  later month's count moves from the old previous month to this one.
- a `cancelled` row (a void) takes all of that back in the month of the success it
  cancels; rows that reach zero are deleted.

The category is taken once per (month, center, package), when that rollup row is
created, and every later success or void of the month uses the row's category, so
a void always undoes exactly what its success did.

The statements are written once below, with the month, center, category and
household as placeholders: MySQL/MariaDB fills them with trigger variables,
SQLite (no variables in triggers) with subqueries. Each CREATE TRIGGER is one
statement (BEGIN ... END, no DELIMITER); SQLite needs >= 3.24 for upserts.
The last operation fills the rollups from the rows already in the log. MySQL DDL
is not transactional, so these objects live in a migration of their own; the SQL
text is frozen here (`reports.rollup` has the rebuild and verify of the day).
"""

from django.db import migrations

from core.db.migrations import VendorRunSQL, drop_if_exists

HM = "Distribution_Household_Months"
MH = "Distribution_Monthly_Households"

# Placeholders: {m} month, {c} center, {cat} category, {hh} household, {first} the
# "never served before" date, and the vendor's upsert clauses.
SCOPES = "{a}.center_id IN ({c}, 0) AND {a}.category IN ({cat}, '*') AND {a}.household_id = {hh}"
PREVIOUS = (
    f"(SELECT MAX(p.month) FROM {HM} p WHERE p.center_id = hm.center_id"
    " AND p.category = hm.category AND p.household_id = hm.household_id"
    " AND p.month < hm.month)"
)
NEXT = (
    f"(SELECT MIN(n.month) FROM {HM} n WHERE n.center_id = hm.center_id"
    " AND n.category = hm.category AND n.household_id = hm.household_id"
    " AND n.month > hm.month)"
)
CHANGED = f"FROM {HM} hm WHERE " + SCOPES.replace("{a}", "hm") + " AND hm.month = {m}"

# After a success: households newly served at a scope this month.
COUNT_NEW = f"""
    INSERT INTO {MH} (center_id, category, month, previous_month, households)
    SELECT hm.center_id, hm.category, hm.month, COALESCE({PREVIOUS}, {{first}}), 1
      {CHANGED} AND hm.distributions = 1
    {{count_upsert}};"""
MOVE_LATER_FROM_PREVIOUS = f"""
    UPDATE {MH} SET households = households - 1
     WHERE (center_id, category, month, previous_month) IN (
        SELECT hm.center_id, hm.category, {NEXT}, COALESCE({PREVIOUS}, {{first}})
          {CHANGED} AND hm.distributions = 1
     );"""
MOVE_LATER_TO_THIS = f"""
    INSERT INTO {MH} (center_id, category, month, previous_month, households)
    SELECT hm.center_id, hm.category, {NEXT}, hm.month, 1
      {CHANGED} AND hm.distributions = 1 AND {NEXT} IS NOT NULL
    {{count_upsert}};"""

# After a void: households no longer served at a scope this month.
UNCOUNT_GONE = f"""
    UPDATE {MH} SET households = households - 1
     WHERE (center_id, category, month, previous_month) IN (
        SELECT hm.center_id, hm.category, hm.month, COALESCE({PREVIOUS}, {{first}})
          {CHANGED} AND hm.distributions = 0
     );"""
MOVE_LATER_FROM_GONE = f"""
    UPDATE {MH} SET households = households - 1
     WHERE (center_id, category, month, previous_month) IN (
        SELECT hm.center_id, hm.category, {NEXT}, hm.month
          {CHANGED} AND hm.distributions = 0
     );"""
MOVE_LATER_TO_PREVIOUS = f"""
    INSERT INTO {MH} (center_id, category, month, previous_month, households)
    SELECT hm.center_id, hm.category, {NEXT}, COALESCE({PREVIOUS}, {{first}}), 1
      {CHANGED} AND hm.distributions = 0 AND {NEXT} IS NOT NULL
    {{count_upsert}};"""
DELETE_EMPTY = (
    f"""
    DELETE FROM {MH}
     WHERE households = 0 AND center_id IN ({{c}}, 0) AND category IN ({{cat}}, '*')
       AND month >= {{m}};
    DELETE FROM {HM} WHERE """
    + SCOPES.replace("{a}.", "")
    + """ AND month = {m} AND distributions = 0;"""
)
LATER_MONTHS = (
    f"(SELECT COUNT(*) FROM {HM} WHERE " + SCOPES.replace("{a}.", "") + " AND month > {m})"
)


def _fill(template, **values):
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


MYSQL = {
    "first": "DATE '1000-01-01'",
    "count_upsert": "ON DUPLICATE KEY UPDATE households = households + 1",
}
SQLITE = {
    "first": "'1000-01-01'",
    "count_upsert": (
        "ON CONFLICT (center_id, category, month, previous_month) "
        "DO UPDATE SET households = households + 1"
    ),
}
MYSQL_NEW = {
    **MYSQL,
    "m": "v_month",
    "c": "NEW.center_id",
    "cat": "v_category",
    "hh": "NEW.household_id",
}
MYSQL_VOIDED = {
    **MYSQL,
    "m": "v_month",
    "c": "v_center_id",
    "cat": "v_category",
    "hh": "v_household_id",
}
_SQLITE_MONTH = "date(NEW.distribution_date, 'start of month')"
SQLITE_NEW = {
    **SQLITE,
    "m": _SQLITE_MONTH,
    "c": "NEW.center_id",
    "cat": (
        "(SELECT r.category FROM Distribution_Monthly_Rollup r"
        f" WHERE r.month = {_SQLITE_MONTH} AND r.center_id = NEW.center_id"
        " AND r.package_id = NEW.package_id)"
    ),
    "hh": "NEW.household_id",
}
_VOIDED = "FROM Distribution_Log o WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success'"
SQLITE_VOIDED = {
    **SQLITE,
    "m": f"(SELECT date(o.distribution_date, 'start of month') {_VOIDED})",
    "c": f"(SELECT o.center_id {_VOIDED})",
    "cat": (
        "(SELECT r.category FROM Distribution_Monthly_Rollup r JOIN Distribution_Log o"
        " ON r.month = date(o.distribution_date, 'start of month')"
        " AND r.center_id = o.center_id AND r.package_id = o.package_id"
        " WHERE o.log_id = NEW.voided_log_id AND o.transaction_status = 'success')"
    ),
    "hh": f"(SELECT o.household_id {_VOIDED})",
}

MYSQL_SUCCESS = f"""
CREATE TRIGGER trg_distribution_log_rollup_success
AFTER INSERT ON Distribution_Log
FOR EACH ROW
BEGIN
    DECLARE v_month DATE;
    DECLARE v_category VARCHAR(9);
    DECLARE v_later INT DEFAULT 0;
    IF NEW.transaction_status = 'success' THEN
        SET v_month = CAST(DATE_FORMAT(NEW.distribution_date, '%Y-%m-01') AS DATE);
        SELECT category INTO v_category FROM Aid_Packages WHERE package_id = NEW.package_id;
        INSERT INTO Distribution_Monthly_Rollup
            (month, center_id, package_id, category, distributions, packages)
        VALUES (v_month, NEW.center_id, NEW.package_id, v_category, 1, NEW.quantity_distributed)
        ON DUPLICATE KEY UPDATE
            distributions = distributions + 1,
            packages = packages + NEW.quantity_distributed;
        SELECT category INTO v_category
          FROM Distribution_Monthly_Rollup
         WHERE month = v_month AND center_id = NEW.center_id AND package_id = NEW.package_id;
        INSERT INTO {HM} (center_id, category, household_id, month, distributions)
        VALUES
            (NEW.center_id, v_category, NEW.household_id, v_month, 1),
            (NEW.center_id, '*', NEW.household_id, v_month, 1),
            (0, v_category, NEW.household_id, v_month, 1),
            (0, '*', NEW.household_id, v_month, 1)
        ON DUPLICATE KEY UPDATE distributions = distributions + 1;
        {_fill(COUNT_NEW, **MYSQL_NEW).strip()}
        SET v_later = {_fill(LATER_MONTHS, **MYSQL_NEW)};
        IF v_later > 0 THEN
            {_fill(MOVE_LATER_FROM_PREVIOUS, **MYSQL_NEW).strip()}
            {_fill(MOVE_LATER_TO_THIS, **MYSQL_NEW).strip()}
            DELETE FROM {MH}
             WHERE households = 0 AND center_id IN (NEW.center_id, 0)
               AND category IN (v_category, '*') AND month > v_month;
        END IF;
    END IF;
END
"""

MYSQL_VOID = f"""
CREATE TRIGGER trg_distribution_log_rollup_void
AFTER INSERT ON Distribution_Log
FOR EACH ROW
BEGIN
    DECLARE v_month DATE;
    DECLARE v_category VARCHAR(9);
    DECLARE v_center_id, v_package_id, v_household_id, v_quantity INT;
    DECLARE v_status VARCHAR(9);
    IF NEW.transaction_status = 'cancelled' AND NEW.voided_log_id IS NOT NULL THEN
        SELECT CAST(DATE_FORMAT(o.distribution_date, '%Y-%m-01') AS DATE),
               o.center_id, o.package_id, o.household_id, o.quantity_distributed,
               o.transaction_status
          INTO v_month, v_center_id, v_package_id, v_household_id, v_quantity, v_status
          FROM Distribution_Log o
         WHERE o.log_id = NEW.voided_log_id;
        IF v_status = 'success' THEN
            SELECT category INTO v_category
              FROM Distribution_Monthly_Rollup
             WHERE month = v_month AND center_id = v_center_id AND package_id = v_package_id;
            UPDATE {HM} SET distributions = distributions - 1
             WHERE {_fill(SCOPES.replace("{a}.", ""), **MYSQL_VOIDED)} AND month = v_month;
            {_fill(UNCOUNT_GONE, **MYSQL_VOIDED).strip()}
            {_fill(MOVE_LATER_FROM_GONE, **MYSQL_VOIDED).strip()}
            {_fill(MOVE_LATER_TO_PREVIOUS, **MYSQL_VOIDED).strip()}
            {_fill(DELETE_EMPTY, **MYSQL_VOIDED).strip()}
            UPDATE Distribution_Monthly_Rollup
               SET distributions = distributions - 1, packages = packages - v_quantity
             WHERE month = v_month AND center_id = v_center_id AND package_id = v_package_id;
            DELETE FROM Distribution_Monthly_Rollup
             WHERE month = v_month AND center_id = v_center_id AND package_id = v_package_id
               AND distributions = 0;
        END IF;
    END IF;
END
"""

SQLITE_SUCCESS = f"""
CREATE TRIGGER trg_distribution_log_rollup_success
AFTER INSERT ON Distribution_Log
FOR EACH ROW
WHEN NEW.transaction_status = 'success'
BEGIN
    INSERT INTO Distribution_Monthly_Rollup
        (month, center_id, package_id, category, distributions, packages)
    SELECT {_SQLITE_MONTH}, NEW.center_id, NEW.package_id, ap.category, 1,
           NEW.quantity_distributed
      FROM Aid_Packages ap
     WHERE ap.package_id = NEW.package_id
    ON CONFLICT (month, center_id, package_id) DO UPDATE SET
        distributions = distributions + 1,
        packages = packages + excluded.packages;
    INSERT INTO {HM} (center_id, category, household_id, month, distributions)
    SELECT CASE WHEN c.all_centers = 1 THEN 0 ELSE r.center_id END,
           CASE WHEN k.all_categories = 1 THEN '*' ELSE r.category END,
           NEW.household_id, r.month, 1
      FROM Distribution_Monthly_Rollup r
     CROSS JOIN (SELECT 0 AS all_centers UNION ALL SELECT 1) c
     CROSS JOIN (SELECT 0 AS all_categories UNION ALL SELECT 1) k
     WHERE r.month = {_SQLITE_MONTH}
       AND r.center_id = NEW.center_id
       AND r.package_id = NEW.package_id
    ON CONFLICT (center_id, category, household_id, month) DO UPDATE SET
        distributions = distributions + 1;
    {_fill(COUNT_NEW, **SQLITE_NEW).strip()}
    {_fill(MOVE_LATER_FROM_PREVIOUS, **SQLITE_NEW).strip()}
    {_fill(MOVE_LATER_TO_THIS, **SQLITE_NEW).strip()}
    DELETE FROM {MH}
     WHERE households = 0 AND center_id IN (NEW.center_id, 0)
       AND category IN ({SQLITE_NEW["cat"]}, '*') AND month > {_SQLITE_MONTH};
END
"""

SQLITE_VOID = f"""
CREATE TRIGGER trg_distribution_log_rollup_void
AFTER INSERT ON Distribution_Log
FOR EACH ROW
WHEN NEW.transaction_status = 'cancelled' AND NEW.voided_log_id IS NOT NULL
BEGIN
    UPDATE {HM} SET distributions = distributions - 1
     WHERE {_fill(SCOPES.replace("{a}.", ""), **SQLITE_VOIDED)}
       AND month = {SQLITE_VOIDED["m"]};
    {_fill(UNCOUNT_GONE, **SQLITE_VOIDED).strip()}
    {_fill(MOVE_LATER_FROM_GONE, **SQLITE_VOIDED).strip()}
    {_fill(MOVE_LATER_TO_PREVIOUS, **SQLITE_VOIDED).strip()}
    {_fill(DELETE_EMPTY, **SQLITE_VOIDED).strip()}
    UPDATE Distribution_Monthly_Rollup
       SET distributions = distributions - 1,
           packages = packages - (SELECT o.quantity_distributed {_VOIDED})
     WHERE (month, center_id, package_id) = (
        SELECT date(o.distribution_date, 'start of month'), o.center_id, o.package_id {_VOIDED}
     );
    DELETE FROM Distribution_Monthly_Rollup
     WHERE distributions = 0
       AND (month, center_id, package_id) = (
        SELECT date(o.distribution_date, 'start of month'), o.center_id, o.package_id {_VOIDED}
     );
END
"""


def _backfill(month_of, first):
    """Return the statements that fill the rollups from the log (`month_of` per vendor)."""
    served = """
        FROM Distribution_Log dl
        JOIN Aid_Packages ap ON ap.package_id = dl.package_id
       WHERE dl.transaction_status = 'success'
         AND NOT EXISTS (SELECT 1 FROM Distribution_Log v WHERE v.voided_log_id = dl.log_id)"""
    month = month_of("dl.distribution_date")
    return [
        f"""
        INSERT INTO Distribution_Monthly_Rollup
            (month, center_id, package_id, category, distributions, packages)
        SELECT {month}, dl.center_id, dl.package_id, ap.category,
               COUNT(*), SUM(dl.quantity_distributed)
        {served}
         GROUP BY {month}, dl.center_id, dl.package_id, ap.category
        """,
        f"""
        INSERT INTO {HM} (center_id, category, household_id, month, distributions)
        SELECT dl.center_id, ap.category, dl.household_id, {month}, COUNT(*)
        {served}
         GROUP BY dl.center_id, ap.category, dl.household_id, {month}
        """,
        f"""
        INSERT INTO {HM} (center_id, category, household_id, month, distributions)
        SELECT s.center_id, s.category, s.household_id, s.month, SUM(s.distributions)
          FROM (
            SELECT center_id, '*' AS category, household_id, month, distributions
              FROM {HM} WHERE center_id <> 0 AND category <> '*'
            UNION ALL
            SELECT 0, category, household_id, month, distributions
              FROM {HM} WHERE center_id <> 0 AND category <> '*'
            UNION ALL
            SELECT 0, '*', household_id, month, distributions
              FROM {HM} WHERE center_id <> 0 AND category <> '*'
          ) s
         GROUP BY s.center_id, s.category, s.household_id, s.month
        """,
        f"""
        INSERT INTO {MH} (center_id, category, month, previous_month, households)
        SELECT s.center_id, s.category, s.month, s.previous_month, COUNT(*)
          FROM (
            SELECT center_id, category, month,
                   COALESCE(
                       LAG(month) OVER (
                           PARTITION BY center_id, category, household_id ORDER BY month
                       ),
                       {first}
                   ) AS previous_month
              FROM {HM}
          ) s
         GROUP BY s.center_id, s.category, s.month, s.previous_month
        """,
    ]


def _mysql_month(column):
    return f"CAST(DATE_FORMAT({column}, '%Y-%m-01') AS DATE)"


def _sqlite_month(column):
    return f"date({column}, 'start of month')"


EMPTY_ROLLUPS = [
    f"DELETE FROM {MH}",
    f"DELETE FROM {HM}",
    "DELETE FROM Distribution_Monthly_Rollup",
]


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_access_log_append_only"),
        ("distribution", "0002_database_objects"),
    ]

    operations = [
        VendorRunSQL(
            sql={"mysql": [MYSQL_SUCCESS], "sqlite": [SQLITE_SUCCESS]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_distribution_log_rollup_success"),
        ),
        VendorRunSQL(
            sql={"mysql": [MYSQL_VOID], "sqlite": [SQLITE_VOID]},
            reverse_sql=drop_if_exists("TRIGGER", "trg_distribution_log_rollup_void"),
        ),
        VendorRunSQL(
            sql={
                "mysql": _backfill(_mysql_month, MYSQL["first"]),
                "sqlite": _backfill(_sqlite_month, SQLITE["first"]),
            },
            reverse_sql={"mysql": EMPTY_ROLLUPS, "sqlite": EMPTY_ROLLUPS},
        ),
    ]
