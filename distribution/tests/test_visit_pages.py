"""The visit pages: scan, the basket page, one submission, the receipt."""

import re

import pytest
from django.urls import reverse

from distribution.models import DistributionLog, OwedItem, Visit
from distribution.services import distribute_package, serve_household
from households.services import issue_card
from households.tests.factories import HouseholdFactory
from inventory.models import Inventory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(center, admin_staff):
    """Rice (4 per family, 2 on hand), oil (1 per 3 persons), soap (flat 1, received)."""
    rice = AidPackageFactory(package_name="Rice", units_per_household=4)
    oil = AidPackageFactory(package_name="Oil", persons_per_unit=3)
    soap = AidPackageFactory(package_name="Soap")
    restock(center=center, package=rice, quantity=2, staff=admin_staff)
    restock(center=center, package=oil, quantity=50, staff=admin_staff)
    restock(center=center, package=soap, quantity=50, staff=admin_staff)
    return rice, oil, soap


def visit_form(client, household):
    response = client.get(reverse("distribution:visit", args=[household.pk]))
    assert response.status_code == 200
    return response, response.context["form"]


def post_data(form, **changes):
    data = {"token": form.initial["token"], "collected_by": "Head of household"}
    for line in form.lines:
        pk = line.package.pk
        data.update({f"take_{pk}": "on", f"quantity_{pk}": line.due, f"due_{pk}": line.due})
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_scanned_card_opens_the_visit_page(client, worker):
    household = HouseholdFactory()
    card = issue_card(household=household, staff=worker)
    client.force_login(worker.user)
    response = client.get(reverse("distribution:scan"), {"code": card.display_code.lower()})
    assert response.status_code == 302
    assert response.url == reverse("distribution:visit", args=[household.pk])


def test_a_revoked_or_unknown_card_goes_back_with_the_reason(client, worker):
    household = HouseholdFactory()
    old = issue_card(household=household, staff=worker)
    issue_card(household=household, staff=worker)
    client.force_login(worker.user)
    revoked = client.get(reverse("distribution:scan"), {"code": old.code}, follow=True)
    assert "This card was revoked on" in revoked.content.decode()
    unknown = client.get(reverse("distribution:scan"), {"code": "ZZZZ-ZZZZ-ZZZZ"}, follow=True)
    assert "No household card has this code" in unknown.content.decode()
    empty = client.get(reverse("distribution:scan"), {"code": ""}, follow=True)
    assert "Scan the card, or type its code." in empty.content.decode()


def test_the_visit_page_shows_every_line_with_what_is_due(client, worker, stocked):
    rice, oil, soap = stocked
    household = HouseholdFactory(family_size=7)
    distribute_package(household=household, package=soap, center=worker.center, staff=worker)
    client.force_login(worker.user)
    response, form = visit_form(client, household)
    lines = {line.package: line for line in response.context["lines"]}
    assert (lines[rice].due, lines[rice].short) == (4, 2)
    assert lines[oil].due == 3
    assert lines[soap].status == "not_eligible"
    assert [line.package for line in form.lines] == [oil, rice]  # soap is shown, not selectable
    page = response.content.decode()
    assert "Only 2 on hand: 2 will be owed." in page
    assert re.search(r"Soap.*Not eligible until", page, re.S)


def test_one_submission_serves_the_basket_and_shows_the_receipt(client, worker, stocked):
    rice, oil, soap = stocked
    household = HouseholdFactory(family_size=7)
    client.force_login(worker.user)
    _, form = visit_form(client, household)

    response = client.post(reverse("distribution:visit", args=[household.pk]), post_data(form))

    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("distribution:visit_receipt", args=[visit.pk])
    handed = [(log.package, log.quantity_distributed) for log in visit.logs]
    assert handed == [(oil, 3), (rice, 2), (soap, 1)]
    assert visit.collected_by == "Head of household"
    (owed,) = OwedItem.objects.all()
    assert (owed.package, owed.quantity_owed) == (rice, 2)
    receipt = client.get(response.url).content.decode()
    assert "2 owed until" in receipt
    assert "6</strong> units handed out" in receipt


def test_the_same_form_twice_records_one_visit(client, worker, stocked):
    household = HouseholdFactory()
    client.force_login(worker.user)
    _, form = visit_form(client, household)
    url = reverse("distribution:visit", args=[household.pk])
    first = client.post(url, post_data(form))
    second = client.post(url, post_data(form), follow=True)
    assert Visit.objects.count() == 1
    assert second.redirect_chain[-1][0] == first.url
    assert "already recorded" in second.content.decode()


def test_unticked_and_changed_lines(client, worker, stocked):
    rice, oil, soap = stocked
    household = HouseholdFactory(family_size=7)
    client.force_login(worker.user)
    _, form = visit_form(client, household)
    unticked = {f"take_{rice.pk}": None, f"take_{soap.pk}": None}
    data = post_data(form, **unticked, **{f"quantity_{oil.pk}": 1})
    client.post(reverse("distribution:visit", args=[household.pk]), data)
    (log,) = Visit.objects.get().logs
    assert (log.package, log.quantity_distributed) == (oil, 1)
    assert Inventory.objects.get(package=rice).quantity_on_hand == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"take": None}, "Tick at least one package to hand out."),
        ({"quantity": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"quantity": "101"}, "Ensure this value is less than or equal to 100."),
        ({"quantity": "1_0"}, "Enter a number with digits only."),
        ({"quantity": ""}, "Give the quantity for each ticked package."),
        ({"token": "forged"}, "This form has expired."),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(client, worker, stocked, changes, message):
    oil = stocked[1]
    household = HouseholdFactory()
    client.force_login(worker.user)
    _, form = visit_form(client, household)
    data = post_data(form)
    for key, value in changes.items():
        if key == "token":
            data["token"] = value
            continue
        for line in form.lines:
            name = f"{key}_{line.package.pk}"
            if value is None:
                data.pop(name, None)
            elif line.package == oil:
                data[name] = value
    response = client.post(reverse("distribution:visit", args=[household.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Visit.objects.count() == 0
    assert DistributionLog.objects.count() == 0


def test_a_volunteer_serves_a_visit_and_sees_the_phone_masked(client, volunteer, stocked):
    household = HouseholdFactory(phone_number="+254712345678")
    client.force_login(volunteer.user)
    response, form = visit_form(client, household)
    page = response.content.decode()
    assert "712345678" not in page
    assert "78" in page
    client.post(reverse("distribution:visit", args=[household.pk]), post_data(form))
    assert Visit.objects.get().staff == volunteer


def test_another_centers_receipt_is_not_found(client, worker, other_manager, stocked):
    household = HouseholdFactory()
    client.force_login(worker.user)
    _, form = visit_form(client, household)
    client.post(reverse("distribution:visit", args=[household.pk]), post_data(form))
    visit = Visit.objects.get()
    client.force_login(other_manager.user)
    assert client.get(reverse("distribution:visit_receipt", args=[visit.pk])).status_code == 404


def test_an_admin_chooses_the_center(client, admin_staff, center, stocked):
    household = HouseholdFactory()
    client.force_login(admin_staff.user)
    response = client.get(reverse("distribution:visit", args=[household.pk]), {"center": center.pk})
    assert response.context["center"] == center
    assert len(response.context["form"].lines) == 3


def test_a_ticked_line_that_ran_out_meanwhile_is_refused_on_the_receipt(
    client, worker, admin_staff, stocked
):
    """Another point takes the last units between the page and the submission."""
    rice, oil, soap = stocked
    household = HouseholdFactory(family_size=3)
    client.force_login(worker.user)
    _, form = visit_form(client, household)
    other = HouseholdFactory(family_size=3)
    serve_household(
        household=other, center=worker.center, staff=worker, lines=[(rice, 2)]
    )  # the last 2 units of rice
    response = client.post(reverse("distribution:visit", args=[household.pk]), post_data(form))
    visit = Visit.objects.get(household=household)
    assert response.url == reverse("distribution:visit_receipt", args=[visit.pk])
    outcomes = {log.package: log.failure_code or "success" for log in visit.logs}
    assert outcomes == {oil: "success", rice: "insufficient_stock", soap: "success"}


def test_a_single_ticked_line_served_elsewhere_meanwhile_is_refused_not_lost(
    client, worker, stocked
):
    rice, oil, soap = stocked
    household = HouseholdFactory()
    client.force_login(worker.user)
    _, form = visit_form(client, household)
    distribute_package(household=household, package=soap, center=worker.center, staff=worker)
    only_soap = {f"take_{rice.pk}": None, f"take_{oil.pk}": None}
    client.post(reverse("distribution:visit", args=[household.pk]), post_data(form, **only_soap))
    (log,) = Visit.objects.get().logs
    assert (log.package, log.failure_code) == (soap, "not_eligible")
