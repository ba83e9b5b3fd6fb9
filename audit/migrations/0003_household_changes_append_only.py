"""Make the change history append-only in the database.

Household_Changes refuses every UPDATE and DELETE. Household_Change_Values refuses
every UPDATE, and a DELETE unless its household is anonymised: erasing the personal
values is the one thing anonymisation does to the history.
"""

from django.db import migrations

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_household_changes"),
    ]

    operations = [
        SQLObjects(
            "audit",
            install=[
                "trg_household_changes_no_update.0003",
                "trg_household_changes_no_delete.0003",
                "trg_household_change_values_no_update.0003",
                "trg_household_change_values_no_delete.0003",
            ],
        ),
    ]
