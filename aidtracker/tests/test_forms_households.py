"""Household forms and pages: search by phone, number or name; register, edit, status."""

import pytest
from django.urls import reverse

from aidtracker.tests.form_helpers import REQUIRED, WHOLE_NUMBER, field_errors, signed_in
from aidtracker.tests.test_permission_matrix import household_form_data
from households.models import DUPLICATE_PHONE_MESSAGE, Household
from households.phones import INVALID_PHONE_MESSAGE

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ household search


@pytest.mark.parametrize(
    "query",
    ["(312) 555-0142", "312.555.0142", "+13125550142", "1 312 555 0142", "+1-312-555-0142"],
)
def test_search_finds_household_by_any_phone_spelling(client, portal, query):
    signed_in(client, portal, "volunteer")
    response = client.get(reverse("households:list"), {"q": query})
    assert list(response.context["page_obj"]) == [portal.household]


@pytest.mark.parametrize("template", ["{pk}", "#{pk}", " {pk} "])
def test_search_finds_household_by_number(client, portal, template):
    signed_in(client, portal, "worker")
    query = template.format(pk=portal.household.pk)
    response = client.get(reverse("households:list"), {"q": query})
    assert portal.household in response.context["page_obj"]


@pytest.mark.parametrize("query", ["Oka", "okaf", "OKAFOR", "Ngozi"])
def test_search_finds_household_by_name_prefix(client, portal, query):
    signed_in(client, portal, "worker")
    response = client.get(reverse("households:list"), {"q": query})
    assert list(response.context["page_obj"]) == [portal.household]


def test_search_without_match_says_so(client, portal):
    signed_in(client, portal, "worker")
    response = client.get(reverse("households:list"), {"q": "kafor"})  # not a prefix
    assert list(response.context["page_obj"]) == []
    assert "No household matches “kafor”" in response.content.decode()


def test_volunteers_see_only_the_end_of_phone_numbers(client, portal):
    signed_in(client, portal, "volunteer")
    content = client.get(reverse("households:list"), {"q": "Okafor"}).content.decode()
    assert "555 0142" not in content
    assert "42" in content


def test_distribution_picker_finds_household_by_phone(client, portal):
    signed_in(client, portal, "worker")
    response = client.get(
        reverse("distribution:household_picker"), {"household_query": "312 555-0142"}
    )
    assert list(response.context["results"]) == [portal.household]


# --------------------------------------------------------------- household register/edit


def test_register_household_normalises_phone(client, portal):
    signed_in(client, portal, "worker")
    response = client.post(
        reverse("households:create"), household_form_data(phone_number="(312) 555-0199")
    )
    household = Household.objects.get(family_name="Mensah")
    assert response.status_code == 302
    assert response["Location"] == household.get_absolute_url()
    assert household.phone_number == "+13125550199"


@pytest.mark.parametrize("spelling", ["(312) 555-0142", "312 555 0142", "+1.312.555.0142"])
def test_duplicate_phone_links_to_existing_household(client, portal, db_state, spelling):
    signed_in(client, portal, "worker")
    before = db_state()

    response = client.post(reverse("households:create"), household_form_data(phone_number=spelling))

    assert response.status_code == 200
    errors = field_errors(response, "phone_number")
    assert len(errors) == 1
    assert str(DUPLICATE_PHONE_MESSAGE) in errors[0]
    content = response.content.decode()
    assert f'href="{portal.household.get_absolute_url()}"' in content
    assert f"Open {portal.household}" in content
    assert db_state() == before


def test_editing_to_another_households_phone_is_refused(client, portal, db_state):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse("households:edit", args=[portal.served.pk]),
        household_form_data(phone_number="312-555-0142"),
    )
    assert response.status_code == 200
    assert str(DUPLICATE_PHONE_MESSAGE) in field_errors(response, "phone_number")[0]
    assert db_state() == before


def test_editing_keeps_own_phone(client, portal):
    signed_in(client, portal, "worker")
    response = client.post(
        reverse("households:edit", args=[portal.household.pk]),
        household_form_data(family_name="Okafor-Eze", phone_number="312 555 0142"),
    )
    assert response.status_code == 302
    portal.household.refresh_from_db()
    assert portal.household.family_name == "Okafor-Eze"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("family_name", "", REQUIRED),
        ("family_name", "x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
        ("family_size", "0", "Ensure this value is greater than or equal to 1."),
        ("family_size", "-3", "Ensure this value is greater than or equal to 1."),
        ("family_size", "10000000000000", "Ensure this value is less than or equal to 100."),
        ("family_size", "four", WHOLE_NUMBER),
        ("phone_number", "12", INVALID_PHONE_MESSAGE % {"region": "US"}),
        ("phone_number", "call me maybe", INVALID_PHONE_MESSAGE % {"region": "US"}),
        ("phone_number", "", REQUIRED),
        ("email", "not-an-address", "Enter a valid email address."),
        ("registration_date", "2025-13-45", "Enter a valid date."),
        ("registration_date", "yesterday", "Enter a valid date."),
        (
            "income_level",
            "rich",
            "Select a valid choice. rich is not one of the available choices.",
        ),
        ("notes", "before\x00after", "Null characters are not allowed."),
    ],
)
def test_household_form_field_errors(client, portal, db_state, field, value, message):
    signed_in(client, portal, "worker")
    before = db_state()
    response = client.post(reverse("households:create"), household_form_data(**{field: value}))
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert f"{message}" in response.content.decode().replace("&#x27;", "'")
    assert db_state() == before


@pytest.mark.parametrize("status", ["deleted", "", "ACTIVE", "1"])
def test_household_status_refuses_unknown_status(client, portal, db_state, status):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse("households:status", args=[portal.household.pk]), {"status": status}, follow=True
    )
    assert "Choose a valid status." in response.content.decode()
    assert db_state() == before


def test_manager_suspends_household(client, portal):
    signed_in(client, portal, "manager")
    response = client.post(
        reverse("households:status", args=[portal.household.pk]),
        {"status": "suspended"},
        follow=True,
    )
    portal.household.refresh_from_db()
    assert portal.household.status == Household.Status.SUSPENDED
    assert "is now Suspended" in response.content.decode()


@pytest.mark.parametrize("url_name", ["households:edit", "households:status", "households:detail"])
def test_nonexistent_household_is_404(client, portal, url_name):
    signed_in(client, portal, "manager")
    url = reverse(url_name, args=[2_000_000_000])
    response = client.post(url, {"status": "active"}) if "status" in url_name else client.get(url)
    assert response.status_code == 404
