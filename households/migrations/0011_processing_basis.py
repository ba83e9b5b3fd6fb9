"""The lawful basis for processing a household's data, who consented, and when.

Households registered before have none (all three empty) and are flagged until
someone records it. On MySQL/MariaDB the basis check is also exact (binary), as for
every enum column.
"""

from django.db import migrations, models

import core.validators
from core.db.migrations import VendorRunSQL


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0010_anonymised_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="basis_recorded_on",
            field=models.DateField(
                blank=True,
                null=True,
                validators=[core.validators.PlausibleDateValidator()],
                verbose_name="basis recorded on",
            ),
        ),
        migrations.AddField(
            model_name="household",
            name="consent_given_by",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Who gave consent, and their relation to the household.",
                max_length=150,
            ),
        ),
        migrations.AddField(
            model_name="household",
            name="processing_basis",
            field=models.CharField(
                blank=True,
                choices=[
                    ("consent", "Consent"),
                    ("vital_interests", "Vital interests (life or safety at stake)"),
                    ("public_task", "Public interest or official mandate"),
                    ("legitimate", "Legitimate interests"),
                    ("legal_obligation", "Legal obligation"),
                ],
                max_length=16,
                null=True,
                verbose_name="basis for processing",
            ),
        ),
        migrations.AddConstraint(
            model_name="household",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("processing_basis__isnull", True),
                    (
                        "processing_basis__in",
                        [
                            "consent",
                            "vital_interests",
                            "public_task",
                            "legitimate",
                            "legal_obligation",
                        ],
                    ),
                    _connector="OR",
                ),
                name="chk_household_processing_basis",
            ),
        ),
        migrations.AddConstraint(
            model_name="household",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("basis_recorded_on__isnull", True), ("processing_basis__isnull", True)
                    ),
                    models.Q(
                        ("basis_recorded_on__isnull", False), ("processing_basis__isnull", False)
                    ),
                    _connector="OR",
                ),
                name="chk_household_basis_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="household",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("processing_basis", "consent"), _negated=True),
                    models.Q(("consent_given_by", ""), _negated=True),
                    _connector="OR",
                ),
                name="chk_household_consent_by",
            ),
        ),
        VendorRunSQL(
            sql={
                "mysql": [
                    "ALTER TABLE Households ADD CONSTRAINT chk_household_processing_basis_exact "
                    "CHECK (processing_basis IS NULL OR CAST(processing_basis AS BINARY) IN "
                    "('consent', 'vital_interests', 'public_task', 'legitimate', 'legal_obligation'))"
                ]
            },
            reverse_sql={
                "mysql": [
                    "ALTER TABLE Households DROP CONSTRAINT IF EXISTS "
                    "chk_household_processing_basis_exact"
                ]
            },
        ),
    ]
