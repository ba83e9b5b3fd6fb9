"""Fill the staff snapshot of existing audit rows, then keep every row's filled.

Rows written before 0012 get their staff member as named now, the nearest to "then"
the database still knows. The append-only trigger refuses every UPDATE: the backfill
script drops it for its one statement and the next operation re-creates it from its
released text. A new check then requires a row with a staff member to keep their name
and role, and a row without one to keep none. Going back drops the check; the columns
go with 0012.
"""

from django.db import migrations, models

from core.db.migrations import SQLObjects, SQLScript

NO_UPDATE_TRIGGER = "trg_distribution_log_no_update.0005"


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0013_procedure_keeps_staff_and_certifies"),
    ]

    operations = [
        SQLScript("distribution", forward="backfill_log_staff_snapshot.0014"),
        SQLObjects("distribution", install=[NO_UPDATE_TRIGGER], previous=[NO_UPDATE_TRIGGER]),
        migrations.AddConstraint(
            model_name="distributionlog",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("staff__isnull", True), ("staff_role", "")),
                    models.Q(
                        ("staff__isnull", False),
                        ("staff_role__in", ["admin", "manager", "worker", "volunteer"]),
                        models.Q(("staff_name", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="chk_log_staff_snapshot",
            ),
        ),
    ]
