"""When a household was anonymised (its personal data erased); empty until then.

The change history's triggers read it: a household's personal values in the history
may be deleted only once it is set.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0009_possible_duplicates"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
