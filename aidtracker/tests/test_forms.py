"""The portal's forms and pages: human field errors, tampered POSTs, search, tokens, errors.

Every refused POST is checked against a snapshot of stock, logs, movements and
households (`db_state`), so "refused cleanly" means "and nothing changed".
"""

import time
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.db import OperationalError
from django.urls import reverse

from aidtracker.tests.test_access import form_token, household_form_data
from centers.models import DistributionCenter
from distribution import tokens
from distribution.forms import EXPIRED_FORM_MESSAGE, UNKNOWN_HOUSEHOLD_MESSAGE
from distribution.models import DistributionLog
from distribution.services import FAILURE_MESSAGES, VOID_MESSAGES
from households.models import DUPLICATE_PHONE_MESSAGE, Household
from households.phones import INVALID_PHONE_MESSAGE
from inventory.models import Inventory, StockMovement
from inventory.services import BELOW_ZERO_MESSAGE

pytestmark = pytest.mark.django_db

REQUIRED = "This field is required."
WHOLE_NUMBER = "Enter a whole number."


def signed_in(client, world, role):
    client.force_login(world.staff[role].user)
    return client


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


def non_field_errors(response):
    return list(response.context["form"].non_field_errors())


def on_hand(inventory):
    return Inventory.objects.get(pk=inventory.pk).quantity_on_hand


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
    assert DUPLICATE_PHONE_MESSAGE in errors[0]
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
    assert DUPLICATE_PHONE_MESSAGE in field_errors(response, "phone_number")[0]
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


# ------------------------------------------------------------------------ distribute


def distribution_data(world, client, **changes):
    return {
        "household": world.household.pk,
        "package": world.package.pk,
        "quantity": 1,
        "token": form_token(client),
        **changes,
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("household", "", REQUIRED),
        ("household", "abc", WHOLE_NUMBER),
        ("household", "-1", "Ensure this value is greater than or equal to 1."),
        ("household", "99999999999999", "Ensure this value is less than or equal to 2147483647."),
        ("household", "2000000000", UNKNOWN_HOUSEHOLD_MESSAGE % {"number": 2000000000}),
        ("quantity", "0", "Ensure this value is greater than or equal to 1."),
        ("quantity", "-5", "Ensure this value is greater than or equal to 1."),
        ("quantity", "1000000000000", "Ensure this value is less than or equal to 100."),
        ("quantity", "two", WHOLE_NUMBER),
        ("quantity", "1.5", WHOLE_NUMBER),
        (
            "package",
            "2000000000",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        (
            "package",
            "'; DROP TABLE Inventory; --",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        ("token", "", REQUIRED),
    ],
)
def test_distribution_field_errors(client, portal, db_state, field, value, message):
    signed_in(client, portal, "worker")
    data = distribution_data(portal, client, **{field: value})
    before = db_state()

    response = client.post(reverse("distribution:new"), data)

    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert db_state() == before


def test_distributing_an_inactive_package_is_refused(client, portal, db_state):
    portal.package.is_active = False
    portal.package.save()
    signed_in(client, portal, "worker")
    before = db_state()
    response = client.post(reverse("distribution:new"), distribution_data(portal, client))
    assert field_errors(response, "package")
    assert db_state() == before


def test_distribution_records_and_shows_receipt(client, portal):
    signed_in(client, portal, "worker")
    stock = on_hand(portal.inventory)

    response = client.post(reverse("distribution:new"), distribution_data(portal, client))

    log = DistributionLog.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("distribution:receipt", args=[log.pk])
    assert (log.household, log.center, log.staff) == (
        portal.household,
        portal.center,
        portal.staff["worker"],
    )
    assert on_hand(portal.inventory) == stock - 1
    receipt = client.get(response["Location"]).content.decode()
    assert f"#{log.pk}" in receipt
    assert f"Recorded: log #{log.pk}." in receipt


def test_non_admin_center_field_is_ignored(client, portal):
    """A worker who posts another center's id still records at their own center."""
    signed_in(client, portal, "worker")
    other_stock = on_hand(portal.other_inventory)

    response = client.post(
        reverse("distribution:new"),
        distribution_data(portal, client, center=portal.other_center.pk),
    )

    assert response.status_code == 302
    log = DistributionLog.objects.latest("pk")
    assert log.center == portal.center
    assert on_hand(portal.other_inventory) == other_stock


def test_other_center_manager_records_at_own_center(client, portal):
    signed_in(client, portal, "other_manager")
    stock = on_hand(portal.inventory)
    client.post(
        reverse("distribution:new"), distribution_data(portal, client, center=portal.center.pk)
    )
    assert DistributionLog.objects.latest("pk").center == portal.other_center
    assert on_hand(portal.inventory) == stock


def test_admin_records_at_the_chosen_center(client, portal):
    signed_in(client, portal, "admin")
    other_stock = on_hand(portal.other_inventory)
    response = client.post(
        reverse("distribution:new"),
        distribution_data(portal, client, center=portal.other_center.pk),
    )
    assert response.status_code == 302
    assert DistributionLog.objects.latest("pk").center == portal.other_center
    assert on_hand(portal.other_inventory) == other_stock - 1


@pytest.mark.parametrize("center_value", ["", "2000000000", "abc"])
def test_admin_must_choose_a_valid_center(client, portal, db_state, center_value):
    signed_in(client, portal, "admin")
    data = distribution_data(portal, client, center=center_value)
    before = db_state()
    response = client.post(reverse("distribution:new"), data)
    assert response.status_code == 200
    assert field_errors(response, "center")
    assert db_state() == before


def test_admin_cannot_choose_an_inactive_center(client, portal, db_state):
    DistributionCenter.objects.filter(pk=portal.other_center.pk).update(status="inactive")
    signed_in(client, portal, "admin")
    data = distribution_data(portal, client, center=portal.other_center.pk)
    before = db_state()
    response = client.post(reverse("distribution:new"), data)
    assert field_errors(response, "center")
    assert db_state() == before


def test_resubmitted_form_hands_out_once_and_shows_original_receipt(client, portal):
    signed_in(client, portal, "worker")
    form_page = client.get(reverse("distribution:new"))
    token = form_page.context["form"]["token"].value()
    data = {
        "household": portal.household.pk,
        "package": portal.package.pk,
        "quantity": 1,
        "token": token,
    }
    stock = on_hand(portal.inventory)
    logs = DistributionLog.objects.count()

    first = client.post(reverse("distribution:new"), data)
    second = client.post(reverse("distribution:new"), data)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert on_hand(portal.inventory) == stock - 1
    assert DistributionLog.objects.count() == logs + 1
    assert (
        "This distribution was already recorded." in client.get(second["Location"]).content.decode()
    )


def test_unknown_token_is_refused_as_expired(client, portal, db_state):
    signed_in(client, portal, "worker")
    data = distribution_data(portal, client, token="forged-token")
    before = db_state()
    response = client.post(reverse("distribution:new"), data)
    assert response.status_code == 200
    assert non_field_errors(response) == [EXPIRED_FORM_MESSAGE]
    assert db_state() == before


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("served", "not_eligible"),
        ("suspended", "household_inactive"),
        ("too_many", "insufficient_stock"),
        ("unstocked", "no_inventory"),
    ],
)
def test_refusal_shows_failure_message_and_keeps_the_form(client, portal, setup, code):
    data = {"household": portal.household.pk, "package": portal.package.pk, "quantity": 1}
    role = "worker"
    if setup == "served":
        data["household"] = portal.served.pk
    elif setup == "suspended":
        Household.objects.filter(pk=portal.household.pk).update(status="suspended")
    elif setup == "too_many":
        data["quantity"] = 21
    elif setup == "unstocked":
        data["package"], role = portal.other_package.pk, "other_manager"
    signed_in(client, portal, role)
    stocks = list(Inventory.objects.order_by("pk").values_list("quantity_on_hand", flat=True))
    data["token"] = form_token(client)

    response = client.post(reverse("distribution:new"), data)

    assert response.status_code == 200
    assert non_field_errors(response) == [FAILURE_MESSAGES[code]]
    assert FAILURE_MESSAGES[code] in response.content.decode().replace("&#x27;", "'")
    form = response.context["form"]
    assert form["household"].value() == str(data["household"])
    assert form["package"].value() == str(data["package"])
    assert form["quantity"].value() == str(data["quantity"])
    assert form["token"].value() != data["token"]  # a fresh one, for the next try
    assert list(Inventory.objects.order_by("pk").values_list("quantity_on_hand", flat=True)) == (
        stocks
    )
    failed = DistributionLog.objects.latest("pk")
    assert (failed.transaction_status, failed.failure_code) == ("failed", code)


def test_refused_form_can_be_sent_again_with_its_new_token(client, portal):
    signed_in(client, portal, "worker")
    data = distribution_data(portal, client, quantity=21)
    refused = client.post(reverse("distribution:new"), data)
    new_token = refused.context["form"]["token"].value()

    again = client.post(reverse("distribution:new"), {**data, "quantity": 2, "token": new_token})
    stale = client.post(reverse("distribution:new"), {**data, "quantity": 2})

    assert again.status_code == 302
    assert non_field_errors(stale) == [EXPIRED_FORM_MESSAGE]


def test_package_choices_are_escaped_and_keep_the_submitted_choice(client, portal):
    from inventory.tests.factories import AidPackageFactory

    hostile = AidPackageFactory(package_name='<script>alert(1)</script>"&')
    signed_in(client, portal, "worker")
    page = client.get(reverse("distribution:new")).content.decode()
    assert "<script>alert(1)" not in page
    assert f'<option value="{hostile.pk}">&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;' in page

    data = distribution_data(portal, client, quantity=0)  # a field error: shown again
    again = client.post(reverse("distribution:new"), data).content.decode()
    assert f'<option value="{portal.package.pk}" selected>' in again
    assert 'class="form-control is-invalid"' in again
    assert 'aria-describedby="id_quantity_error"' in again


def test_check_shows_eligibility_and_stock(client, portal):
    signed_in(client, portal, "worker")
    url = reverse("distribution:check")
    eligible = client.get(url, {"household": portal.household.pk, "package": portal.package.pk})
    blocked = client.get(url, {"household": portal.served.pk, "package": portal.package.pk})
    assert "Eligible for Food basket." in eligible.content.decode()
    assert 'holds <strong id="on-hand">19</strong>' in eligible.content.decode()
    assert "Not eligible" in blocked.content.decode()


def test_check_ignores_center_for_non_admins(client, portal):
    signed_in(client, portal, "worker")
    response = client.get(
        reverse("distribution:check"),
        {"package": portal.package.pk, "center": portal.other_center.pk},
    )
    assert response.context["center"] == portal.center


# ----------------------------------------------------------------------------- void


def test_void_through_the_page_restores_stock(client, portal):
    signed_in(client, portal, "manager")
    stock = on_hand(portal.inventory)
    url = reverse("distribution:void", args=[portal.log.pk])

    response = client.post(url, {"reason": "Recorded for the wrong family"}, follow=True)

    assert on_hand(portal.inventory) == stock + 1
    void = DistributionLog.objects.get(voided_log=portal.log)
    assert void.transaction_status == "cancelled"
    assert f"Distribution #{portal.log.pk} voided" in response.content.decode()

    again = client.post(url, {"reason": "twice"})
    assert again.status_code == 200
    assert non_field_errors(again) == [VOID_MESSAGES["already_voided"]]
    assert on_hand(portal.inventory) == stock + 1


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, "a\x00b"])
def test_void_needs_a_reason(client, portal, db_state, reason):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(reverse("distribution:void", args=[portal.log.pk]), {"reason": reason})
    assert response.status_code == 200
    assert field_errors(response, "reason")
    assert db_state() == before


def test_void_of_a_failed_attempt_is_refused(client, portal, db_state):
    signed_in(client, portal, "manager")
    client.post(reverse("distribution:new"), distribution_data(portal, client, quantity=99))
    failed = DistributionLog.objects.latest("pk")
    before = db_state()
    response = client.post(reverse("distribution:void", args=[failed.pk]), {"reason": "test"})
    assert non_field_errors(response) == [VOID_MESSAGES["not_voidable"]]
    assert db_state() == before


def test_void_of_nonexistent_log_is_404(client, portal):
    signed_in(client, portal, "manager")
    response = client.post(reverse("distribution:void", args=[2_000_000_000]), {"reason": "x"})
    assert response.status_code == 404


def test_manager_cannot_void_other_centers_log(client, portal, db_state):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse("distribution:void", args=[portal.other_log.pk]), {"reason": "not mine"}
    )
    assert response.status_code == 403
    assert db_state() == before


# ------------------------------------------------------------------------ inventory


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "0", "Ensure this value is greater than or equal to 1."),
        ("quantity", "-3", "Ensure this value is greater than or equal to 1."),
        ("quantity", "10000001", "Ensure this value is less than or equal to 1000000."),
        ("quantity", "9" * 40, "Ensure this value is less than or equal to 1000000."),
        ("quantity", "ten", WHOLE_NUMBER),
        ("quantity", "", REQUIRED),
        (
            "package",
            "2000000000",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        ("notes", "n" * 501, "Ensure this value has at most 500 characters (it has 501)."),
    ],
)
def test_restock_field_errors(client, portal, db_state, field, value, message):
    signed_in(client, portal, "manager")
    data = {"package": portal.package.pk, "quantity": "5", "notes": "", field: value}
    before = db_state()
    response = client.post(reverse("inventory:restock", args=[portal.center.pk]), data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert db_state() == before


def test_restock_adds_stock_and_a_movement(client, portal):
    signed_in(client, portal, "manager")
    stock = on_hand(portal.inventory)
    response = client.post(
        reverse("inventory:restock", args=[portal.center.pk]),
        {"package": portal.package.pk, "quantity": "7", "notes": "Delivery 42"},
        follow=True,
    )
    assert on_hand(portal.inventory) == stock + 7
    movement = StockMovement.objects.latest("pk")
    assert (movement.quantity_change, movement.notes) == (7, "Delivery 42")
    assert f"Added 7 × Food basket; {stock + 7} on hand." in response.content.decode()


def test_restock_of_a_new_package_creates_the_row(client, portal):
    signed_in(client, portal, "other_manager")
    client.post(
        reverse("inventory:restock", args=[portal.other_center.pk]),
        {"package": portal.other_package.pk, "quantity": "3"},
    )
    row = Inventory.objects.get(center=portal.other_center, package=portal.other_package)
    assert row.quantity_on_hand == 3


def test_restock_of_another_center_is_refused(client, portal, db_state):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse("inventory:restock", args=[portal.other_center.pk]),
        {"package": portal.package.pk, "quantity": "5"},
    )
    assert response.status_code == 403
    assert db_state() == before


def test_restock_of_a_nonexistent_center_is_404(client, portal):
    signed_in(client, portal, "admin")
    response = client.post(
        reverse("inventory:restock", args=[2_000_000_000]),
        {"package": portal.package.pk, "quantity": "5"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("url_name", ["inventory:adjust", "inventory:reorder_level"])
def test_another_centers_inventory_id_is_refused(client, portal, db_state, url_name):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse(url_name, args=[portal.other_inventory.pk]),
        {"delta": "-5", "reason": "lost", "reorder_level": "0"},
    )
    assert response.status_code == 403
    assert db_state() == before


@pytest.mark.parametrize("url_name", ["inventory:adjust", "inventory:reorder_level"])
def test_nonexistent_inventory_id_is_404(client, portal, url_name):
    signed_in(client, portal, "admin")
    response = client.post(reverse(url_name, args=[2_000_000_000]), {"delta": "1"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"delta": "0"}, "delta", "An adjustment must add or remove at least one unit."),
        ({"delta": "-1000000"}, "delta", "Ensure this value is greater than or equal to -999999."),
        ({"delta": "many"}, "delta", WHOLE_NUMBER),
        (
            {"reason": "delivery"},
            "reason",
            "Select a valid choice. delivery is not one of the available choices.",
        ),
        ({"reason": ""}, "reason", REQUIRED),
    ],
)
def test_adjustment_field_errors(client, portal, db_state, data, field, message):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse("inventory:adjust", args=[portal.inventory.pk]),
        {"delta": "-1", "reason": "damaged", "notes": "", **data},
    )
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert db_state() == before


def test_adjustment_below_zero_is_refused(client, portal, db_state):
    signed_in(client, portal, "manager")
    stock = on_hand(portal.inventory)
    before = db_state()
    response = client.post(
        reverse("inventory:adjust", args=[portal.inventory.pk]),
        {"delta": str(-(stock + 1)), "reason": "lost"},
    )
    assert response.status_code == 200
    assert non_field_errors(response) == [BELOW_ZERO_MESSAGE % {"on_hand": stock}]
    assert db_state() == before


def test_adjustment_changes_stock_with_reason(client, portal):
    signed_in(client, portal, "manager")
    stock = on_hand(portal.inventory)
    response = client.post(
        reverse("inventory:adjust", args=[portal.inventory.pk]),
        {"delta": "-2", "reason": "expired", "notes": "Sell-by date passed"},
    )
    assert response.status_code == 302
    assert on_hand(portal.inventory) == stock - 2
    movement = StockMovement.objects.latest("pk")
    assert (movement.kind, movement.reason, movement.quantity_change) == (
        "adjustment",
        "expired",
        -2,
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "Ensure this value is greater than or equal to 0."),
        ("1000001", "Ensure this value is less than or equal to 1000000."),
        ("low", WHOLE_NUMBER),
        ("", REQUIRED),
    ],
)
def test_reorder_level_field_errors(client, portal, db_state, value, message):
    signed_in(client, portal, "manager")
    before = db_state()
    response = client.post(
        reverse("inventory:reorder_level", args=[portal.inventory.pk]), {"reorder_level": value}
    )
    assert response.status_code == 200
    assert message in field_errors(response, "reorder_level")
    assert db_state() == before


def test_reorder_level_is_set(client, portal):
    signed_in(client, portal, "admin")
    client.post(
        reverse("inventory:reorder_level", args=[portal.inventory.pk]), {"reorder_level": 0}
    )
    assert Inventory.objects.get(pk=portal.inventory.pk).reorder_level == 0


def test_low_and_out_of_stock_badges(client, portal):
    Inventory.objects.filter(pk=portal.inventory.pk).update(reorder_level=50)
    signed_in(client, portal, "manager")
    client.post(
        reverse("inventory:adjust", args=[Inventory.objects.get(package=portal.other_package).pk]),
        {"delta": "-5", "reason": "lost"},
    )
    content = client.get(reverse("home")).content.decode()
    assert "Low stock" in content
    assert "Out of stock" in content


# ----------------------------------------------------------------------- error pages


def assert_portal_look(response):
    content = response.content.decode()
    assert 'class="navbar-brand fw-bold"' in content
    assert "vendor/bootstrap/css/bootstrap.min.css" in content


def test_403_page_is_in_portal_look(client, portal):
    signed_in(client, portal, "volunteer")
    response = client.get(reverse("inventory:restock", args=[portal.center.pk]))
    assert response.status_code == 403
    assert_portal_look(response)
    content = response.content.decode()
    assert "You are not allowed to do this" in content
    assert "Only a manager of this center or an admin can change its stock." in content
    assert reverse("households:list") in content  # the navigation is there to go on


@pytest.mark.parametrize("path", ["/no-such-page/", "/households/2000000000/"])
def test_404_page_is_in_portal_look(client, portal, path):
    signed_in(client, portal, "worker")
    response = client.get(path)
    assert response.status_code == 404
    assert_portal_look(response)
    assert "Page not found" in response.content.decode()


def test_unexpected_error_renders_the_500_page(client, portal):
    signed_in(client, portal, "worker")
    client.raise_request_exception = False
    with mock.patch("households.views.search_households", side_effect=RuntimeError("boom")):
        response = client.get(reverse("households:list"), {"q": "Okafor"})
    assert response.status_code == 500
    assert_portal_look(response)
    assert "Something went wrong" in response.content.decode()


def test_database_outage_in_a_view_renders_503(client, portal):
    signed_in(client, portal, "worker")
    client.raise_request_exception = False
    outage = OperationalError(2003, "Can't connect to MySQL server on '127.0.0.1' (111)")
    with mock.patch("households.views.search_households", side_effect=outage):
        response = client.get(reverse("households:list"), {"q": "Okafor"})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert_portal_look(response)
    assert "Service temporarily unavailable" in response.content.decode()
    assert client.get(reverse("households:list"), {"q": "Okafor"}).status_code == 200


def test_whole_database_outage_renders_503_and_recovers(client, portal):
    """Every query fails (session, staff, view): still the 503 page, then back to normal."""
    from django.db.backends.utils import CursorWrapper

    signed_in(client, portal, "worker")
    client.raise_request_exception = False
    outage = OperationalError(2003, "Can't connect to MySQL server on '127.0.0.1' (111)")
    with mock.patch.object(CursorWrapper, "execute", side_effect=outage):
        response = client.get(reverse("home"))

    assert response.status_code == 503
    assert "Service temporarily unavailable" in response.content.decode()
    assert client.get(reverse("home")).status_code == 200


def test_locked_out_page_is_in_portal_look(client, worker):
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "worker", "password": "nope"})
    assert response.status_code == 429
    assert_portal_look(response)


def test_token_older_than_its_max_age_is_refused_as_expired(client, portal, db_state):
    signed_in(client, portal, "worker")
    issued_long_ago = signing.b62_encode(int(time.time()) - tokens.MAX_AGE - 5)
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=issued_long_ago):
        token = form_token(client)
    before = db_state()
    response = client.post(
        reverse("distribution:new"), distribution_data(portal, client, token=token)
    )
    assert non_field_errors(response) == [EXPIRED_FORM_MESSAGE]
    assert db_state() == before


def test_token_is_good_only_in_the_session_that_was_shown_it(client, portal, db_state):
    from django.test import Client

    other = signed_in(Client(), portal, "worker")  # the same user, another session
    token = other.get(reverse("distribution:new")).context["form"]["token"].value()
    signed_in(client, portal, "worker")
    before = db_state()
    response = client.post(
        reverse("distribution:new"), distribution_data(portal, client, token=token)
    )
    assert non_field_errors(response) == [EXPIRED_FORM_MESSAGE]
    assert db_state() == before


def test_token_store_keeps_the_last_spent_tokens_only(client, portal):
    signed_in(client, portal, "worker")
    session = client.session
    spent = [tokens.issue_token(session) for _ in range(tokens.KEEP_TOKENS + 5)]
    assert tokens.token_state(session, spent[0]) == (tokens.FRESH, None)
    assert tokens.SESSION_KEY not in session  # issuing writes nothing
    for number, token in enumerate(spent, start=1):
        tokens.spend_token(session, token, number)
    assert len(session[tokens.SESSION_KEY]) == tokens.KEEP_TOKENS
    assert tokens.token_state(session, spent[-1]) == (tokens.USED, len(spent))
    assert tokens.token_state(session, "forged") == (tokens.UNKNOWN, None)


def test_login_redirect_keeps_the_page_asked_for(client, portal):
    url = reverse("households:detail", args=[portal.household.pk])
    response = client.get(url)
    assert urlsplit(response["Location"]).path == reverse("login")
    login = client.post(
        response["Location"], {"username": "worker", "password": "correct-horse-battery"}
    )
    assert login.status_code == 302
    assert login["Location"] == url


# ---------------------------------------------------------- display details


def test_nav_links_point_where_their_names_say(client, portal):
    from aidtracker.context_processors import NAV_URL_NAMES

    signed_in(client, portal, "admin")  # sees every link
    page = client.get(reverse("home")).content.decode()
    for name in NAV_URL_NAMES:
        assert page.count(f'"{reverse(name)}"') >= 2, name  # the menu and the bar


@pytest.mark.parametrize("url_name", ["password_change", "password_change_done"])
def test_password_change_pages_are_in_portal_look(client, portal, url_name):
    signed_in(client, portal, "worker")
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert_portal_look(response)


@pytest.mark.parametrize("url_name", ["home", "inventory:stock"])
def test_admin_center_picker_selects_the_center_shown(client, portal, url_name):
    signed_in(client, portal, "admin")  # works at Riverside; Hillcrest sorts first
    response = client.get(reverse(url_name))
    assert response.context["center"] == portal.center
    assert str(response.context["center_form"]["center"].value()) == str(portal.center.pk)


@pytest.mark.parametrize("url_name", ["inventory:stock", "centers:detail"])
def test_stock_badges_show_human_labels(client, portal, url_name):
    signed_in(client, portal, "manager")
    kwargs = {"pk": portal.center.pk} if url_name == "centers:detail" else {}
    content = client.get(reverse(url_name, kwargs=kwargs)).content.decode()
    assert "Low stock" in content
    assert ">LOW_STOCK<" not in content
