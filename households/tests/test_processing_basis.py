"""The basis for processing: recorded at registration (consent and who gave it, or another
lawful basis) with its date; households without one are flagged on their page and in
a filter; the bulk import takes it from optional columns."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from aidtracker.tests.test_permission_matrix import household_form_data
from audit.models import HouseholdChangeValues
from households.import_files import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from households.models import BASIS_MISSING_MESSAGE, CONSENT_BY_MESSAGE, Household
from households.tests.factories import HouseholdFactory
from households.tests.test_import import household_row, run, write_csv

pytestmark = pytest.mark.django_db


def register(client, staff, **changes):
    client.force_login(staff.user)
    return client.post(reverse("households:create"), household_form_data(**changes))


def test_registration_records_the_basis_who_consented_and_today(client, worker):
    response = register(client, worker)
    assert response.status_code == 302
    household = Household.objects.get(phone_number="+13125550199")
    assert household.processing_basis == Household.Basis.CONSENT
    assert household.consent_given_by == "Akua Mensah (head of household)"
    assert household.basis_recorded_on == timezone.now().date()
    values = HouseholdChangeValues.objects.get(household=household).changes
    assert values["consent_given_by"] == [None, "Akua Mensah (head of household)"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"processing_basis": ""}, "processing_basis", "This field is required."),
        ({"consent_given_by": " "}, "consent_given_by", str(CONSENT_BY_MESSAGE)),
        ({"processing_basis": "whim"}, "processing_basis", "Select a valid choice."),
    ],
)
def test_registration_without_a_valid_basis_is_refused(client, worker, changes, field, message):
    response = register(client, worker, **changes)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Household.objects.exists()


def test_another_basis_needs_no_consent_and_keeps_its_date(client, worker):
    register(
        client,
        worker,
        processing_basis="vital_interests",
        consent_given_by="",
        basis_recorded_on="2025-02-01",
    )
    household = Household.objects.get()
    assert household.get_processing_basis_display().startswith("Vital interests")
    assert household.basis_recorded_on == datetime.date(2025, 2, 1)


def test_an_older_household_is_edited_without_one_and_flagged(client, worker):
    household = HouseholdFactory()
    client.force_login(worker.user)
    data = household_form_data(
        phone_number=household.phone_number, processing_basis="", consent_given_by=""
    )
    assert client.post(reverse("households:edit", args=[household.pk]), data).status_code == 302
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert 'id="no-basis"' in page


def test_the_list_flags_and_filters_households_without_a_basis(client, worker):
    flagged = HouseholdFactory(family_name="Abara")
    HouseholdFactory(
        family_name="Abeki",
        processing_basis="public_task",
        basis_recorded_on=datetime.date(2025, 1, 1),
    )
    client.force_login(worker.user)
    listed = client.get(reverse("households:list"), {"q": "Ab", "basis": "missing"})
    assert [h.pk for h in listed.context["page_obj"]] == [flagged.pk]
    assert "no basis" in listed.content.decode()
    everyone = client.get(reverse("households:list"), {"q": "Ab"})
    assert len(everyone.context["page_obj"]) == 2


@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        ("processing_basis = 'consent', consent_given_by = ''", "chk_household_consent_by"),
        ("processing_basis = 'public_task', basis_recorded_on = NULL", "chk_household_basis"),
        ("processing_basis = 'Consent'", "chk_household_processing_basis"),
    ],
)
def test_the_database_refuses_an_incomplete_basis(sql, constraint):
    household = HouseholdFactory(
        processing_basis="consent",
        consent_given_by="Ana (head)",
        basis_recorded_on=datetime.date(2025, 1, 1),
    )
    with (
        pytest.raises(IntegrityError, match=constraint),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE Households SET {sql} WHERE household_id = %s", [household.pk])


def test_the_model_dates_a_basis_today_and_refuses_a_date_without_one():
    household = HouseholdFactory.build(processing_basis="public_task")
    household.full_clean()
    assert household.basis_recorded_on == timezone.now().date()
    household = HouseholdFactory.build(basis_recorded_on=datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError, match=str(BASIS_MISSING_MESSAGE)):
        household.full_clean()


def test_the_import_takes_the_basis_from_optional_columns(tmp_path, worker):
    assert {"processing_basis", "consent_given_by", "basis_recorded_on"} <= set(OPTIONAL_COLUMNS)
    rows = [
        household_row(
            phone_number="+1 312 555 0101",
            processing_basis="consent",
            consent_given_by="Akua Mensah",
            basis_recorded_on="2025-01-20",
        ),
        # Four different families: rows that look alike would be queued for review.
        household_row(
            family_name="Osei",
            primary_contact_name="Kofi Osei",
            address="17 Market Lane",
            phone_number="+1 312 555 0102",
            processing_basis="legal_obligation",
        ),
        household_row(
            family_name="Boateng",
            primary_contact_name="Ama Boateng",
            address="230 Station Street",
            phone_number="+1 312 555 0103",
        ),
        household_row(
            family_name="Asante",
            primary_contact_name="Yaw Asante",
            address="9 Hill View",
            phone_number="+1 312 555 0104",
            processing_basis="consent",
        ),
    ]
    path = write_csv(tmp_path / "basis.csv", rows, columns=[*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS])
    assert run(path) == "imported 3, duplicates 0, errors 1\n"
    by_phone = {h.phone_number[-2:]: h for h in Household.objects.all()}
    assert (by_phone["01"].processing_basis, by_phone["01"].basis_recorded_on) == (
        "consent",
        datetime.date(2025, 1, 20),
    )
    assert by_phone["02"].basis_recorded_on == timezone.now().date()
    assert by_phone["03"].lacks_basis
    assert "04" not in by_phone  # consent, but nobody named


def test_a_file_without_the_basis_columns_still_imports(tmp_path, worker):
    path = write_csv(tmp_path / "old.csv", [household_row()], columns=REQUIRED_COLUMNS)
    assert run(path) == "imported 1, duplicates 0, errors 0\n"
    assert Household.objects.get().lacks_basis
