"""The distribution form: field errors, centers, refusals, one-time tokens, checks and voids."""

import time
from unittest import mock

import pytest
from django.core import signing
from django.urls import reverse

from aidtracker.tests.form_helpers import (
    REQUIRED,
    WHOLE_NUMBER,
    field_errors,
    non_field_errors,
    on_hand,
    signed_in,
)
from aidtracker.tests.test_permission_matrix import form_token
from centers.models import DistributionCenter
from distribution import tokens
from distribution.forms import EXPIRED_FORM_MESSAGE, UNKNOWN_HOUSEHOLD_MESSAGE
from distribution.models import DistributionLog
from distribution.services import FAILURE_MESSAGES, VOID_MESSAGES
from households.models import Household
from inventory.models import Inventory

pytestmark = pytest.mark.django_db


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


# ----------------------------------------------------------------------- form tokens


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
