from decimal import Decimal

import factory

from centers.tests.factories import DistributionCenterFactory
from inventory.models import AidPackage, Inventory


class AidPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AidPackage

    package_name = factory.Sequence(lambda n: f"Package {n}")
    category = AidPackage.Category.FOOD
    unit_weight_kg = Decimal("12.50")
    estimated_cost = Decimal("45.00")
    validity_period_days = 30


class InventoryFactory(factory.django.DjangoModelFactory):
    """An inventory row holding stock directly; use the restock service to keep the
    conservation invariant (this factory is for schema and view tests)."""

    class Meta:
        model = Inventory

    center = factory.SubFactory(DistributionCenterFactory)
    package = factory.SubFactory(AidPackageFactory)
    quantity_on_hand = 100
    reorder_level = 10
