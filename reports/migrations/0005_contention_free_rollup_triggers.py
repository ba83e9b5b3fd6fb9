"""Rollup triggers that never update a row shared by different households; coverage state.

Migration 0003's success trigger incremented Distribution_Monthly_Households rows
shared by every center ((0, '*') and (0, category)) and by every package of a center
((center, '*')), on the first distribution of each household in a month. Those rows
stayed locked until the distribution committed, so concurrent distributions to
different households at different centers queued on them (docs/BENCHMARKS.md).

The triggers below write only:
- the (month, center, package) row of Distribution_Monthly_Rollup, which the same
  transaction's inventory row (center, package) already serialises;
- rows keyed by the household: Distribution_Household_Months (as before), the
  coverage state (Coverage_Last_Service, Coverage_Last_Package) and the *pending*
  changes of the two shared counter tables (Distribution_Monthly_Households_Pending,
  Coverage_Counts_Pending), keyed (household_id, counter key).
Every writer of a household's rows already holds that household's row lock (the
service, the stored procedure and voids lock it first; an UPDATE or INSERT of the
household locks it), so no trigger statement waits for another household's
transaction. `reports.rollup.fold()` adds the pending rows to the counters later,
in its own short transaction (SKIP LOCKED: it never waits for a distribution).

Coverage (the eligibility report) is kept the same way:
- Coverage_Last_Service: each served household's latest successful, not-voided
  distribution (any package) and its center: the center that "has" the household;
- Coverage_Last_Package: the UTC day of its latest one of each package;
- Coverage_Counts (via pending rows): active households per (center, HOUSEHOLDS=0),
  per (center, package) ever received (day ANY_DAY = 1000-01-01) and per (center,
  package, day of the latest one); center 0 = never served. Households triggers
  move a household's counts when its status enters or leaves 'active'.

Every trigger skips the inserts of a connection that has a row in Rollup_Bulk_Load:
only `generate_load_data` writes one, inside its own transaction, and rebuilds the
rollups from the log before it deletes the row and commits (see RollupBulkLoad).

The texts are in reports/sql/ (`reports.rollup` has the rebuild and verify). The
last operation fills the coverage tables from the log; the monthly counters need
nothing, since 0003 left them complete and no change is pending yet. Going back,
the pending changes are folded into the counters and 0003's triggers return.
"""

from django.db import migrations

from core.db.migrations import SQLObjects, SQLScript


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_coverage_and_pending_tables"),
        ("households", "0003_exact_enum_checks"),
    ]

    operations = [
        # Runs last on the way back, once 0003's triggers are in place again.
        SQLScript("reports", backward="fold_monthly_households_pending.0005"),
        SQLObjects(
            "reports",
            install=[
                "trg_distribution_log_rollup_success.0005",
                "trg_distribution_log_rollup_void.0005",
            ],
            previous=[
                "trg_distribution_log_rollup_success.0003",
                "trg_distribution_log_rollup_void.0003",
            ],
        ),
        SQLObjects(
            "reports",
            install=[
                "trg_households_coverage_insert.0005",
                "trg_households_coverage_status.0005",
                "trg_households_coverage_delete.0005",
            ],
        ),
        SQLScript("reports", forward="fill_coverage.0005", backward="empty_coverage.0005"),
    ]
