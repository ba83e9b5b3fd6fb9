"""Database-level rules of Households, and the one-household-per-phone-number rule.

Writes bypass model validation (`QuerySet.update`, `bulk_create`) so the database
itself must refuse the bad row; each refusal runs in its own savepoint.
"""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from devtools.assertions import refused_by
from households.models import DUPLICATE_PHONE_MESSAGE, Household
from households.phones import INVALID_PHONE_MESSAGE
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("column", "bad_value", "constraint_name"),
    [
        ("family_size", 0, "chk_family_size"),
        ("family_size", -3, "chk_family_size"),
        ("income_level", "rich", "chk_household_income_level"),
        ("income_level", "", "chk_household_income_level"),
        ("priority_level", "urgent", "chk_household_priority_level"),
        ("status", "deleted", "chk_household_status"),
        ("status", "", "chk_household_status"),
    ],
)
def test_household_check_rejects_bad_value(column, bad_value, constraint_name):
    household = HouseholdFactory()
    with refused_by(constraint_name):
        Household.objects.filter(pk=household.pk).update(**{column: bad_value})
    household.refresh_from_db()
    assert getattr(household, column) != bad_value


@pytest.mark.parametrize(
    ("column", "good_value"),
    [
        ("family_size", 1),
        *(("income_level", value) for value in Household.IncomeLevel.values),
        *(("priority_level", value) for value in Household.PriorityLevel.values),
        *(("status", value) for value in Household.Status.values),
    ],
)
def test_household_check_accepts_boundary_and_every_choice(column, good_value):
    household = HouseholdFactory()
    Household.objects.filter(pk=household.pk).update(**{column: good_value})
    household.refresh_from_db()
    assert getattr(household, column) == good_value


@pytest.mark.parametrize(
    ("column", "constraint_name"),
    [
        ("income_level", "chk_household_income_level"),
        ("priority_level", "chk_household_priority_level"),
        ("status", "chk_household_status"),
    ],
)
def test_enum_check_rejects_case_variant_of_a_member(column, constraint_name):
    household = HouseholdFactory()
    with refused_by(constraint_name):
        Household.objects.filter(pk=household.pk).update(
            **{column: getattr(household, column).upper()}
        )


def test_phone_number_is_unique_in_the_database():
    first = HouseholdFactory(phone_number="+1 202 555 0134")
    second = HouseholdFactory(phone_number="+1 202 555 0135")
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=second.pk).update(phone_number=first.phone_number)
    second.refresh_from_db()
    assert second.phone_number == "+12025550135"


def test_phone_number_is_stored_in_e164():
    household = HouseholdFactory(phone_number="(202) 555-0134")
    household.refresh_from_db()
    assert household.phone_number == "+12025550134"


@pytest.mark.parametrize(
    "other_spelling", ["2025550134", "(202) 555-0134", "+12025550134", "202.555.0134"]
)
def test_second_spelling_of_a_registered_number_is_refused_by_full_clean(other_spelling):
    HouseholdFactory(phone_number="+1 202 555 0134")
    duplicate = HouseholdFactory.build(phone_number=other_spelling)

    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()

    assert excinfo.value.message_dict["phone_number"] == [DUPLICATE_PHONE_MESSAGE]


def test_second_spelling_saved_without_validation_is_refused_by_the_database():
    HouseholdFactory(phone_number="+1 202 555 0134")
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(phone_number="2025550134")
    assert Household.objects.filter(phone_number="+12025550134").count() == 1


@pytest.mark.parametrize("bad_phone", ["12", "not a phone", "+1 202 555 01"])
def test_invalid_phone_number_gives_the_phones_error(bad_phone):
    household = HouseholdFactory.build(phone_number=bad_phone)

    with pytest.raises(ValidationError) as excinfo:
        household.full_clean()

    (error,) = excinfo.value.error_dict["phone_number"]
    assert error.code == "invalid_phone"
    assert excinfo.value.message_dict["phone_number"] == [
        INVALID_PHONE_MESSAGE % {"region": settings.PHONE_DEFAULT_REGION}
    ]


def test_household_without_distributions_can_be_deleted():
    household = HouseholdFactory()
    household.delete()
    assert not Household.objects.filter(pk=household.pk).exists()
