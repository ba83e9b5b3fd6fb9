"""The households' change history, and the access log's new actions and formats.

Household_Changes holds who changed what and when, with the old and new values of the
fields that are no personal data; Household_Change_Values holds the personal ones, so
that anonymising a household erases them and leaves its history as written. Their
append-only triggers come in the next migration (MySQL DDL is not transactional).
On MySQL/MariaDB the action check is also exact (binary), as for every enum column.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from core.db.migrations import VendorRunSQL


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("centers", "0004_staff_center_unless_admin"),
        ("households", "0010_anonymised_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="HouseholdChange",
            fields=[
                ("id", models.AutoField(db_column="change_id", primary_key=True, serialize=False)),
                (
                    "staff_name",
                    models.CharField(help_text="Who changed it, as named then.", max_length=120),
                ),
                (
                    "staff_role",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("admin", "Admin"),
                            ("manager", "Manager"),
                            ("worker", "Worker"),
                            ("volunteer", "Volunteer"),
                        ],
                        max_length=9,
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("registered", "Registered"),
                            ("edited", "Edited"),
                            ("status", "Status changed"),
                            ("member_added", "Member added"),
                            ("member_edited", "Member changed"),
                            ("member_removed", "Member removed"),
                            ("alternates", "Alternate collectors changed"),
                            ("card_issued", "Card issued"),
                            ("duplicate_dismissed", "Possible duplicate dismissed"),
                            ("duplicate_confirmed", "Duplicate confirmed"),
                            ("anonymised", "Anonymised"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "subject",
                    models.CharField(
                        blank=True,
                        help_text="What of the household changed, if not itself.",
                        max_length=60,
                    ),
                ),
                ("changes", models.JSONField(blank=True, default=dict)),
                ("erasable", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "db_table": "Household_Changes",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="accesslog",
            name="chk_access_action",
        ),
        migrations.RemoveConstraint(
            model_name="accesslog",
            name="chk_access_export_format",
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
            ),
        ),
        migrations.AddConstraint(
            model_name="accesslog",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("action__in", ["export", "view_household", "list_households", "anonymise"])
                ),
                name="chk_access_action",
            ),
        ),
        migrations.AddConstraint(
            model_name="accesslog",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("export_format__isnull", True),
                    ("export_format__in", ["csv", "xlsx", "hxl", "html", "json"]),
                    _connector="OR",
                ),
                name="chk_access_export_format",
            ),
        ),
        migrations.AddField(
            model_name="householdchange",
            name="household",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="changes",
                to="households.household",
            ),
        ),
        migrations.AddField(
            model_name="householdchange",
            name="staff",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="household_changes",
                to="centers.staffmember",
            ),
        ),
        migrations.CreateModel(
            name="HouseholdChangeValues",
            fields=[
                (
                    "change",
                    models.OneToOneField(
                        db_column="change_id",
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="personal_values",
                        serialize=False,
                        to="audit.householdchange",
                    ),
                ),
                ("changes", models.JSONField(default=dict)),
                (
                    "household",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="households.household",
                    ),
                ),
            ],
            options={
                "db_table": "Household_Change_Values",
            },
        ),
        migrations.AddIndex(
            model_name="householdchange",
            index=models.Index(
                fields=["household", "created_at"], name="idx_change_household_date"
            ),
        ),
        migrations.AddConstraint(
            model_name="householdchange",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "action__in",
                        [
                            "registered",
                            "edited",
                            "status",
                            "member_added",
                            "member_edited",
                            "member_removed",
                            "alternates",
                            "card_issued",
                            "duplicate_dismissed",
                            "duplicate_confirmed",
                            "anonymised",
                        ],
                    )
                ),
                name="chk_change_action",
            ),
        ),
        migrations.AddConstraint(
            model_name="householdchange",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("staff_role", ""),
                    ("staff_role__in", ["admin", "manager", "worker", "volunteer"]),
                    _connector="OR",
                ),
                name="chk_change_staff_role",
            ),
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Household_Changes ADD CONSTRAINT chk_change_action_exact "
                    "CHECK (CAST(action AS BINARY) IN ('registered', 'edited', 'status', "
                    "'member_added', 'member_edited', 'member_removed', 'alternates', "
                    "'card_issued', 'duplicate_dismissed', 'duplicate_confirmed', 'anonymised'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Household_Changes DROP CONSTRAINT IF EXISTS chk_change_action_exact"
                ]
            },
        ),
    ]
