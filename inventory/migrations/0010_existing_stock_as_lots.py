"""Existing stock becomes lots; existing food and medical packages become perishable.

Each inventory row holding units gets one lot with no code and no expiry date that
holds them all, so a row's lots add up to it from the start (check_stock). Those
units never expire; units restocked from now on carry their own lot. Going back,
nothing is undone here: 0009 going back drops the lots and the column.
"""

from django.db import migrations
from django.utils import timezone

BATCH = 1000


def existing_stock_as_lots(apps, schema_editor):
    AidPackage = apps.get_model("inventory", "AidPackage")
    Inventory = apps.get_model("inventory", "Inventory")
    StockLot = apps.get_model("inventory", "StockLot")
    AidPackage.objects.filter(category__in=["food", "medical"]).update(is_perishable=True)
    now = timezone.now()
    rows = Inventory.objects.filter(quantity_on_hand__gt=0).order_by("pk")
    lots = [
        StockLot(inventory_id=pk, quantity=on_hand, received_at=now)
        for pk, on_hand in rows.values_list("pk", "quantity_on_hand").iterator()
    ]
    StockLot.objects.bulk_create(lots, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0009_stock_lots"),
    ]

    operations = [
        migrations.RunPython(existing_stock_as_lots, migrations.RunPython.noop),
    ]
