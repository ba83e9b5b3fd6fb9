"""Record which lots each successful distribution took its units from.

`Distribution_Lot_Takes` rows are inserted with the success, under the inventory
row's lock, and read by a void to put the units back into the same lots.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0009_eligibility_counts_confirmed_duplicates"),
        ("inventory", "0010_existing_stock_as_lots"),
    ]

    operations = [
        migrations.CreateModel(
            name="LotTake",
            fields=[
                ("id", models.AutoField(db_column="take_id", primary_key=True, serialize=False)),
                ("quantity", models.IntegerField()),
                (
                    "log",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lot_takes",
                        to="distribution.distributionlog",
                    ),
                ),
                (
                    "lot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="takes",
                        to="inventory.stocklot",
                    ),
                ),
            ],
            options={
                "db_table": "Distribution_Lot_Takes",
                "constraints": [
                    models.UniqueConstraint(fields=("log", "lot"), name="uq_take_log_lot"),
                    models.CheckConstraint(
                        condition=models.Q(("quantity__gt", 0)), name="chk_take_quantity"
                    ),
                ],
            },
        ),
    ]
