"""The rollup triggers as released in reports/sql/: check them, put them back.

Tools such as the trigger benchmark swap these triggers out; a rebuild puts the
released text back before it recomputes the rollups, and a verification names any
trigger that is missing or differs from its newest file.
"""

from django.db import connection

from core.db import sqlfiles

ROLLUP_TRIGGERS = (
    "trg_distribution_log_rollup_success",
    "trg_distribution_log_rollup_void",
    "trg_households_coverage_insert",
    "trg_households_coverage_status",
    "trg_households_coverage_delete",
)


def drifted_triggers():
    """Rollup triggers missing from the database or unlike their newest released file."""
    drifted = sqlfiles.drifted_objects(connection, ["reports"])
    return [name for name in ROLLUP_TRIGGERS if name in drifted]


def reinstall_drifted_triggers():
    """Re-create each drifted rollup trigger from its newest file; return their names."""
    drifted = drifted_triggers()
    with connection.cursor() as cursor:
        for name in drifted:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(sqlfiles.latest_statement("reports", connection.vendor, name))
    return drifted
