"""Receipts are printed in the household's language; the audit log stays in English.

A receipt is read by the household, so it is rendered in the language recorded for
it, or in the staff member's when none is; every other page stays in the staff
member's. A refusal is stored in English (with its code) whatever the language of
whoever recorded it, and shown in the reader's.
"""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from distribution.models import DistributionLog
from distribution.rules import FAILURE_MESSAGES, refusal_message
from distribution.services import serve_household
from distribution.tests.factories import DistributionLogFactory

pytestmark = pytest.mark.django_db


def html_tag(response):
    """The opening <html> tag of a page."""
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def speak(staff, language):
    staff.language = language
    staff.save(update_fields=["language"])


def prefer(household, language):
    household.preferred_language = language
    household.save(update_fields=["preferred_language"])


def test_a_receipt_is_printed_in_the_households_language(client, portal):
    prefer(portal.served, "fr")
    client.force_login(portal.staff["worker"].user)

    response = client.get(reverse("distribution:receipt", args=[portal.log.pk]))

    assert html_tag(response) == '<html lang="fr" dir="ltr">'
    assert response["Content-Language"] == "fr"
    with translation.override("fr"):  # dates as French writes them, not as English does
        when = date_format(portal.log.distribution_date, "DATETIME_FORMAT")
    assert when in response.content.decode()
    assert f'#<bdi class="ltr" dir="ltr">{portal.log.pk}</bdi>' in response.content.decode()


def test_an_arabic_visit_receipt_reads_right_to_left_with_its_numbers_left_to_right(client, portal):
    prefer(portal.household, "ar")
    worker = portal.staff["worker"]
    visit = serve_household(
        household=portal.household,
        center=portal.center,
        staff=worker,
        lines=[(portal.package, None)],
    )
    client.force_login(worker.user)

    response = client.get(reverse("distribution:visit_receipt", args=[visit.pk]))

    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    assert response["Content-Language"] == "ar"
    page = response.content.decode()
    assert f'id="receipt-number">#<bdi class="ltr" dir="ltr">{visit.pk}</bdi>' in page
    assert "bootstrap.rtl.min.css" in page


def test_without_a_recorded_language_the_receipt_is_in_the_staff_members(client, portal):
    worker = portal.staff["worker"]
    speak(worker, "es")
    client.force_login(worker.user)

    response = client.get(reverse("distribution:receipt", args=[portal.log.pk]))

    assert html_tag(response) == '<html lang="es" dir="ltr">'


def test_the_households_language_stays_on_its_receipt(client, portal):
    prefer(portal.served, "ar")
    client.force_login(portal.staff["worker"].user)

    client.get(reverse("distribution:receipt", args=[portal.log.pk]))
    log_page = client.get(reverse("distribution:log"))
    form_page = client.get(reverse("distribution:new"))

    assert html_tag(log_page) == '<html lang="en" dir="ltr">'
    assert html_tag(form_page) == '<html lang="en" dir="ltr">'


def test_a_refusal_is_stored_in_english_and_shown_in_the_workers_language(client, portal):
    worker = portal.staff["worker"]
    speak(worker, "fr")
    client.force_login(worker.user)
    form = client.get(reverse("distribution:new")).context["form"]

    response = client.post(
        reverse("distribution:new"),
        {
            "household": portal.served.pk,  # served this package already: not eligible
            "package": portal.package.pk,
            "quantity": 1,
            "token": form.initial["token"],
        },
    )

    failed = DistributionLog.objects.get(household=portal.served, transaction_status="failed")
    assert (failed.failure_code, failed.failure_reason) == (
        "not_eligible",
        FAILURE_MESSAGES["not_eligible"],
    )
    with translation.override("fr"):
        shown = refusal_message("not_eligible")
    assert response.context["form"].non_field_errors() == [shown]


def test_a_stored_refusal_is_shown_from_its_code_or_as_stored_for_an_unknown_one():
    known = DistributionLogFactory(
        transaction_status="failed", failure_code="no_inventory", failure_reason="Old wording."
    )
    unknown = DistributionLogFactory(
        transaction_status="failed", failure_code="retired_rule", failure_reason="Old rule."
    )

    assert known.refusal == FAILURE_MESSAGES["no_inventory"]
    assert unknown.refusal == "Old rule."
