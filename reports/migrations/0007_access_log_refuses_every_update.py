"""Refuse every UPDATE of Access_Log, including setting staff_id to NULL.

The first trigger let one UPDATE through: staff_id set to NULL with nothing else
changing, for a deleted staff member (staff_name kept who it was). Staff members
with history can no longer be deleted (they are deactivated instead), so the audit
rows always name who acted, and no UPDATE is needed any more.
"""

import django.db.models.deletion
from django.db import migrations, models

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_recreate_rollup_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="accesslog",
            name="staff",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="access_logs",
                to="centers.staffmember",
            ),
        ),
        SQLObjects(
            "reports",
            install=["trg_access_log_no_update.0007"],
            previous=["trg_access_log_no_update.0002"],
        ),
    ]
