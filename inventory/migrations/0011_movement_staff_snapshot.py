"""Who made each stock movement, as they were named then: `staff_name` and `staff_role`.

Until now a movement named its staff member by key only, so renaming them rewrote
what every past movement showed. The columns are empty here for existing rows; 0012
fills them and adds the check that keeps them filled.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0010_existing_stock_as_lots"),
    ]

    operations = [
        migrations.AddField(
            model_name="stockmovement",
            name="staff_name",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="Who made the change, as named then; empty when no staff member did.",
                max_length=120,
            ),
        ),
        migrations.AddField(
            model_name="stockmovement",
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
