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

The texts are in reports/sql/ (SQLite, with no variables in triggers, reads with
subqueries what MySQL/MariaDB keeps in variables; SQLite needs >= 3.24 for upserts).
The last operation fills the rollups from the rows already in the log. MySQL DDL is
not transactional, so these objects live in a migration of their own.
"""

from django.db import migrations

from core.db.migrations import SQLObjects, SQLScript


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_access_log_append_only"),
        ("distribution", "0002_database_objects"),
    ]

    operations = [
        SQLObjects(
            "reports",
            install=[
                "trg_distribution_log_rollup_success.0003",
                "trg_distribution_log_rollup_void.0003",
            ],
        ),
        SQLScript(
            "reports", forward="fill_monthly_rollups.0003", backward="empty_monthly_rollups.0003"
        ),
    ]
