"""The language a household reads (its card and receipts print in it), and the names
people read of the households' models and fields, now translatable.

Only `preferred_language` changes the database: a column, empty for every household
registered so far. The rest are names and labels, which no database holds.
"""

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models

import core.validators
import households.fields


class Migration(migrations.Migration):
    dependencies = [
        ("centers", "0004_staff_center_unless_admin"),
        ("households", "0011_processing_basis"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="alternatecollector",
            options={
                "ordering": ["household_id", "id"],
                "verbose_name": "alternate collector",
                "verbose_name_plural": "alternate collectors",
            },
        ),
        migrations.AlterModelOptions(
            name="household",
            options={
                "ordering": ["family_name", "id"],
                "verbose_name": "household",
                "verbose_name_plural": "households",
            },
        ),
        migrations.AlterModelOptions(
            name="householdcard",
            options={
                "ordering": ["-issued_at", "-id"],
                "verbose_name": "household card",
                "verbose_name_plural": "household cards",
            },
        ),
        migrations.AlterModelOptions(
            name="householdimport",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "household import",
                "verbose_name_plural": "household imports",
            },
        ),
        migrations.AlterModelOptions(
            name="householdimportrow",
            options={
                "ordering": ["household_import", "phase", "row"],
                "verbose_name": "household import row",
                "verbose_name_plural": "household import rows",
            },
        ),
        migrations.AlterModelOptions(
            name="householdmember",
            options={
                "ordering": ["household_id", "id"],
                "verbose_name": "household member",
                "verbose_name_plural": "household members",
            },
        ),
        migrations.AlterModelOptions(
            name="possibleduplicate",
            options={
                "ordering": ["-score", "id"],
                "verbose_name": "possible duplicate",
                "verbose_name_plural": "possible duplicates",
            },
        ),
        migrations.AddField(
            model_name="household",
            name="preferred_language",
            field=models.CharField(
                blank=True,
                choices=[
                    ("en", "English"),
                    ("fr", "Français"),
                    ("es", "Español"),
                    ("ar", "العربية"),
                ],
                db_default="",
                default="",
                help_text="The language the household reads; its card and receipts print in it.",
                max_length=7,
                verbose_name="preferred language",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="address",
            field=models.CharField(max_length=255, verbose_name="address"),
        ),
        migrations.AlterField(
            model_name="household",
            name="anonymised_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="anonymised at"
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="city",
            field=models.CharField(db_index=True, max_length=100, verbose_name="city"),
        ),
        migrations.AlterField(
            model_name="household",
            name="consent_given_by",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Who gave consent, and their relation to the household.",
                max_length=150,
                verbose_name="consent given by",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="created_at",
            field=models.DateTimeField(
                auto_now_add=True,
                db_default=django.db.models.functions.datetime.Now(),
                verbose_name="created at",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="duplicate_of",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="confirmed_duplicates",
                to="households.household",
                verbose_name="duplicate of",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="email",
            field=models.EmailField(blank=True, max_length=100, null=True, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="household",
            name="family_name",
            field=models.CharField(
                max_length=100,
                validators=[core.validators.validate_has_letter],
                verbose_name="family name",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="family_size",
            field=models.IntegerField(verbose_name="family size"),
        ),
        migrations.AlterField(
            model_name="household",
            name="income_level",
            field=models.CharField(
                choices=[
                    ("no_income", "No income"),
                    ("very_low", "Very low"),
                    ("low", "Low"),
                    ("moderate", "Moderate"),
                ],
                max_length=9,
                verbose_name="income level",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="last_verified_date",
            field=models.DateField(
                blank=True,
                null=True,
                validators=[core.validators.PlausibleDateValidator()],
                verbose_name="last verified date",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="notes",
            field=models.TextField(
                blank=True,
                max_length=2000,
                null=True,
                validators=[django.core.validators.MaxLengthValidator(2000)],
                verbose_name="notes",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="phone_number",
            field=households.fields.E164PhoneField(
                error_messages={
                    "unique": "A household with this phone number is already registered."
                },
                help_text="Any spelling; stored in international E.164 form.",
                max_length=20,
                unique=True,
                verbose_name="phone number",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="primary_contact_name",
            field=models.CharField(
                max_length=100,
                validators=[core.validators.validate_has_letter],
                verbose_name="primary contact name",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="priority_level",
            field=models.CharField(
                choices=[
                    ("critical", "Critical"),
                    ("high", "High"),
                    ("medium", "Medium"),
                    ("low", "Low"),
                ],
                db_default="medium",
                db_index=True,
                default="medium",
                max_length=8,
                verbose_name="priority level",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="registration_date",
            field=models.DateField(
                db_index=True,
                validators=[core.validators.PlausibleDateValidator()],
                verbose_name="registration date",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="state",
            field=models.CharField(max_length=50, verbose_name="state"),
        ),
        migrations.AlterField(
            model_name="household",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "Active"),
                    ("inactive", "Inactive"),
                    ("suspended", "Suspended"),
                ],
                db_default="active",
                db_index=True,
                default="active",
                max_length=9,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True,
                db_default=django.db.models.functions.datetime.Now(),
                verbose_name="updated at",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="zip_code",
            field=models.CharField(max_length=10, verbose_name="zip code"),
        ),
        migrations.AlterField(
            model_name="householdmember",
            name="created_at",
            field=models.DateTimeField(
                auto_now_add=True,
                db_default=django.db.models.functions.datetime.Now(),
                verbose_name="created at",
            ),
        ),
        migrations.AlterField(
            model_name="householdmember",
            name="date_of_birth",
            field=models.DateField(
                blank=True,
                null=True,
                validators=[core.validators.PlausibleDateValidator()],
                verbose_name="date of birth",
            ),
        ),
        migrations.AlterField(
            model_name="householdmember",
            name="full_name",
            field=models.CharField(
                max_length=150,
                validators=[core.validators.validate_has_letter],
                verbose_name="full name",
            ),
        ),
        migrations.AlterField(
            model_name="householdmember",
            name="household",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="members",
                to="households.household",
                verbose_name="household",
            ),
        ),
        migrations.AlterField(
            model_name="householdmember",
            name="relationship_to_head",
            field=models.CharField(
                choices=[
                    ("head", "Head of household"),
                    ("spouse", "Spouse or partner"),
                    ("child", "Child"),
                    ("parent", "Parent"),
                    ("sibling", "Brother or sister"),
                    ("other_relative", "Other relative"),
                    ("non_relative", "Not related"),
                ],
                max_length=14,
                verbose_name="relationship to the head",
            ),
        ),
        migrations.AlterField(
            model_name="householdmember",
            name="sex",
            field=models.CharField(
                choices=[
                    ("female", "Female"),
                    ("male", "Male"),
                    ("other", "Other"),
                    ("unknown", "Unknown"),
                ],
                default="unknown",
                max_length=7,
                verbose_name="sex",
            ),
        ),
        migrations.AlterField(
            model_name="householdmember",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True,
                db_default=django.db.models.functions.datetime.Now(),
                verbose_name="updated at",
            ),
        ),
        migrations.AlterField(
            model_name="possibleduplicate",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="decided at"),
        ),
        migrations.AlterField(
            model_name="possibleduplicate",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="centers.staffmember",
                verbose_name="decided by",
            ),
        ),
        migrations.AlterField(
            model_name="possibleduplicate",
            name="evidence",
            field=models.TextField(help_text="One sentence per line.", verbose_name="evidence"),
        ),
        migrations.AlterField(
            model_name="possibleduplicate",
            name="found_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="found at"),
        ),
        migrations.AlterField(
            model_name="possibleduplicate",
            name="household_a",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="households.household",
                verbose_name="household A",
            ),
        ),
        migrations.AlterField(
            model_name="possibleduplicate",
            name="household_b",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="households.household",
                verbose_name="household B",
            ),
        ),
        migrations.AlterField(
            model_name="possibleduplicate",
            name="score",
            field=models.PositiveSmallIntegerField(verbose_name="score"),
        ),
        migrations.AlterField(
            model_name="possibleduplicate",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "Open"),
                    ("dismissed", "Not duplicates"),
                    ("confirmed", "Confirmed duplicates"),
                ],
                db_default="open",
                default="open",
                max_length=9,
                verbose_name="status",
            ),
        ),
    ]
