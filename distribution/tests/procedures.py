"""Helpers shared by the stored-procedure test modules: calling them, and one fresh world."""

from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from centers.models import DistributionCenter, StaffMember
from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory
from households.models import Household
from households.tests.factories import HouseholdFactory
from inventory.models import AidPackage
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

# Each stored-procedure test module sets `pytestmark = PROCEDURE_TEST_MARKS`.
PROCEDURE_TEST_MARKS = [
    pytest.mark.mysql(reason="Stored procedures exist only on MySQL/MariaDB; SQLite has none."),
    # The procedures COMMIT, which would end a test wrapped in a transaction.
    pytest.mark.django_db(transaction=True),
]

Role = StaffMember.Role


# --- Calling the procedures -------------------------------------------------------


def call_distribute(
    household_id, package_id, center_id, staff_id, quantity, *, procedure="sp_distribute_package"
):
    """CALL sp_distribute_package on this thread's connection; return (log_id, status, reason)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CALL {procedure}(%s, %s, %s, %s, %s, @log_id, @status, @reason)",
            [household_id, package_id, center_id, staff_id, quantity],
        )
        cursor.execute("SELECT @log_id, @status, @reason")
        return cursor.fetchone()


def call_restock(center_id, package_id, quantity):
    with connection.cursor() as cursor:
        cursor.execute("CALL sp_restock_inventory(%s, %s, %s)", [center_id, package_id, quantity])


def check_stock():
    """Run `manage.py check_stock`; it raises CommandError on any mismatch."""
    out = StringIO()
    call_command("check_stock", stdout=out)
    return out.getvalue()


# --- One world of fixtures per run ------------------------------------------------


@dataclass
class World:
    household: Household
    other_household: Household
    package: AidPackage
    unstocked_package: AidPackage
    center: DistributionCenter
    other_center: DistributionCenter
    worker: StaffMember
    outsider: StaffMember
    manager: StaffMember
    admin: StaffMember

    def name_of(self, model, pk):
        """Name the world's object of `model` whose key is `pk`, so two worlds compare."""
        if pk is None:
            return None
        return next(
            name
            for name, value in vars(self).items()
            if isinstance(value, model) and value.pk == pk
        )


def build_world():
    """Fresh households, packages, centers and staff; `package` stocked 10 and 5."""
    center = DistributionCenterFactory()
    other_center = DistributionCenterFactory()
    world = World(
        household=HouseholdFactory(),
        other_household=HouseholdFactory(),
        package=AidPackageFactory(validity_period_days=30),
        unstocked_package=AidPackageFactory(),
        center=center,
        other_center=other_center,
        worker=StaffMemberFactory(role=Role.WORKER, center=center),
        outsider=StaffMemberFactory(role=Role.WORKER, center=other_center),
        manager=StaffMemberFactory(role=Role.MANAGER, center=center),
        admin=StaffMemberFactory(role=Role.ADMIN, center=center),
    )
    restock(center=center, package=world.package, quantity=10, staff=world.admin)
    restock(center=other_center, package=world.package, quantity=5, staff=world.admin)
    return world
