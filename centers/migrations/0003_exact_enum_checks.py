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
        ("centers", "0002_timestamp_db_defaults"),
    ]

    operations = [
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Distribution_Centers ADD CONSTRAINT chk_center_status_exact "
                    "CHECK (CAST(status AS BINARY) IN ('active', 'inactive', 'maintenance'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Distribution_Centers DROP CONSTRAINT IF EXISTS chk_center_status_exact"
                ]
            },
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Staff_Members ADD CONSTRAINT chk_staff_role_exact "
                    "CHECK (CAST(role AS BINARY) IN ('admin', 'manager', 'worker', 'volunteer'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Staff_Members DROP CONSTRAINT IF EXISTS chk_staff_role_exact"
                ]
            },
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Staff_Members ADD CONSTRAINT chk_staff_status_exact "
                    "CHECK (CAST(status AS BINARY) IN ('active', 'inactive', 'on_leave'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Staff_Members DROP CONSTRAINT IF EXISTS chk_staff_status_exact"
                ]
            },
        ),
    ]
