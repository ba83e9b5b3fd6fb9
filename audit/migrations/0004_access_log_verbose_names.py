"""Name the access log's fields for people (translatable labels); no schema change."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_household_changes_append_only"),
        ("centers", "0004_staff_center_unless_admin"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="accesslog",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "access log entry",
                "verbose_name_plural": "access log",
            },
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="action",
            field=models.CharField(
                choices=[
                    ("export", "Export"),
                    ("view_household", "View household"),
                    ("list_households", "List households"),
                    ("anonymise", "Anonymise household"),
                ],
                max_length=20,
                verbose_name="action",
            ),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="created_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, verbose_name="when"
            ),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="export_format",
            field=models.CharField(
                blank=True,
                choices=[
                    ("csv", "CSV"),
                    ("xlsx", "Excel (XLSX)"),
                    ("hxl", "HXL CSV"),
                    ("html", "Printable page"),
                    ("json", "JSON"),
                ],
                max_length=4,
                null=True,
                verbose_name="export format",
            ),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="object_id",
            field=models.CharField(
                blank=True,
                help_text="The record viewed, if any.",
                max_length=40,
                null=True,
                verbose_name="record",
            ),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="params",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Filters or parameters used.",
                verbose_name="parameters",
            ),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="row_count",
            field=models.IntegerField(blank=True, null=True, verbose_name="rows"),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="staff",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="access_logs",
                to="centers.staffmember",
                verbose_name="staff member",
            ),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="staff_name",
            field=models.CharField(
                help_text="Name and role of the staff member at the time.",
                max_length=120,
                verbose_name="staff name",
            ),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="target",
            field=models.CharField(
                help_text="The report exported, or the kind of record viewed.",
                max_length=50,
                verbose_name="target",
            ),
        ),
    ]
