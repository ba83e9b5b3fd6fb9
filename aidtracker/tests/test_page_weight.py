"""Pages stay small on a phone: the cold login page and every later page have a budget.

Bytes, not time: the sizes are deterministic, so the budget is a test; the table of
today's numbers is `python -m bench.page_weight`.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from devtools.page_weight import COLD_LOGIN_BUDGET, WARM_PAGE_BUDGET, measure
from distribution.services import distribute_package
from households.tests.factories import HouseholdFactory
from inventory.services import restock

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _ in settings.LANGUAGES]
# Lists filled to a whole page of rows: the heaviest each page gets.
WARM_PAGES = ["home", "households:list", "distribution:log", "inventory:stock", "reports:index"]


@pytest.fixture
def full_pages(portal):
    restock(center=portal.center, package=portal.package, quantity=30, staff=portal.staff["admin"])
    for household in HouseholdFactory.create_batch(60)[:30]:
        distribute_package(
            household=household,
            package=portal.package,
            center=portal.center,
            staff=portal.staff["worker"],
        )
    return portal


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_cold_login_page_fits_the_budget(language):
    weight = measure(Client(), reverse("login"), HTTP_ACCEPT_LANGUAGE=language)
    assert weight.assets, "the login page links no stylesheet: the measure is wrong"
    assert weight.cold <= COLD_LOGIN_BUDGET, (
        f"{language} login page: {weight.cold} bytes gzipped > {COLD_LOGIN_BUDGET} "
        f"({weight.assets})"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_later_page_fits_the_budget(full_pages, language):
    client = Client()
    client.force_login(full_pages.staff["manager"].user)
    for name in WARM_PAGES:
        weight = measure(client, reverse(name), HTTP_ACCEPT_LANGUAGE=language)
        assert weight.warm <= WARM_PAGE_BUDGET, (
            f"{language} {name}: {weight.warm} bytes gzipped > {WARM_PAGE_BUDGET}"
        )


def test_the_arabic_login_page_links_the_right_to_left_stylesheet():
    weight = measure(Client(), reverse("login"), HTTP_ACCEPT_LANGUAGE="ar")
    assert "vendor/bootstrap/css/bootstrap.rtl.min.css" in weight.assets
