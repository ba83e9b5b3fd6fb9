"""Refuse every UPDATE of Distribution_Log, including setting staff_id to NULL.

The first trigger let one UPDATE through: staff_id set to NULL with nothing else
changing, the seed's ON DELETE SET NULL for a deleted staff member. Staff members
with history can no longer be deleted (they are deactivated instead), so the audit
rows always name who acted, and no UPDATE is needed any more.
"""

import django.db.models.deletion
from django.db import migrations, models

from core.db.migrations import SQLObjects


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0004_exact_enum_checks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="distributionlog",
            name="staff",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="distribution_logs",
                to="centers.staffmember",
            ),
        ),
        SQLObjects(
            "distribution",
            install=["trg_distribution_log_no_update.0005"],
            previous=["trg_distribution_log_no_update.0002"],
        ),
    ]
