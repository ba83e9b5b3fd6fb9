"""The queue of possible duplicates, and the link of a confirmed duplicate.

`Households.duplicate_of` points a confirmed duplicate at the household it
duplicates; `phone_tail` (the phone's last digits, stored and indexed) lets the
matcher find a typo in a phone's prefix, and (city, family_name) gives it a city's
distinct family names. The phone-tail index is created after its
column (the autodetector put it first). On MySQL/MariaDB the status check is also
exact (binary), as for every enum column.
"""

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.db import migrations, models

from core.db.migrations import VendorRunSQL


class Migration(migrations.Migration):
    dependencies = [
        ("centers", "0004_staff_center_unless_admin"),
        ("households", "0008_household_imports"),
    ]

    operations = [
        migrations.CreateModel(
            name="PossibleDuplicate",
            fields=[
                ("id", models.AutoField(db_column="pair_id", primary_key=True, serialize=False)),
                ("score", models.PositiveSmallIntegerField()),
                ("evidence", models.TextField(help_text="One sentence per line.")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("dismissed", "Not duplicates"),
                            ("confirmed", "Confirmed duplicates"),
                        ],
                        db_default="open",
                        default="open",
                        max_length=9,
                    ),
                ),
                ("found_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "db_table": "Possible_Duplicates",
                "ordering": ["-score", "id"],
            },
        ),
        migrations.AddField(
            model_name="household",
            name="duplicate_of",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="confirmed_duplicates",
                to="households.household",
            ),
        ),
        migrations.AddField(
            model_name="possibleduplicate",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="centers.staffmember",
            ),
        ),
        migrations.AddField(
            model_name="possibleduplicate",
            name="household_a",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="households.household",
            ),
        ),
        migrations.AddField(
            model_name="possibleduplicate",
            name="household_b",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="households.household",
            ),
        ),
        migrations.AddField(
            model_name="household",
            name="phone_tail",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Right("phone_number", 7),
                output_field=models.CharField(max_length=7),
            ),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(fields=["city", "family_name"], name="idx_household_city_family"),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(fields=["phone_tail"], name="idx_household_phone_tail"),
        ),
        migrations.AddIndex(
            model_name="possibleduplicate",
            index=models.Index(fields=["status", "score"], name="idx_possible_duplicate_status"),
        ),
        migrations.AddConstraint(
            model_name="possibleduplicate",
            constraint=models.UniqueConstraint(
                fields=("household_a", "household_b"), name="uq_possible_duplicate_pair"
            ),
        ),
        migrations.AddConstraint(
            model_name="possibleduplicate",
            constraint=models.CheckConstraint(
                condition=models.Q(("household_a__lt", models.F("household_b"))),
                name="chk_possible_duplicate_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="possibleduplicate",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["open", "dismissed", "confirmed"])),
                name="chk_possible_duplicate_status",
            ),
        ),
        migrations.AddConstraint(
            model_name="possibleduplicate",
            constraint=models.CheckConstraint(
                condition=models.Q(("score__lte", 100)), name="chk_possible_duplicate_score"
            ),
        ),
        migrations.AddConstraint(
            model_name="possibleduplicate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("decided_at__isnull", True), ("status", "open")),
                    models.Q(
                        models.Q(("status", "open"), _negated=True),
                        ("decided_at__isnull", False),
                        ("decided_by__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="chk_possible_duplicate_decided",
            ),
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Possible_Duplicates ADD CONSTRAINT chk_possible_duplicate_status_exact "
                    "CHECK (CAST(status AS BINARY) IN ('open', 'dismissed', 'confirmed'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Possible_Duplicates DROP CONSTRAINT IF EXISTS chk_possible_duplicate_status_exact"
                ]
            },
        ),
    ]
