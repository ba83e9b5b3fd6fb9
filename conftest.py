"""Fixtures shared by every app's tests (one signed-in-able staff member per role), the
`mysql` marker, and the Hypothesis profiles.

Hypothesis: CI (the `CI` variable set) runs the "ci" profile, derandomized, so a run
draws the same examples every time and a failure there fails the same way here; it
prints the `@reproduce_failure` blob to replay one example exactly. Elsewhere the
"dev" profile draws new examples on every run. HYPOTHESIS_PROFILE picks one by name.
"""

import os

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True, database=None)
hypothesis_settings.register_profile("dev", print_blob=True, database=None)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


def pytest_collection_modifyitems(config, items):
    """Skip tests marked `mysql` when the suite runs on another database (SQLite)."""
    if connection.vendor == "mysql":
        return
    for item in items:
        marker = item.get_closest_marker("mysql")
        if marker is not None:
            reason = marker.kwargs.get("reason") or "needs MySQL/MariaDB"
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """Each test starts in English: a request leaves its language active in the thread
    (LocaleMiddleware and the staff preference activate it; nothing deactivates it), so
    one test signing in an Arabic-reading worker would turn the next one's messages."""
    from django.utils import translation

    yield
    translation.deactivate()


from centers.models import StaffMember  # noqa: E402
from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory  # noqa: E402


@pytest.fixture
def center(db):
    return DistributionCenterFactory(center_name="Riverside", city="Springfield")


@pytest.fixture
def other_center(db):
    return DistributionCenterFactory(center_name="Hillcrest", city="Shelbyville")


def _staff(role, center, username):
    return StaffMemberFactory(role=role, center=center, user__username=username)


@pytest.fixture
def volunteer(center):
    return _staff(StaffMember.Role.VOLUNTEER, center, "volunteer")


@pytest.fixture
def worker(center):
    return _staff(StaffMember.Role.WORKER, center, "worker")


@pytest.fixture
def manager(center):
    return _staff(StaffMember.Role.MANAGER, center, "manager")


@pytest.fixture
def admin_staff(center):
    staff = _staff(StaffMember.Role.ADMIN, center, "admin")
    staff.user.is_staff = staff.user.is_superuser = True
    staff.user.save()
    return staff


@pytest.fixture
def other_manager(other_center):
    return _staff(StaffMember.Role.MANAGER, other_center, "other-manager")


# --- The portal's small world: shared by the access, form, fuzz and browser tests ---


@pytest.fixture
def portal(center, other_center, volunteer, worker, manager, admin_staff, other_manager):
    """Two centers stocked with one package, households, and one success log at each center.

    Everything the pages are about belongs to `center` (the signed-in staff's own
    center) unless its name starts with `other_`.
    """
    from types import SimpleNamespace

    from distribution.services import distribute_package
    from households.tests.factories import HouseholdFactory
    from inventory.services import restock
    from inventory.tests.factories import AidPackageFactory

    package = AidPackageFactory(package_name="Food basket", validity_period_days=30)
    other_package = AidPackageFactory(package_name="Hygiene kit", category="hygiene")
    inventory = restock(center=center, package=package, quantity=20, staff=admin_staff)
    restock(center=center, package=other_package, quantity=5, staff=admin_staff)
    other_inventory = restock(center=other_center, package=package, quantity=20, staff=admin_staff)
    household = HouseholdFactory(
        family_name="Okafor", primary_contact_name="Ngozi Okafor", phone_number="+1 312 555 0142"
    )
    served = HouseholdFactory(family_name="Lindqvist", primary_contact_name="Maja Lindqvist")
    log = distribute_package(household=served, package=package, center=center, staff=worker)
    other_served = HouseholdFactory(family_name="Haddad", primary_contact_name="Rami Haddad")
    other_log = distribute_package(
        household=other_served, package=package, center=other_center, staff=other_manager
    )
    inventory.refresh_from_db()
    other_inventory.refresh_from_db()
    return SimpleNamespace(
        center=center,
        other_center=other_center,
        package=package,
        other_package=other_package,
        inventory=inventory,
        other_inventory=other_inventory,
        household=household,
        served=served,
        other_served=other_served,
        log=log,
        other_log=other_log,
        staff={
            "volunteer": volunteer,
            "worker": worker,
            "manager": manager,
            "admin": admin_staff,
            "other_manager": other_manager,
        },
    )


@pytest.fixture
def db_state():
    """Return a callable that captures what a refused request must leave unchanged."""
    from audit.models import HouseholdChange, HouseholdChangeValues
    from distribution.models import DistributionLog
    from households.models import (
        AlternateCollector,
        Household,
        HouseholdCard,
        HouseholdImport,
        HouseholdMember,
        PossibleDuplicate,
    )
    from inventory.models import AidPackage, Inventory, StockLot, StockMovement, Transfer

    def capture():
        return {
            "inventory": list(
                Inventory.objects.order_by("pk").values_list(
                    "pk", "quantity_on_hand", "reorder_level"
                )
            ),
            "logs": list(
                DistributionLog.objects.order_by("pk").values_list("pk", "transaction_status")
            ),
            "movements": StockMovement.objects.count(),
            "lots": list(StockLot.objects.order_by("pk").values_list("pk", "quantity")),
            "households": list(Household.objects.order_by("pk").values()),
            "cards": list(HouseholdCard.objects.order_by("pk").values_list("pk", "revoked_at")),
            "packages": list(AidPackage.objects.order_by("pk").values()),
            "members": list(HouseholdMember.objects.order_by("pk").values()),
            "alternates": list(AlternateCollector.objects.order_by("pk").values()),
            "imports": list(
                HouseholdImport.objects.order_by("pk").values_list("pk", "status", "attempt")
            ),
            "duplicates": list(
                PossibleDuplicate.objects.order_by("pk").values_list("pk", "status")
            ),
            "transfers": list(Transfer.objects.order_by("pk").values_list("pk", "status")),
            "history": list(HouseholdChange.objects.order_by("pk").values_list("pk", "action")),
            "history_values": HouseholdChangeValues.objects.count(),
        }

    return capture
