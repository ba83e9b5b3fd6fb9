"""Install the two stored procedures, MySQL/MariaDB only.

`sp_distribute_package` speaks the distribution contract (docs/ARCHITECTURE.md): the
same checks in the same order, the same codes and messages and the same lock order
(household row first, then the inventory row) as
`distribution.services.distribute_package`. `sp_restock_inventory` is a race-free
upsert that also writes the stock movement, so `manage.py check_stock` balances.
SQLite has no stored procedures, so there are no SQLite files and nothing runs there.
"""

from django.db import migrations

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0002_database_objects"),
    ]

    operations = [
        SQLObjects(
            "distribution",
            install=["sp_distribute_package.0003", "sp_restock_inventory.0003"],
        ),
    ]
