"""Make Distribution_Lot_Takes append-only in the database: triggers refuse UPDATE and
DELETE, as on the log whose successes they belong to.

A take is written once, with its success, and only read afterwards: a void reads it
to put the units back into the same lots.
"""

from django.db import migrations

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0014_log_staff_snapshot_backfill"),
    ]

    operations = [
        SQLObjects(
            "distribution",
            install=[
                "trg_distribution_lot_takes_no_update.0015",
                "trg_distribution_lot_takes_no_delete.0015",
            ],
        ),
    ]
