"""Teach the stored procedures lots, MySQL/MariaDB only.

`distribute_package` takes units from the inventory row's unexpired lots, first to
expire first, refuses as `insufficient_stock` when only expired units remain, and
records each lot taken (`Distribution_Lot_Takes`); version 0011 of
`sp_distribute_package` does the same under the same lock. `restock` adds units to a
lot; version 0011 of `sp_restock_inventory` adds them to the row's lot without code
and expiry, and refuses a perishable package, whose units need an expiry date the
procedure cannot be given. Going back puts versions 0009 and 0003 back.
"""

from django.db import migrations

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0010_lot_takes"),
    ]

    operations = [
        SQLObjects(
            "distribution",
            install=["sp_distribute_package.0011", "sp_restock_inventory.0011"],
            previous=["sp_distribute_package.0009", "sp_restock_inventory.0003"],
        ),
    ]
