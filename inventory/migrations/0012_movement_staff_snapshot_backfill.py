"""Fill the staff snapshot of existing stock movements, then keep every movement's filled.

Movements written before 0011 get their staff member as named now, the nearest to
"then" the database still knows. The append-only trigger refuses every UPDATE: the
backfill script drops it for its one statement and the next operation re-creates it
from its released text. A new check then requires a movement with a staff member to
keep their name and role, and one without (a restock through the stored procedure)
to keep none. Going back drops the check; the columns go with 0011.
"""

from django.db import migrations, models

from core.db.migrations import SQLObjects, SQLScript

NO_UPDATE_TRIGGER = "trg_stock_movements_no_update.0006"


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0011_movement_staff_snapshot"),
    ]

    operations = [
        SQLScript("inventory", forward="backfill_movement_staff_snapshot.0012"),
        SQLObjects("inventory", install=[NO_UPDATE_TRIGGER], previous=[NO_UPDATE_TRIGGER]),
        migrations.AddConstraint(
            model_name="stockmovement",
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
                name="chk_movement_staff_snapshot",
            ),
        ),
    ]
