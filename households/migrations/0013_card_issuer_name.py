"""Who issued each card, as they were named then: `Household_Cards.issued_by_name`.

A card named its issuer by key only, so renaming a staff member rewrote who every past
card (and a subject access export) said had issued it. Existing cards get their issuer
as named now, the nearest to "then" the database still knows; a check then keeps the
column filled.
"""

from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Concat, Substr


def fill_issuer_names(apps, schema_editor):
    HouseholdCard = apps.get_model("households", "HouseholdCard")
    StaffMember = apps.get_model("centers", "StaffMember")
    names = StaffMember.objects.filter(issued_cards__isnull=False).annotate(
        kept=Substr(Concat("first_name", Value(" "), "last_name"), 1, 120)
    )
    for staff_id, name in names.values_list("pk", "kept").distinct():
        HouseholdCard.objects.filter(issued_by_id=staff_id).update(issued_by_name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("centers", "0005_staff_language_and_field_names"),
        ("households", "0012_preferred_language_and_translations"),
    ]

    operations = [
        migrations.AddField(
            model_name="householdcard",
            name="issued_by_name",
            field=models.CharField(
                default="",
                help_text="Who issued the card, as named then.",
                max_length=120,
                verbose_name="issued by (name then)",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_issuer_names, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="householdcard",
            constraint=models.CheckConstraint(
                condition=models.Q(("issued_by_name", ""), _negated=True),
                name="chk_card_issued_by_name",
            ),
        ),
    ]
