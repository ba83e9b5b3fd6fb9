"""Make Access_Log append-only in the database: triggers refuse UPDATE and DELETE.

The one UPDATE this first version allowed is ON DELETE SET NULL for a deleted staff
member (0007 refuses that too). The text is in reports/sql/. MySQL DDL is not
transactional, so these objects live in a migration of their own.
"""

from django.db import migrations

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        SQLObjects(
            "reports",
            install=["trg_access_log_no_update.0002", "trg_access_log_no_delete.0002"],
        ),
    ]
