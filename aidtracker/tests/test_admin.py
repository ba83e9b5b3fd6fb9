"""Django admin follows the role matrix: who gets in, what they see, what they may change."""

import pytest
from django.urls import reverse

from distribution.models import DistributionLog
from distribution.services import distribute_package
from households.tests.factories import HouseholdFactory
from inventory.models import Inventory, StockMovement
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(center, other_center, admin_staff, worker):
    package = AidPackageFactory()
    own = restock(center=center, package=package, quantity=5, staff=admin_staff)
    other = restock(center=other_center, package=package, quantity=5, staff=admin_staff)
    log = distribute_package(
        household=HouseholdFactory(), package=package, center=center, staff=worker
    )
    return {"own": own, "other": other, "log": log}


@pytest.mark.parametrize(
    ("role", "status"), [("volunteer", 302), ("worker", 302), ("manager", 200)]
)
def test_only_managers_and_admins_enter(client, request, role, status):
    staff = request.getfixturevalue(role)
    staff.user.is_staff = True
    staff.user.save()
    client.force_login(staff.user)
    assert client.get(reverse("admin:index")).status_code == status


def test_manager_sees_only_own_center_rows(client, manager, world):
    client.force_login(manager.user)

    listing = client.get(reverse("admin:inventory_inventory_changelist"))
    assert list(listing.context["cl"].queryset) == [world["own"]]
    other_url = reverse("admin:inventory_inventory_change", args=[world["other"].pk])
    assert client.get(other_url).status_code == 302  # "doesn't exist" redirect, no data shown
    own_url = reverse("admin:inventory_inventory_change", args=[world["own"].pk])
    assert client.get(own_url).status_code == 200


def test_manager_sets_reorder_level_but_not_quantity(client, manager, world):
    client.force_login(manager.user)
    inventory = world["own"]
    url = reverse("admin:inventory_inventory_change", args=[inventory.pk])

    response = client.post(url, {"reorder_level": 3, "quantity_on_hand": 999})

    assert response.status_code == 302
    inventory.refresh_from_db()
    assert (inventory.reorder_level, inventory.quantity_on_hand) == (3, 4)  # one handed out


@pytest.mark.parametrize("role", ["manager", "admin_staff"])
def test_audit_and_movement_logs_are_read_only_for_everyone(client, request, role, world):
    staff = request.getfixturevalue(role)
    client.force_login(staff.user)
    log, movement = world["log"], StockMovement.objects.first()

    for model, obj in (
        ("distribution_distributionlog", log),
        ("inventory_stockmovement", movement),
    ):
        assert client.get(reverse(f"admin:{model}_add")).status_code == 403
        assert client.get(reverse(f"admin:{model}_delete", args=[obj.pk])).status_code == 403
        change = client.post(reverse(f"admin:{model}_change", args=[obj.pk]), {"notes": "edited"})
        assert change.status_code == 403
    assert DistributionLog.objects.filter(notes="edited").count() == 0


def test_admin_sees_every_center(client, admin_staff, world):
    client.force_login(admin_staff.user)
    listing = client.get(reverse("admin:inventory_inventory_changelist"))
    assert set(listing.context["cl"].queryset) == set(Inventory.objects.all())


def test_demoted_manager_loses_admin_at_next_request(client, manager):
    client.force_login(manager.user)
    assert client.get(reverse("admin:index")).status_code == 200
    manager.role = "worker"
    manager.save()
    assert client.get(reverse("admin:index")).status_code == 302
