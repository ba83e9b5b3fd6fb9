"""Make Stock_Transfer_Lots append-only in the database: triggers refuse UPDATE and
DELETE, as on the movement log that records the transfer's steps.

A transfer's lots are written once, when it is dispatched, and only read afterwards:
receiving adds them to the destination's lots, cancelling puts them back at the source.
"""

from django.db import migrations

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0012_movement_staff_snapshot_backfill"),
    ]

    operations = [
        SQLObjects(
            "inventory",
            install=[
                "trg_stock_transfer_lots_no_update.0013",
                "trg_stock_transfer_lots_no_delete.0013",
            ],
        ),
    ]
