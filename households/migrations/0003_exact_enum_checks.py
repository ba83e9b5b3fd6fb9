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
        ("households", "0002_timestamp_db_defaults"),
    ]

    operations = [
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Households ADD CONSTRAINT chk_household_income_level_exact "
                    "CHECK (CAST(income_level AS BINARY) IN ('no_income', 'very_low', 'low', 'moderate'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Households DROP CONSTRAINT IF EXISTS chk_household_income_level_exact"
                ]
            },
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Households ADD CONSTRAINT chk_household_priority_level_exact "
                    "CHECK (CAST(priority_level AS BINARY) IN ('critical', 'high', 'medium', 'low'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Households DROP CONSTRAINT IF EXISTS chk_household_priority_level_exact"
                ]
            },
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Households ADD CONSTRAINT chk_household_status_exact "
                    "CHECK (CAST(status AS BINARY) IN ('active', 'inactive', 'suspended'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Households DROP CONSTRAINT IF EXISTS chk_household_status_exact"
                ]
            },
        ),
    ]
