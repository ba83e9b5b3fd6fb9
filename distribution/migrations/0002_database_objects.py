"""Install the append-only triggers on Distribution_Log and the two views over it.

Eligibility counts only successful, not-voided distributions and lists every active
package for every active household (a package never received is ELIGIBLE), by UTC
calendar day, the rule of `distribution.rules`. The text is in distribution/sql/.
MySQL DDL is not transactional, so these objects live in a migration of their own.
"""

from django.db import migrations

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0001_initial"),
        ("households", "0001_initial"),
        ("inventory", "0002_database_objects"),
        ("centers", "0001_initial"),
    ]

    operations = [
        SQLObjects(
            "distribution",
            install=[
                "trg_distribution_log_no_update.0002",
                "trg_distribution_log_no_delete.0002",
                "vw_household_eligibility.0002",
                "vw_monthly_summary.0002",
            ],
        ),
    ]
