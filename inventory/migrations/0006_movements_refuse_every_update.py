"""Refuse every UPDATE of Stock_Movements, including setting staff_id to NULL.

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
        ("inventory", "0005_validity_period_cap"),
    ]

    operations = [
        migrations.AlterField(
            model_name="stockmovement",
            name="staff",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stock_movements",
                to="centers.staffmember",
            ),
        ),
        SQLObjects(
            "inventory",
            install=["trg_stock_movements_no_update.0006"],
            previous=["trg_stock_movements_no_update.0002"],
        ),
    ]
