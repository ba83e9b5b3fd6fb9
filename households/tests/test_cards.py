"""Household cards: issue, reissue (the old code stops working), scan lookups, printing."""

import re

import pytest
import segno
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import AccessLog
from households.models import CARD_ALPHABET, CARD_CODE_LENGTH, HouseholdCard
from households.selectors import household_for_card
from households.services import issue_card, new_card_code
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def test_codes_are_twelve_unambiguous_characters_drawn_at_random():
    codes = {new_card_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == CARD_CODE_LENGTH <= 16
        assert set(code) <= set(CARD_ALPHABET)
    assert not set("01ILO") & set(CARD_ALPHABET)


def test_a_card_opens_its_household_in_any_spelling(worker):
    household = HouseholdFactory()
    card = issue_card(household=household, staff=worker)
    assert household_for_card(card.code) == household
    assert household_for_card(card.display_code.lower()) == household
    assert household_for_card(f"  {card.code[:6]} {card.code[6:]} ") == household
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", card.display_code)


def test_reissuing_revokes_the_old_card_and_a_scan_says_when(worker):
    household = HouseholdFactory()
    old = issue_card(household=household, staff=worker)
    new = issue_card(household=household, staff=worker)
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert household_for_card(new.code) == household
    with pytest.raises(HouseholdCard.DoesNotExist) as revoked:
        household_for_card(old.code)
    revoked_at = timezone.localtime(old.revoked_at)
    assert str(revoked.value) == (
        f"This card was revoked on {date_format(revoked_at, 'DATE_FORMAT')} at "
        f"{date_format(revoked_at, 'TIME_FORMAT')}, when a new card was issued. "
        "Ask for the new card, or search the household by name."
    )
    assert HouseholdCard.objects.filter(household=household, revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    "code", ["", "ABC", "2345-6789-ABCD", "0000-0000-0000", "€" * 12, "x" * 99]
)
def test_an_unknown_or_malformed_code_is_refused_with_a_message(code):
    with pytest.raises(HouseholdCard.DoesNotExist) as unknown:
        household_for_card(code)
    assert "No household card has this code" in str(unknown.value)


def test_volunteers_cannot_issue_cards(volunteer):
    with pytest.raises(PermissionDenied):
        issue_card(household=HouseholdFactory(), staff=volunteer)


def test_the_qr_code_holds_the_code_and_nothing_else(client, worker):
    household = HouseholdFactory(family_name="Okafor", phone_number="+254712345678")
    card = issue_card(household=household, staff=worker)
    client.force_login(worker.user)
    page = client.get(reverse("households:card", args=[household.pk])).content.decode()
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert "Okafor" not in svg
    assert "712345678" not in svg
    # The same code drawn by segno gives the same modules: the payload is the code alone.
    expected = segno.make_qr(card.code, error="m").svg_inline(
        scale=1, border=2, omitsize=True, svgclass="card-qr", lineclass=None
    )
    assert svg == expected
    assert card.display_code in page
    assert AccessLog.objects.filter(target="household card", object_id=household.pk).exists()


def test_issue_and_reissue_through_the_pages(client, worker):
    household = HouseholdFactory()
    client.force_login(worker.user)
    url = reverse("households:issue_card", args=[household.pk])
    first = client.post(url, follow=True)
    card = HouseholdCard.objects.get(household=household)
    assert f"Card {card.display_code} issued." in first.content.decode()
    second = client.post(url, follow=True)
    assert f"card {card.display_code} no longer works" in second.content.decode()
    assert HouseholdCard.objects.filter(household=household).count() == 2


def test_volunteers_get_403_on_card_pages(client, volunteer):
    household = HouseholdFactory()
    client.force_login(volunteer.user)
    assert client.get(reverse("households:card", args=[household.pk])).status_code == 403
    assert client.post(reverse("households:issue_card", args=[household.pk])).status_code == 403
    assert client.get(reverse("households:card_sheet")).status_code == 403


def test_a_sheet_prints_eight_cards_to_a_page_and_issues_the_missing_ones(client, worker):
    households = HouseholdFactory.create_batch(10)
    ids = ",".join(str(h.pk) for h in households)
    client.force_login(worker.user)
    url = reverse("households:card_sheet")
    before = client.get(url, {"ids": ids})
    assert before.context["missing"] == households
    assert before.context["sheets"] == []

    response = client.post(url, {"ids": ids}, follow=True)
    assert "10 cards issued" in response.content.decode()
    sheets = response.context["sheets"]
    assert [len(sheet) for sheet in sheets] == [8, 2]
    assert response.content.decode().count('class="card-sheet"') == 2
    assert response.context["missing"] == []
    again = client.post(url, {"ids": ids}, follow=True)
    assert "0 cards issued" in again.content.decode()
    assert HouseholdCard.objects.count() == 10


def test_a_sheet_of_this_weeks_registrations(client, worker):
    recent = HouseholdFactory(registration_date=timezone.localdate())
    old = HouseholdFactory(registration_date="2020-01-01")
    for household in (recent, old):
        issue_card(household=household, staff=worker)
    client.force_login(worker.user)
    response = client.get(reverse("households:card_sheet"), {"registered": "week"})
    printed = [item["household"] for sheet in response.context["sheets"] for item in sheet]
    assert recent in printed
    assert old not in printed


@pytest.mark.parametrize("ids", ["abc", "²,③", "9" * 40, ",,,", "-1"])
def test_nonsense_selections_print_nothing(client, worker, ids):
    client.force_login(worker.user)
    response = client.get(reverse("households:card_sheet"), {"ids": ids})
    assert response.status_code == 200
    assert response.context["sheets"] == []


def test_households_ticked_on_the_list_print_on_one_sheet(client, worker):
    chosen = HouseholdFactory.create_batch(3)
    for household in chosen:
        issue_card(household=household, staff=worker)
    client.force_login(worker.user)
    listing = client.get(reverse("households:list")).content.decode()
    assert 'form="card-selection"' in listing
    response = client.get(
        reverse("households:card_sheet"), {"ids": [str(h.pk) for h in chosen[:2]]}
    )
    printed = [item["household"] for sheet in response.context["sheets"] for item in sheet]
    assert printed == chosen[:2]
    assert response.context["selected_ids"] == f"{chosen[0].pk},{chosen[1].pk}"


def test_a_huge_selection_posted_redirects_to_what_it_resolved_to(client, worker):
    household = HouseholdFactory()
    client.force_login(worker.user)
    noise = ",".join(["9" * 12] * 3000)
    response = client.post(reverse("households:card_sheet"), {"ids": f"{household.pk},{noise}"})
    assert response.status_code == 302
    assert response.url == f"{reverse('households:card_sheet')}?ids={household.pk}"
