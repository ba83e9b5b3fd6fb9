"""Install the stock status view and the append-only triggers on Stock_Movements.

The text is in inventory/sql/. MySQL DDL is not transactional, so these objects live
in a migration of their own.
"""

from django.db import migrations

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_initial"),
    ]

    operations = [
        SQLObjects(
            "inventory",
            install=[
                "vw_current_inventory_status.0002",
                "trg_stock_movements_no_update.0002",
                "trg_stock_movements_no_delete.0002",
            ],
        ),
    ]
