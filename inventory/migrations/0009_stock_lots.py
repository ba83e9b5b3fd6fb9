"""Lots: units of an inventory row with a lot code and an expiry date; perishable packages.

`Stock_Lots` holds each row's lots (they add up to its quantity_on_hand), a stock
movement names the one lot it changed, and `Stock_Transfer_Lots` the lots a transfer
carries. `Aid_Packages.is_perishable` (0 for existing rows here; 0010 sets food and
medical) says whether a restock needs an expiry date.
"""

import django.db.models.deletion
import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models

import inventory.models


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0008_stock_transfers"),
    ]

    operations = [
        migrations.AddField(
            model_name="aidpackage",
            name="is_perishable",
            field=inventory.models.PerishableField(
                blank=True,
                db_default=False,
                default=None,
                help_text="Perishable units have an expiry date and are never handed out once expired.",
                verbose_name="perishable",
            ),
        ),
        migrations.CreateModel(
            name="StockLot",
            fields=[
                ("id", models.AutoField(db_column="lot_id", primary_key=True, serialize=False)),
                (
                    "lot_code",
                    models.CharField(
                        blank=True,
                        help_text="The supplier's lot or batch number; empty for units without one.",
                        max_length=40,
                        null=True,
                    ),
                ),
                ("expiry_date", models.DateField(blank=True, null=True)),
                ("quantity", models.IntegerField(db_default=0, default=0)),
                (
                    "received_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(),
                        default=django.utils.timezone.now,
                    ),
                ),
                (
                    "inventory",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lots",
                        to="inventory.inventory",
                    ),
                ),
            ],
            options={
                "db_table": "Stock_Lots",
                "ordering": [models.OrderBy(models.F("expiry_date"), nulls_last=True), "id"],
            },
        ),
        migrations.AddField(
            model_name="stockmovement",
            name="lot",
            field=models.ForeignKey(
                blank=True,
                help_text="The one lot this movement changed (a restock, a write-off), if one.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="movements",
                to="inventory.stocklot",
            ),
        ),
        migrations.CreateModel(
            name="TransferLot",
            fields=[
                (
                    "id",
                    models.AutoField(
                        db_column="transfer_lot_id", primary_key=True, serialize=False
                    ),
                ),
                ("quantity", models.IntegerField()),
                (
                    "lot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transfer_lines",
                        to="inventory.stocklot",
                    ),
                ),
                (
                    "transfer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lots",
                        to="inventory.transfer",
                    ),
                ),
            ],
            options={
                "db_table": "Stock_Transfer_Lots",
                "ordering": ["transfer", "id"],
            },
        ),
        migrations.AddIndex(
            model_name="stocklot",
            index=models.Index(
                fields=["inventory", "expiry_date"], name="idx_lot_inventory_expiry"
            ),
        ),
        migrations.AddConstraint(
            model_name="stocklot",
            constraint=models.CheckConstraint(
                condition=models.Q(("quantity__gte", 0)), name="chk_lot_quantity"
            ),
        ),
        migrations.AddConstraint(
            model_name="transferlot",
            constraint=models.UniqueConstraint(fields=("transfer", "lot"), name="uq_transfer_lot"),
        ),
        migrations.AddConstraint(
            model_name="transferlot",
            constraint=models.CheckConstraint(
                condition=models.Q(("quantity__gt", 0)), name="chk_transfer_lot_quantity"
            ),
        ),
    ]
