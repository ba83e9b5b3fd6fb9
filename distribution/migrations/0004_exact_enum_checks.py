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
        ("distribution", "0003_stored_procedures"),
    ]

    operations = [
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Distribution_Log ADD CONSTRAINT chk_log_status_exact "
                    "CHECK (CAST(transaction_status AS BINARY) IN ('success', 'failed', 'cancelled'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Distribution_Log DROP CONSTRAINT IF EXISTS chk_log_status_exact"
                ]
            },
        ),
    ]
