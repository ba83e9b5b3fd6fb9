"""Index both name columns for household search (households.selectors.search_households).

Without them every search, even by phone or id, scanned the whole table: 1.2 to 1.5 s
on a million households (docs/BENCHMARKS.md, "Household search"). Each index also holds
the primary key, so a name branch of the search reads (family_name, id) from it alone.
Same indexes on SQLite and MySQL/MariaDB (Household.Meta.indexes).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0003_exact_enum_checks"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="household",
            index=models.Index(fields=["family_name"], name="idx_household_family_name"),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                fields=["primary_contact_name", "family_name"], name="idx_household_contact_family"
            ),
        ),
    ]
