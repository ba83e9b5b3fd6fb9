"""Who recorded each audit row, as they were named then: `staff_name` and `staff_role`.

Until now a row named its staff member by key only, so renaming them rewrote what
every past row showed. The columns are empty here for existing rows; 0014 fills them
and adds the check that keeps them filled.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0011_procedures_take_from_lots"),
    ]

    operations = [
        migrations.AddField(
            model_name="distributionlog",
            name="staff_name",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Who recorded it, as named then; empty when no staff member did.",
                max_length=120,
            ),
        ),
        migrations.AddField(
            model_name="distributionlog",
            name="staff_role",
            field=models.CharField(
                blank=True,
                choices=[
                    ("admin", "Admin"),
                    ("manager", "Manager"),
                    ("worker", "Worker"),
                    ("volunteer", "Volunteer"),
                ],
                db_default="",
                default="",
                max_length=9,
            ),
        ),
    ]
