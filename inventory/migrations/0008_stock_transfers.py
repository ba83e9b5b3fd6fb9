"""Stock transfers between centers, and the movement kinds that record them.

`Stock_Transfers` holds each transfer and its status; every step of one (sent,
received, lost in transit, cancelled) is a `Stock_Movements` row naming it, so the
movement log stays the append-only history of every unit. On MySQL/MariaDB the
kind and reason checks are also exact (binary), as for every enum column: the old
exact checks go first and the new ones, with the new values, last.
"""

import django.db.models.deletion
import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models

from core.db.migrations import VendorRunSQL


class Migration(migrations.Migration):
    dependencies = [
        ("centers", "0004_staff_center_unless_admin"),
        ("inventory", "0007_package_entitlements"),
    ]

    operations = [
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Stock_Movements DROP CONSTRAINT IF EXISTS chk_movement_kind_exact"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Stock_Movements ADD CONSTRAINT chk_movement_kind_exact CHECK (CAST(kind AS BINARY) IN ('restock', 'adjustment'))"
                ]
            },
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Stock_Movements DROP CONSTRAINT IF EXISTS chk_movement_reason_exact"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Stock_Movements ADD CONSTRAINT chk_movement_reason_exact CHECK (CAST(reason AS BINARY) IN ('delivery', 'damaged', 'expired', 'lost', 'found', 'count_correction'))"
                ]
            },
        ),
        migrations.CreateModel(
            name="Transfer",
            fields=[
                (
                    "id",
                    models.AutoField(db_column="transfer_id", primary_key=True, serialize=False),
                ),
                ("quantity", models.IntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("in_transit", "In transit"),
                            ("received", "Received"),
                            ("cancelled", "Cancelled"),
                        ],
                        db_default="in_transit",
                        db_index=True,
                        default="in_transit",
                        max_length=10,
                    ),
                ),
                (
                    "notes",
                    models.TextField(
                        blank=True, help_text="Vehicle, driver, seal number.", null=True
                    ),
                ),
                (
                    "dispatched_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(),
                        db_index=True,
                        default=django.utils.timezone.now,
                    ),
                ),
                ("received_at", models.DateTimeField(blank=True, null=True)),
                ("quantity_received", models.IntegerField(blank=True, null=True)),
                (
                    "loss_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("damaged", "Damaged"),
                            ("expired", "Expired"),
                            ("lost", "Lost or stolen"),
                        ],
                        max_length=16,
                        null=True,
                    ),
                ),
                ("receipt_notes", models.TextField(blank=True, null=True)),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "db_table": "Stock_Transfers",
                "ordering": ["-dispatched_at", "-id"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="stockmovement",
            name="chk_movement_kind",
        ),
        migrations.RemoveConstraint(
            model_name="stockmovement",
            name="chk_movement_reason",
        ),
        migrations.AlterField(
            model_name="stockmovement",
            name="kind",
            field=models.CharField(
                choices=[
                    ("restock", "Restock"),
                    ("adjustment", "Adjustment"),
                    ("transfer_out", "Transfer sent"),
                    ("transfer_in", "Transfer received"),
                    ("transfer_cancelled", "Transfer cancelled (returned)"),
                    ("transit_loss", "Lost in transit"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="stockmovement",
            name="reason",
            field=models.CharField(
                choices=[
                    ("delivery", "Delivery received"),
                    ("damaged", "Damaged"),
                    ("expired", "Expired"),
                    ("lost", "Lost or stolen"),
                    ("found", "Found in count"),
                    ("count_correction", "Stock count correction"),
                    ("transfer", "Stock transfer"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="transfer",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transfers_cancelled",
                to="centers.staffmember",
            ),
        ),
        migrations.AddField(
            model_name="transfer",
            name="destination",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transfers_in",
                to="centers.distributioncenter",
            ),
        ),
        migrations.AddField(
            model_name="transfer",
            name="dispatched_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transfers_dispatched",
                to="centers.staffmember",
            ),
        ),
        migrations.AddField(
            model_name="transfer",
            name="package",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transfers",
                to="inventory.aidpackage",
            ),
        ),
        migrations.AddField(
            model_name="transfer",
            name="received_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transfers_received",
                to="centers.staffmember",
            ),
        ),
        migrations.AddField(
            model_name="transfer",
            name="source",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transfers_out",
                to="centers.distributioncenter",
            ),
        ),
        migrations.AddField(
            model_name="stockmovement",
            name="transfer",
            field=models.ForeignKey(
                blank=True,
                help_text="The transfer this movement is a step of.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="movements",
                to="inventory.transfer",
            ),
        ),
        migrations.AddConstraint(
            model_name="stockmovement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "restock",
                            "adjustment",
                            "transfer_out",
                            "transfer_in",
                            "transfer_cancelled",
                            "transit_loss",
                        ],
                    )
                ),
                name="chk_movement_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="stockmovement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "reason__in",
                        [
                            "delivery",
                            "damaged",
                            "expired",
                            "lost",
                            "found",
                            "count_correction",
                            "transfer",
                        ],
                    )
                ),
                name="chk_movement_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="stockmovement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        (
                            "kind__in",
                            ("transfer_out", "transfer_in", "transfer_cancelled", "transit_loss"),
                        ),
                        ("transfer__isnull", False),
                    ),
                    models.Q(
                        models.Q(
                            (
                                "kind__in",
                                (
                                    "transfer_out",
                                    "transfer_in",
                                    "transfer_cancelled",
                                    "transit_loss",
                                ),
                            ),
                            _negated=True,
                        ),
                        ("transfer__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="chk_movement_transfer",
            ),
        ),
        migrations.AddConstraint(
            model_name="stockmovement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("kind", "transfer_out"), ("quantity_change__lt", 0), ("reason", "transfer")
                    ),
                    models.Q(
                        ("kind__in", ["transfer_in", "transfer_cancelled"]),
                        ("quantity_change__gt", 0),
                        ("reason", "transfer"),
                    ),
                    models.Q(
                        ("kind", "transit_loss"),
                        ("quantity_change__lt", 0),
                        ("reason__in", ("damaged", "expired", "lost")),
                    ),
                    models.Q(
                        models.Q(
                            (
                                "kind__in",
                                (
                                    "transfer_out",
                                    "transfer_in",
                                    "transfer_cancelled",
                                    "transit_loss",
                                ),
                            ),
                            _negated=True,
                        ),
                        models.Q(("reason", "transfer"), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="chk_movement_transfer_step",
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(("source", models.F("destination")), _negated=True),
                name="chk_transfer_centers",
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(("quantity__gt", 0)), name="chk_transfer_quantity"
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["in_transit", "received", "cancelled"])),
                name="chk_transfer_status",
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("loss_reason__isnull", True),
                    ("loss_reason__in", ["damaged", "expired", "lost"]),
                    _connector="OR",
                ),
                name="chk_transfer_loss_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("quantity_received__gte", 0),
                        ("quantity_received__isnull", False),
                        ("quantity_received__lte", models.F("quantity")),
                        ("received_at__isnull", False),
                        ("received_by__isnull", False),
                        ("status", "received"),
                    ),
                    models.Q(
                        models.Q(("status", "received"), _negated=True),
                        ("quantity_received__isnull", True),
                        ("received_at__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="chk_transfer_receipt",
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("cancelled_at__isnull", False),
                        ("cancelled_by__isnull", False),
                        ("status", "cancelled"),
                    ),
                    models.Q(
                        models.Q(("status", "cancelled"), _negated=True),
                        ("cancelled_at__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="chk_transfer_cancellation",
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("loss_reason__isnull", False),
                        ("quantity_received__isnull", False),
                        ("quantity_received__lt", models.F("quantity")),
                    ),
                    models.Q(
                        ("loss_reason__isnull", True),
                        models.Q(
                            ("quantity_received__isnull", True),
                            ("quantity_received", models.F("quantity")),
                            _connector="OR",
                        ),
                    ),
                    _connector="OR",
                ),
                name="chk_transfer_loss",
            ),
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Stock_Movements ADD CONSTRAINT chk_movement_kind_exact CHECK (CAST(kind AS BINARY) IN ('restock', 'adjustment', 'transfer_out', 'transfer_in', 'transfer_cancelled', 'transit_loss'))"
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
                    "ALTER TABLE Stock_Movements ADD CONSTRAINT chk_movement_reason_exact CHECK (CAST(reason AS BINARY) IN ('delivery', 'damaged', 'expired', 'lost', 'found', 'count_correction', 'transfer'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Stock_Movements DROP CONSTRAINT IF EXISTS chk_movement_reason_exact"
                ]
            },
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Stock_Transfers ADD CONSTRAINT chk_transfer_status_exact CHECK (CAST(status AS BINARY) IN ('in_transit', 'received', 'cancelled'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Stock_Transfers DROP CONSTRAINT IF EXISTS chk_transfer_status_exact"
                ]
            },
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Stock_Transfers ADD CONSTRAINT chk_transfer_loss_reason_exact CHECK (CAST(loss_reason AS BINARY) IN ('damaged', 'expired', 'lost'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Stock_Transfers DROP CONSTRAINT IF EXISTS chk_transfer_loss_reason_exact"
                ]
            },
        ),
    ]
