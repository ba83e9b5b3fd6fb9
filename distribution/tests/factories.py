import factory

from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory
from distribution.models import DistributionLog
from households.tests.factories import HouseholdFactory
from inventory.tests.factories import AidPackageFactory


class DistributionLogFactory(factory.django.DjangoModelFactory):
    """A raw audit row, for view and constraint tests; real rows come from the services."""

    class Meta:
        model = DistributionLog

    household = factory.SubFactory(HouseholdFactory)
    package = factory.SubFactory(AidPackageFactory)
    center = factory.SubFactory(DistributionCenterFactory)
    staff = factory.SubFactory(StaffMemberFactory, center=factory.SelfAttribute("..center"))
    quantity_distributed = 1
    transaction_status = DistributionLog.Status.SUCCESS
