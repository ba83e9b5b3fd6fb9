from decimal import Decimal

import factory

from centers.tests.factories import DistributionCenterFactory
from inventory.models import AidPackage, Inventory, StockLot


class AidPackageFactory(factory.django.DjangoModelFactory):
    """A food package that is not perishable (so restocks need no expiry date): tests
    about expiry say `is_perishable=True`, or None for the category's default."""

    class Meta:
        model = AidPackage

    package_name = factory.Sequence(lambda n: f"Package {n}")
    category = AidPackage.Category.FOOD
    unit_weight_kg = Decimal("12.50")
    estimated_cost = Decimal("45.00")
    validity_period_days = 30
    is_perishable = False


class InventoryFactory(factory.django.DjangoModelFactory):
    """An inventory row holding stock directly; use the restock service to keep the
    conservation invariant (this factory is for schema and view tests)."""

    class Meta:
        model = Inventory
        skip_postgeneration_save = True

    center = factory.SubFactory(DistributionCenterFactory)
    package = factory.SubFactory(AidPackageFactory)
    quantity_on_hand = 100
    reorder_level = 10

    @factory.post_generation
    def lot(self, create, extracted, **kwargs):
        """Its units as one lot without code and expiry, so its lots add up to it."""
        if create and self.quantity_on_hand:
            StockLot.objects.create(inventory=self, quantity=self.quantity_on_hand)
