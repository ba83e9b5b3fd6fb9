"""Re-create the five rollup triggers with 0005's final text.

0005 was revised several times on 2026-11-25 (leaner MySQL success trigger, bulk-load
mark read from a session variable, cheaper center moves). A database migrated in
between kept an earlier, correct but slower text; this migration installs the final
one everywhere. The SQL text is 0005's, which is frozen from now on.
"""

import importlib

from django.db import migrations

from core.db.migrations import VendorRunSQL

TRIGGERS = importlib.import_module("reports.migrations.0005_contention_free_rollup_triggers")

TEXTS = {
    "mysql": {
        "trg_distribution_log_rollup_success": TRIGGERS.MYSQL_SUCCESS,
        "trg_distribution_log_rollup_void": TRIGGERS.MYSQL_VOID,
        "trg_households_coverage_insert": TRIGGERS.MYSQL_HOUSEHOLD_INSERT,
        "trg_households_coverage_status": TRIGGERS.MYSQL_HOUSEHOLD_STATUS,
        "trg_households_coverage_delete": TRIGGERS.MYSQL_HOUSEHOLD_DELETE,
    },
    "sqlite": {
        "trg_distribution_log_rollup_success": TRIGGERS.SQLITE_SUCCESS,
        "trg_distribution_log_rollup_void": TRIGGERS.SQLITE_VOID,
        "trg_households_coverage_insert": TRIGGERS.SQLITE_HOUSEHOLD_INSERT,
        "trg_households_coverage_status": TRIGGERS.SQLITE_HOUSEHOLD_STATUS,
        "trg_households_coverage_delete": TRIGGERS.SQLITE_HOUSEHOLD_DELETE,
    },
}


def _recreate(vendor):
    statements = []
    for name, text in TEXTS[vendor].items():
        statements += [f"DROP TRIGGER IF EXISTS {name}", text]
    return statements


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_contention_free_rollup_triggers")]

    operations = [
        VendorRunSQL(
            sql={"mysql": _recreate("mysql"), "sqlite": _recreate("sqlite")},
            # Going back to 0005 keeps these texts: they are 0005's.
            reverse_sql={"mysql": [], "sqlite": []},
        ),
    ]
