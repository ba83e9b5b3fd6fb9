"""Re-create the five rollup triggers with their 0005 text.

0005 was revised several times while it was new (leaner MySQL success trigger,
bulk-load mark read from a session variable, cheaper center moves). A database
migrated in between kept an earlier, correct but slower text; this migration installs
the released one everywhere. Going back keeps it: it is 0005's.
"""

from django.db import migrations

from core.db.migrations import SQLObjects

ROLLUP_TRIGGERS = [
    "trg_distribution_log_rollup_success.0005",
    "trg_distribution_log_rollup_void.0005",
    "trg_households_coverage_insert.0005",
    "trg_households_coverage_status.0005",
    "trg_households_coverage_delete.0005",
]


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_contention_free_rollup_triggers")]

    operations = [
        SQLObjects("reports", install=ROLLUP_TRIGGERS, previous=ROLLUP_TRIGGERS),
    ]
