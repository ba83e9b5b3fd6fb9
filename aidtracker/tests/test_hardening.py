"""Regression tests for the findings of a hostile test of the portal, one class each.

Each section names the mechanism that was closed, not only the input that showed it:
ids read by one parser, dates bounded where they are typed, numbers read strictly by
every form, a package's validity period capped in the model and the database, a
service's refusal shown instead of a 500, staff history and center scoping kept.
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from aidtracker.tests.test_permission_matrix import household_form_data
from centers.admin import STAFF_HISTORY_MESSAGE
from centers.models import StaffMember
from core.fields import (
    DATE_RANGE_MESSAGE,
    MONTH_RANGE_MESSAGE,
    NOT_A_NUMBER_MESSAGE,
    StrictDecimalField,
    WholeNumberField,
)
from core.validators import FUTURE_DATE_MESSAGE, NO_LETTER_MESSAGE, TOO_EARLY_MESSAGE
from devtools.assertions import refused_by
from distribution.models import DistributionLog
from households.models import (
    DUPLICATE_PHONE_MESSAGE,
    VERIFIED_BEFORE_REGISTRATION_MESSAGE,
    Household,
)
from households.services import save_household
from households.tests.factories import HouseholdFactory
from inventory.models import MAX_VALIDITY_PERIOD_DAYS, AidPackage
from reports.views import BAD_FILTER_MESSAGE

pytestmark = pytest.mark.django_db

REPORTS = [
    "reports:monthly",
    "reports:stock",
    "reports:coverage",
    "reports:owed",
    "reports:movements",
]


def signed_in(client, world, role):
    client.force_login(world.staff[role].user)
    client.raise_request_exception = False
    return client


# ------------------------------------------------- ids: one parser for every page


@pytest.mark.parametrize("url_name", REPORTS)
@pytest.mark.parametrize("export", [None, "csv", "xlsx", "hxl"])
@pytest.mark.parametrize("value", ["²", "①", "¹²³"])
def test_report_pages_read_the_center_with_the_id_parser(client, portal, url_name, export, value):
    signed_in(client, portal, "manager")
    params = {"center": value, **({"format": export} if export else {})}
    response = client.get(reverse(url_name), params)
    assert response.status_code == (400 if export else 200)


# ------------------------------------------------------- dates: bounded where typed


@pytest.mark.parametrize("export", [None, "csv"])
@pytest.mark.parametrize(
    "months", [("9999-12", "9999-12"), ("1899-12", "1900-01"), ("2025-01", "10000-01")]
)
def test_month_filters_refuse_months_out_of_range(client, portal, export, months):
    signed_in(client, portal, "manager")
    params = {"month_from": months[0], "month_to": months[1]}
    if export:
        params["format"] = export
    response = client.get(reverse("reports:monthly"), params)
    if export:
        assert (response.status_code, response.content.decode()) == (400, BAD_FILTER_MESSAGE)
    else:
        assert response.status_code == 200
        errors = response.context["filter"].form.errors.as_data()
        messages = {error.message for field in errors.values() for error in field}
        assert messages & {MONTH_RANGE_MESSAGE, "Enter a valid date."}, errors


@pytest.mark.parametrize("value", ["9999-12-31", "1899-12-31"])
def test_log_date_filters_refuse_dates_out_of_range(client, portal, value):
    signed_in(client, portal, "worker")
    response = client.get(reverse("distribution:log"), {"date_from": value, "date_to": value})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["date_from"] == [DATE_RANGE_MESSAGE]
    assert str(DATE_RANGE_MESSAGE) in response.content.decode()


# --------------------------------------------- numbers: every form reads them strictly


PROJECT_APPS = ("aidtracker", "centers", "households", "inventory", "distribution", "reports")


def portal_forms():
    """Every Form and FilterSet class the project's apps define."""
    import importlib

    import django_filters

    found = []
    for app in PROJECT_APPS:
        for module_name in ("forms", "filters", "fields", "visit_forms"):
            try:
                module = importlib.import_module(f"{app}.{module_name}")
            except ModuleNotFoundError:
                continue
            found += [
                value
                for value in vars(module).values()
                if isinstance(value, type)
                and value.__module__ == module.__name__
                and issubclass(value, forms.BaseForm | django_filters.FilterSet)
            ]
    return found


def number_fields_of(form_class):
    import django_filters

    if issubclass(form_class, django_filters.FilterSet):
        return {
            f"{form_class.__name__}.{name}": field.field_class(**field.extra)
            for name, field in form_class.base_filters.items()
            if issubclass(field.field_class, forms.IntegerField | forms.DecimalField)
        }
    return {
        f"{form_class.__name__}.{name}": field
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.IntegerField | forms.DecimalField)
    }


def admin_number_fields(admin_staff):
    request = RequestFactory().get("/")
    request.user, request.staff = admin_staff.user, admin_staff
    fields = {}
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_add_permission(request):
            continue
        form_class = model_admin.get_form(request)
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.IntegerField | forms.DecimalField):
                fields[f"admin {model.__name__}.{name}"] = field
    return fields


def test_every_number_field_refuses_digit_group_underscores(admin_staff):
    fields = {}
    for form_class in portal_forms():
        fields |= number_fields_of(form_class)
    fields |= admin_number_fields(admin_staff)
    # The forms that take numbers are all found: quantities, stock, family size, costs.
    for expected in (
        "DistributionForm.quantity",
        "RestockForm.quantity",
        "AdjustmentForm.delta",
        "HouseholdForm.family_size",
        "DistributionLogFilter.household",
        "admin AidPackage.validity_period_days",
        "admin AidPackage.estimated_cost",
        "admin Household.family_size",
    ):
        assert expected in fields, sorted(fields)

    lenient = {
        label: type(field).__name__
        for label, field in fields.items()
        if not isinstance(field, WholeNumberField | StrictDecimalField)
    }
    assert lenient == {}
    for label, field in fields.items():
        with pytest.raises(ValidationError) as refused:
            field.clean("1_0")
        assert refused.value.messages == [NOT_A_NUMBER_MESSAGE], label


def test_a_quantity_of_1_0_is_refused_and_changes_nothing(client, portal, db_state):
    from aidtracker.tests.test_permission_matrix import form_token

    signed_in(client, portal, "worker")
    data = {"household": portal.household.pk, "package": portal.package.pk, "quantity": "1_0"}
    before = db_state()
    response = client.post(reverse("distribution:new"), {**data, "token": form_token(client)})
    assert response.context["form"].errors["quantity"] == [NOT_A_NUMBER_MESSAGE]
    assert db_state() == before


def test_decimal_fields_still_read_plain_numbers():
    assert StrictDecimalField().clean("12.50") == Decimal("12.50")
    assert WholeNumberField().clean("-3") == -3


# ----------------------------------------------------- a package's validity period


@pytest.mark.parametrize("days", [0, -1, MAX_VALIDITY_PERIOD_DAYS + 1, 1_000_000])
def test_validity_period_out_of_range_is_refused_by_model_and_database(portal, days):
    package = portal.package
    package.validity_period_days = days
    with pytest.raises(ValidationError) as refused:
        package.full_clean()
    assert "validity_period_days" in refused.value.message_dict
    with refused_by("chk_validity_period"):
        AidPackage.objects.filter(pk=package.pk).update(validity_period_days=days)


def test_admin_refuses_a_validity_period_out_of_range(client, portal):
    signed_in(client, portal, "admin")
    url = reverse("admin:inventory_aidpackage_change", args=[portal.package.pk])
    page = client.get(url)
    data = {
        name: value
        for name, value in page.context["adminform"].form.initial.items()
        if value is not None
    }
    response = client.post(url, {**data, "validity_period_days": "1000000"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["validity_period_days"]
    portal.package.refresh_from_db()
    assert portal.package.validity_period_days == 30


def test_the_longest_validity_period_works_on_every_page(client, portal):
    AidPackage.objects.filter(pk=portal.package.pk).update(
        validity_period_days=MAX_VALIDITY_PERIOD_DAYS
    )
    signed_in(client, portal, "manager")
    pages = [
        (reverse("households:detail", args=[portal.served.pk]), {}),
        (
            reverse("distribution:check"),
            {"household": portal.served.pk, "package": portal.package.pk},
        ),
        (reverse("reports:coverage"), {}),
        (reverse("reports:coverage"), {"format": "csv"}),
    ]
    for url, params in pages:
        assert client.get(url, params).status_code == 200, url
    from aidtracker.tests.test_permission_matrix import form_token

    data = {"household": portal.household.pk, "package": portal.package.pk, "quantity": 1}
    served = client.post(reverse("distribution:new"), {**data, "token": form_token(client)})
    assert served.status_code == 302
    again = client.post(reverse("distribution:new"), {**data, "token": form_token(client)})
    assert again.status_code == 200  # refused: not eligible for 100 years
    assert DistributionLog.objects.filter(household=portal.household).count() == 2


# ------------------------------------------------ plausible household registrations


def registration(**changes):
    household = HouseholdFactory.build(**changes)
    with pytest.raises(ValidationError) as refused:
        household.full_clean()
    return refused.value.message_dict


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("registration_date", datetime.date(1899, 12, 31), TOO_EARLY_MESSAGE),
        ("registration_date", "tomorrow", FUTURE_DATE_MESSAGE),
        ("last_verified_date", "tomorrow", FUTURE_DATE_MESSAGE),
        ("family_name", "   ", NO_LETTER_MESSAGE),
        ("family_name", "1234", NO_LETTER_MESSAGE),
        ("family_name", "--- ...", NO_LETTER_MESSAGE),
        ("primary_contact_name", "\u200b\u200b", NO_LETTER_MESSAGE),
        ("notes", "x" * 2001, "Ensure this value has at most 2000 characters (it has 2001)."),
    ],
)
def test_implausible_household_values_are_refused(field, value, message):
    if value == "tomorrow":
        value = timezone.localdate() + datetime.timedelta(days=1)
    assert message in registration(**{field: value})[field]


def test_verification_cannot_be_before_registration():
    errors = registration(
        registration_date=datetime.date(2025, 3, 1), last_verified_date=datetime.date(2025, 2, 1)
    )
    assert errors["last_verified_date"] == [VERIFIED_BEFORE_REGISTRATION_MESSAGE]


def test_plausible_household_values_are_accepted():
    HouseholdFactory.build(
        family_name="Ó'Brien-Núñez",
        primary_contact_name="李 伟",
        registration_date=datetime.date(1900, 1, 1),
        last_verified_date=timezone.localdate(),
        notes="x" * 2000,
    ).full_clean()


def test_the_database_refuses_notes_over_the_limit():
    household = HouseholdFactory()
    with refused_by("chk_household_notes_length"):
        Household.objects.filter(pk=household.pk).update(notes="x" * 2001)


def test_the_registration_form_shows_the_date_messages(client, portal):
    signed_in(client, portal, "worker")
    response = client.post(
        reverse("households:create"), household_form_data(registration_date="1850-01-01")
    )
    assert response.context["form"].errors["registration_date"] == [DATE_RANGE_MESSAGE]


# ------------------------------------- the same household registered twice at once


def test_a_phone_taken_after_the_check_is_a_validation_error(worker, monkeypatch):
    """The other registration committed between full_clean() and the insert."""
    HouseholdFactory(phone_number="+1 312 555 0177")
    twin = HouseholdFactory.build(phone_number="(312) 555-0177")
    monkeypatch.setattr(Household, "validate_unique", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as refused:
        save_household(household=twin, staff=worker)
    assert refused.value.message_dict == {"phone_number": [DUPLICATE_PHONE_MESSAGE]}
    assert twin.pk is None
    assert Household.objects.filter(phone_number="+13125550177").count() == 1


def test_the_form_shows_a_phone_taken_after_its_own_check(client, portal, monkeypatch):
    from households.forms import HouseholdForm

    HouseholdFactory(phone_number="+1 312 555 0177")
    monkeypatch.setattr(HouseholdForm, "validate_unique", lambda self: None)
    signed_in(client, portal, "worker")
    households = Household.objects.count()

    response = client.post(
        reverse("households:create"), household_form_data(phone_number="312 555 0177")
    )

    assert response.status_code == 200
    assert str(DUPLICATE_PHONE_MESSAGE) in str(response.context["form"].errors)
    assert Household.objects.count() == households


def test_admin_shows_a_phone_taken_after_its_own_check(client, portal, monkeypatch):
    HouseholdFactory(phone_number="+1 312 555 0177")
    monkeypatch.setattr(Household, "validate_unique", lambda self, exclude=None: None)
    signed_in(client, portal, "admin")
    households = Household.objects.count()
    data = household_form_data(phone_number="312 555 0177", status="active")

    response = client.post(reverse("admin:households_household_add"), data, follow=True)

    assert response.status_code == 200
    assert str(DUPLICATE_PHONE_MESSAGE) in response.content.decode()
    assert Household.objects.count() == households


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("phones", [("+1 312 555 0177",) * 2, ("312-555-0177", "+13125550177")])
def test_two_registrations_at_the_same_moment_give_one_household(portal, phones, monkeypatch):
    """Both forms pass their checks, then both save at once: one 302, one message."""
    from households import views

    ready = threading.Barrier(2, timeout=30)
    real_save = views.save_household

    def save_together(**kwargs):
        ready.wait()  # both requests validated their form; now both save
        return real_save(**kwargs)

    monkeypatch.setattr(views, "save_household", save_together)
    monkeypatch.setattr(Household, "validate_unique", lambda self, exclude=None: None)
    responses = [None, None]

    def register(index, user):
        client = Client()
        client.force_login(user)
        try:
            data = household_form_data(phone_number=phones[index])
            responses[index] = client.post(reverse("households:create"), data)
        finally:
            connection.close()

    users = [portal.staff["worker"].user, portal.staff["manager"].user]
    threads = [threading.Thread(target=register, args=(i, users[i])) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(response.status_code for response in responses) == [200, 302]
    refused = next(response for response in responses if response.status_code == 200)
    assert str(DUPLICATE_PHONE_MESSAGE) in str(refused.context["form"].errors)
    assert Household.objects.filter(phone_number="+13125550177").count() == 1


# --------------------------------------------------------- staff history is kept


def test_the_admin_delete_page_says_why_staff_with_history_stay(client, portal):
    signed_in(client, portal, "admin")
    worker = portal.staff["worker"]  # recorded a distribution in the portal fixture
    url = reverse("admin:centers_staffmember_delete", args=[worker.pk])

    page = client.get(url)
    posted = client.post(url, {"post": "yes"})

    assert str(STAFF_HISTORY_MESSAGE) in page.content.decode()
    assert posted.status_code == 200
    assert StaffMember.objects.filter(pk=worker.pk).exists()
    assert DistributionLog.objects.filter(staff=worker).exists()


def test_the_admin_bulk_delete_says_why_staff_with_history_stay(client, portal):
    signed_in(client, portal, "admin")
    worker = portal.staff["worker"]
    response = client.post(
        reverse("admin:centers_staffmember_changelist"),
        {"action": "delete_selected_staff", "_selected_action": [worker.pk], "post": "yes"},
    )
    assert str(STAFF_HISTORY_MESSAGE) in response.content.decode()
    assert StaffMember.objects.filter(pk=worker.pk).exists()


def test_a_staff_member_without_history_can_still_be_deleted_in_admin(client, portal):
    from centers.tests.factories import StaffMemberFactory

    signed_in(client, portal, "admin")
    newcomer = StaffMemberFactory(center=portal.center)
    url = reverse("admin:centers_staffmember_delete", args=[newcomer.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not StaffMember.objects.filter(pk=newcomer.pk).exists()


# ----------------------------------------------------- no center matches nothing


def test_no_center_matches_no_rows_even_rows_without_a_center(portal):
    """Scoping never turns a missing center into `IS NULL` (admins' access-log rows)."""
    from audit.models import AccessLog
    from audit.services import record_access

    admin_without_center = portal.staff["admin"]
    StaffMember.objects.filter(pk=admin_without_center.pk).update(center=None)
    record_access(staff=admin_without_center, action="export", target="monthly")
    detached = StaffMember(role=StaffMember.Role.MANAGER, center=None)

    assert not AccessLog.objects.restrict(detached).exists()
    assert not DistributionLog.objects.restrict(detached).exists()
    assert AccessLog.objects.restrict(None).count() == 0
    assert AccessLog.objects.restrict(admin_without_center).exists()


def test_a_manager_cannot_be_saved_without_a_center(portal):
    manager = portal.staff["manager"]
    manager.center = None
    with pytest.raises(IntegrityError), transaction.atomic():
        manager.save()
