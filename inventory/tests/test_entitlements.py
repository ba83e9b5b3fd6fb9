"""A package's entitlement: a flat amount, or units per N persons with a minimum and a cap."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from households.tests.factories import HouseholdFactory
from inventory.models import MAX_BELOW_MINIMUM_MESSAGE, AidPackage, entitlement
from inventory.tests.factories import AidPackageFactory

# (family_size, units_per_household, persons_per_unit, max_units) -> units
CASES = [
    (1, 1, None, None, 1),  # flat: one per household
    (9, 3, None, None, 3),  # flat ignores the family size
    (9, 3, None, 2, 3),  # flat ignores the cap
    (1, 1, 5, None, 1),  # one person, per 5 persons: rounds up to 1
    (5, 1, 5, None, 1),  # an exact multiple
    (6, 1, 5, None, 2),  # one person over rounds up
    (7, 1, 3, None, 3),  # "a family of 7 gets 3" at one per 3 persons
    (10, 1, 5, None, 2),  # exact multiple again
    (2, 3, 5, None, 3),  # the minimum wins over the per-person count
    (40, 1, 4, 6, 6),  # the cap wins over the per-person count
    (40, 2, 4, 2, 2),  # cap equal to the minimum
    (1, 1, 1, None, 1),  # one per person, family of one
    (12, 1, 1, 10, 10),  # one per person, capped
]


@pytest.mark.parametrize(("family_size", "units", "persons", "cap", "expected"), CASES)
def test_the_entitlement_formula(family_size, units, persons, cap, expected):
    assert (
        entitlement(
            family_size=family_size,
            units_per_household=units,
            persons_per_unit=persons,
            max_units=cap,
        )
        == expected
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("family_size", "units", "persons", "cap", "expected"), CASES)
def test_entitlement_for_a_household(family_size, units, persons, cap, expected):
    package = AidPackageFactory(
        units_per_household=units, persons_per_unit=persons, max_units=max(cap or units, units)
    )
    if cap is None:
        package.max_units = None
    household = HouseholdFactory(family_size=family_size)
    assert package.entitlement_for(household) == expected


@pytest.mark.django_db
def test_the_worked_example_reads_as_a_sentence():
    assert AidPackageFactory(persons_per_unit=3).entitlement_example() == "A family of 7 gets 3."
    flat = AidPackageFactory(units_per_household=2, persons_per_unit=None)
    assert flat.entitlement_example() == "Every household gets 2."


@pytest.mark.django_db
def test_new_packages_are_one_unit_per_household():
    package = AidPackageFactory()
    package.refresh_from_db()
    assert (package.units_per_household, package.persons_per_unit, package.max_units) == (
        1,
        None,
        None,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        {"units_per_household": 0},
        {"units_per_household": 101},
        {"persons_per_unit": 0},
        {"max_units": 0},
        {"units_per_household": 3, "max_units": 2},
    ],
)
def test_the_database_refuses_out_of_range_entitlements(values):
    package = AidPackageFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AidPackage.objects.filter(pk=package.pk).update(**values)


@pytest.mark.django_db
def test_a_cap_below_the_minimum_is_a_clear_message():
    package = AidPackageFactory.build(units_per_household=3, max_units=2)
    with pytest.raises(ValidationError) as error:
        package.full_clean()
    assert error.value.message_dict["max_units"] == [
        "The cap cannot be below the units every household gets."
    ]


@pytest.mark.django_db
def test_the_package_page_shows_the_entitlement_with_an_example(client, worker):
    package = AidPackageFactory(persons_per_unit=3, max_units=4)
    client.force_login(worker.user)
    page = client.get(f"/inventory/packages/{package.pk}/").content.decode()
    assert "1 per 3 persons, at least 1, at most 4" in page
    assert "A family of 7 gets 3." in page


@pytest.mark.django_db
def test_an_admin_sets_the_entitlement_in_django_admin(client, admin_staff):
    package = AidPackageFactory()
    client.force_login(admin_staff.user)
    url = f"/admin/inventory/aidpackage/{package.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(units_per_household=2, persons_per_unit=4, max_units=6, is_active="on")
    data["created_at"] = data["updated_at"] = ""
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    package.refresh_from_db()
    assert (package.units_per_household, package.persons_per_unit, package.max_units) == (2, 4, 6)


def package_form_data(**changes):
    return {
        "package_name": "Family Food Basket",
        "category": "food",
        "description": "",
        "unit_weight_kg": "18.50",
        "estimated_cost": "65.00",
        "validity_period_days": "14",
        "units_per_household": "1",
        "persons_per_unit": "3",
        "max_units": "4",
        "is_active": "on",
        **changes,
    }


@pytest.mark.django_db
def test_an_admin_creates_and_edits_a_package_in_the_portal(client, admin_staff):
    client.force_login(admin_staff.user)
    created = client.post(reverse("inventory:package_create"), package_form_data())
    package = AidPackage.objects.get(package_name="Family Food Basket")
    assert created.url == reverse("inventory:package_detail", args=[package.pk])
    assert package.entitlement_for(HouseholdFactory.build(family_size=7)) == 3

    url = reverse("inventory:package_edit", args=[package.pk])
    client.post(url, package_form_data(persons_per_unit="", units_per_household="2"))
    package.refresh_from_db()
    assert (package.units_per_household, package.persons_per_unit) == (2, None)
    page = client.get(reverse("inventory:package_detail", args=[package.pk])).content.decode()
    assert "Every household gets 2." in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_units": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"units_per_household": "3", "max_units": "2"}, MAX_BELOW_MINIMUM_MESSAGE),
        ({"persons_per_unit": "1_0"}, "Enter a number with digits only."),
        ({"units_per_household": "101"}, "Ensure this value is less than or equal to 100."),
        ({"validity_period_days": "36501"}, "36,500"),
    ],
)
def test_bad_entitlements_get_a_message_and_change_nothing(client, admin_staff, changes, message):
    package = AidPackageFactory()
    client.force_login(admin_staff.user)
    response = client.post(
        reverse("inventory:package_edit", args=[package.pk]), package_form_data(**changes)
    )
    assert response.status_code == 200
    assert str(message) in response.content.decode()
    refreshed = AidPackage.objects.get(pk=package.pk)
    assert (refreshed.package_name, refreshed.max_units) == (package.package_name, None)


@pytest.mark.django_db
def test_only_admins_edit_packages(client, manager):
    package = AidPackageFactory()
    client.force_login(manager.user)
    assert client.get(reverse("inventory:package_edit", args=[package.pk])).status_code == 403
    response = client.post(reverse("inventory:package_create"), package_form_data())
    assert response.status_code == 403
    assert not AidPackage.objects.filter(package_name="Family Food Basket").exists()
