"""Take over the access log's model from the reports app; the table stays as it is.

Access_Log, its indexes, checks and append-only triggers were created by reports
migrations 0001, 0002 and 0007. Only Django's record of which app owns the model
moves: no SQL runs here.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("centers", "0004_staff_center_unless_admin"),
        ("reports", "0007_access_log_refuses_every_update"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AccessLog",
                    fields=[
                        (
                            "id",
                            models.AutoField(
                                db_column="access_id", primary_key=True, serialize=False
                            ),
                        ),
                        (
                            "staff_name",
                            models.CharField(
                                help_text="Name and role of the staff member at the time.",
                                max_length=120,
                            ),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("export", "Export"),
                                    ("view_household", "View household"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "target",
                            models.CharField(
                                help_text="The report exported, or the kind of record viewed.",
                                max_length=50,
                            ),
                        ),
                        (
                            "object_id",
                            models.CharField(
                                blank=True,
                                help_text="The record viewed, if any.",
                                max_length=40,
                                null=True,
                            ),
                        ),
                        (
                            "export_format",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("csv", "CSV"),
                                    ("xlsx", "Excel (XLSX)"),
                                    ("hxl", "HXL CSV"),
                                ],
                                max_length=4,
                                null=True,
                            ),
                        ),
                        (
                            "params",
                            models.JSONField(
                                blank=True, default=dict, help_text="Filters or parameters used."
                            ),
                        ),
                        ("row_count", models.IntegerField(blank=True, null=True)),
                        (
                            "created_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        (
                            "staff",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="access_logs",
                                to="centers.staffmember",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "Access_Log",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["staff", "created_at"], name="idx_access_staff_date"
                            ),
                            models.Index(
                                fields=["target", "object_id"], name="idx_access_target_object"
                            ),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("action__in", ["export", "view_household"])),
                                name="chk_access_action",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("export_format__isnull", True),
                                    ("export_format__in", ["csv", "xlsx", "hxl"]),
                                    _connector="OR",
                                ),
                                name="chk_access_export_format",
                            ),
                        ],
                    },
                ),
            ]
        ),
    ]
