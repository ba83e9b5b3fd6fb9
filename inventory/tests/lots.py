"""Helpers for the lot tests of every app: dates from today, a row's lots, the check."""

import datetime
from io import StringIO

from django.core.management import call_command
from django.db.models import Sum

from inventory.lot_models import utc_today
from inventory.models import Inventory, StockLot


def day(offset):
    """The UTC date `offset` days from today (negative: in the past)."""
    return utc_today() + datetime.timedelta(days=offset)


def lots_of(center, package):
    """[(lot code, expiry date, units)] of the row, first to expire first, empty ones too."""
    return list(
        StockLot.objects.filter(inventory__center=center, inventory__package=package).values_list(
            "lot_code", "expiry_date", "quantity"
        )
    )


def lot(center, package, code):
    return StockLot.objects.get(inventory__center=center, inventory__package=package, lot_code=code)


def assert_lots_add_up():
    """Every row's lots add up to its units on hand, and check_stock passes in full."""
    for inventory in Inventory.objects.all():
        in_lots = inventory.lots.aggregate(total=Sum("quantity", default=0))["total"]
        assert in_lots == inventory.quantity_on_hand, inventory
    call_command("check_stock", stdout=StringIO())
