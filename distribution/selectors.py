"""Reads over the distribution log: eligibility and history for the portal."""

import datetime
from dataclasses import dataclass

from django.db.models import Max

from inventory.models import AidPackage

from .models import DistributionLog
from .rules import eligibility_cutoff, next_eligible_day, served


@dataclass(frozen=True)
class PackageEligibility:
    package: AidPackage
    last_distribution_date: datetime.datetime | None
    next_eligible_date: datetime.date | None

    @property
    def eligible(self):
        return self.next_eligible_date is None


def household_eligibility(household, packages=None):
    """Return a PackageEligibility per active package for `household`, in one query.

    Same rule as the service (distribution.rules): a served distribution blocks the
    package until `validity_period_days` UTC calendar days after its date.
    """
    packages = list(packages if packages is not None else AidPackage.objects.filter(is_active=True))
    last_by_package = dict(
        DistributionLog.objects.filter(served(), household=household, package__in=packages)
        .values("package_id")
        .annotate(last=Max("distribution_date"))
        .values_list("package_id", "last")
    )
    rows = []
    for package in packages:
        last = last_by_package.get(package.pk)
        blocked = last is not None and last >= eligibility_cutoff(package.validity_period_days)
        next_date = next_eligible_day(last, package.validity_period_days) if blocked else None
        rows.append(PackageEligibility(package, last, next_date))
    return rows


def household_history(household):
    """Every audit row for a household, newest first, with what the page shows."""
    return DistributionLog.objects.filter(household=household).select_related(
        "package", "center", "staff", "voided_log"
    )
