"""Security details that no other module covers: CSRF, hashing, masking, 500s."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client, override_settings
from django.urls import reverse

from households.tests.factories import HouseholdFactory
from inventory.models import Inventory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_every_post_without_a_csrf_token_is_refused(csrf_client, manager, center, admin_staff):
    package = AidPackageFactory()
    inventory = restock(center=center, package=package, quantity=5, staff=admin_staff)
    household = HouseholdFactory()
    csrf_client.force_login(manager.user)
    posts = {
        reverse("distribution:new"): {
            "household": household.pk,
            "package": package.pk,
            "quantity": 1,
        },
        reverse("inventory:restock", args=[center.pk]): {"package": package.pk, "quantity": 5},
        reverse("inventory:adjust", args=[inventory.pk]): {"delta": -1, "reason": "damaged"},
        reverse("households:status", args=[household.pk]): {"status": "suspended"},
        reverse("households:create"): {"family_name": "X"},
        reverse("logout"): {},
    }
    for url, data in posts.items():
        assert csrf_client.post(url, data).status_code == 403, url
    inventory.refresh_from_db()
    assert inventory.quantity_on_hand == 5
    household.refresh_from_db()
    assert household.status == "active"


def test_passwords_are_hashed_with_argon2():
    # The test settings swap in a fast hasher; every real environment uses the base list.
    from aidtracker.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_a_stored_password_is_an_argon2_hash(worker):
    worker.user.set_password("a-fresh-long-passphrase")
    worker.user.save()
    worker.user.refresh_from_db()
    assert identify_hasher(worker.user.password).algorithm == "argon2"


@pytest.mark.parametrize(("role", "masked"), [("volunteer", True), ("worker", False)])
def test_volunteers_see_phone_numbers_masked(client, request, role, masked):
    household = HouseholdFactory(phone_number="+1 202 555 0134")
    client.force_login(request.getfixturevalue(role).user)
    for url in (household.get_absolute_url(), reverse("households:list")):
        page = client.get(url).content.decode()
        assert ("202-555-0134" in page) is not masked, url
        assert ("•" in page) is masked, url


def test_500_page_shows_the_request_id(client, worker, monkeypatch):
    client.force_login(worker.user)
    client.raise_request_exception = False

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(Inventory.objects, "filter", broken)
    response = client.get(reverse("inventory:stock"))
    assert response.status_code == 500
    assert response["X-Request-ID"] in response.content.decode()
    assert "boom" not in response.content.decode()
