"""Make the enum checks exact on MySQL/MariaDB.

There `IN (...)` compares under the column's case-insensitive, pad-space collation,
so 'ACTIVE' or 'active ' would pass the plain check and be stored as typed, and the
Python code would then not recognise the value. A binary comparison refuses them.
SQLite compares exactly already.
"""

from django.db import migrations

from core.db.migrations import VendorRunSQL


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0003_timestamp_db_defaults"),
    ]

    operations = [
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Aid_Packages ADD CONSTRAINT chk_package_category_exact "
                    "CHECK (CAST(category AS BINARY) IN ('food', 'medical', 'shelter', 'hygiene', 'education', 'emergency'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Aid_Packages DROP CONSTRAINT IF EXISTS chk_package_category_exact"
                ]
            },
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Stock_Movements ADD CONSTRAINT chk_movement_kind_exact "
                    "CHECK (CAST(kind AS BINARY) IN ('restock', 'adjustment'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Stock_Movements DROP CONSTRAINT IF EXISTS chk_movement_kind_exact"
                ]
            },
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Stock_Movements ADD CONSTRAINT chk_movement_reason_exact "
                    "CHECK (CAST(reason AS BINARY) IN ('delivery', 'damaged', 'expired', 'lost', 'found', 'count_correction'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Stock_Movements DROP CONSTRAINT IF EXISTS chk_movement_reason_exact"
                ]
            },
        ),
    ]
