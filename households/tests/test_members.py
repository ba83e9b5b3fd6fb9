"""Household members keep the family size; alternate collectors; their pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from households.models import AlternateCollector, Household, HouseholdMember
from households.services import remove_member, save_member, set_alternate_collectors
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def member(household, name="Amina Yusuf", **values):
    return HouseholdMember(
        household=household,
        full_name=name,
        sex=values.get("sex", "female"),
        relationship_to_head=values.get("relationship_to_head", "child"),
        date_of_birth=values.get("date_of_birth"),
    )


def size(household):
    return Household.objects.get(pk=household.pk).family_size


def test_members_keep_the_family_size(worker):
    household = HouseholdFactory(family_size=6)
    first = save_member(member=member(household, "Yusuf Bello"), staff=worker)
    assert size(household) == 1
    save_member(member=member(household, "Amina Bello"), staff=worker)
    assert size(household) == 2
    remove_member(member=first, staff=worker)
    assert size(household) == 1


def test_removing_the_last_member_leaves_the_size_as_it_was(worker):
    household = HouseholdFactory(family_size=4)
    only = save_member(member=member(household), staff=worker)
    remove_member(member=only, staff=worker)
    assert size(household) == 1
    assert not household.members.exists()


def test_households_without_members_keep_their_size(worker):
    household = HouseholdFactory(family_size=5)
    assert size(household) == 5


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "1234"}, "full_name"),
        ({"sex": "f"}, "sex"),
        ({"relationship_to_head": "cousin"}, "relationship_to_head"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ],
)
def test_bad_member_values_are_refused_and_change_nothing(worker, values, field):
    household = HouseholdFactory(family_size=3)
    name = values.pop("name", "Amina Yusuf")
    with pytest.raises(ValidationError) as refused:
        save_member(member=member(household, name, **values), staff=worker)
    assert field in refused.value.message_dict
    assert (size(household), household.members.count()) == (3, 0)


def test_the_database_refuses_an_unknown_sex(worker):
    household = HouseholdFactory()
    saved = save_member(member=member(household), staff=worker)
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.filter(pk=saved.pk).update(sex="F")


def test_volunteers_cannot_change_members(volunteer):
    with pytest.raises(PermissionDenied):
        save_member(member=member(HouseholdFactory()), staff=volunteer)


def test_alternates_are_members_or_named_people_at_most_two(worker):
    household = HouseholdFactory()
    daughter = save_member(member=member(household, "Amina Bello"), staff=worker)
    set_alternate_collectors(
        household=household, collectors=[daughter, "Musa Danjuma"], staff=worker
    )
    alternates = list(household.alternate_collectors.all())
    assert [(a.full_name, a.member) for a in alternates] == [
        ("Amina Bello", daughter),
        ("Musa Danjuma", None),
    ]
    with pytest.raises(ValidationError):
        set_alternate_collectors(
            household=household, collectors=["A b", "C d", "E f"], staff=worker
        )
    assert household.alternate_collectors.count() == 2
    set_alternate_collectors(household=household, collectors=["", ""], staff=worker)
    assert not AlternateCollector.objects.filter(household=household).exists()


def test_a_member_of_another_household_cannot_be_an_alternate(worker):
    household, other = HouseholdFactory(), HouseholdFactory()
    stranger = save_member(member=member(other), staff=worker)
    with pytest.raises(ValidationError):
        set_alternate_collectors(household=household, collectors=[stranger], staff=worker)


# --- Pages ------------------------------------------------------------------------------


def test_a_worker_adds_edits_and_removes_members_on_the_pages(client, worker):
    household = HouseholdFactory(family_size=7)
    client.force_login(worker.user)
    data = {
        "full_name": "Grace Okafor",
        "sex": "female",
        "date_of_birth": "2015-03-02",
        "relationship_to_head": "child",
    }
    response = client.post(reverse("households:member_add", args=[household.pk]), data)
    assert response.status_code == 302
    added = HouseholdMember.objects.get()
    assert size(household) == 1
    page = client.get(household.get_absolute_url()).content.decode()
    assert "Grace Okafor" in page
    assert "Family size follows the 1 member." in page

    edit = client.post(
        reverse("households:member_edit", args=[added.pk]), {**data, "full_name": "Grace O."}
    )
    assert edit.status_code == 302
    assert HouseholdMember.objects.get().full_name == "Grace O."

    form = client.get(reverse("households:edit", args=[household.pk])).context["form"]
    assert form.fields["family_size"].disabled

    client.post(reverse("households:member_remove", args=[added.pk]))
    assert not HouseholdMember.objects.exists()


def test_a_bad_member_form_shows_the_message(client, worker):
    household = HouseholdFactory()
    client.force_login(worker.user)
    response = client.post(
        reverse("households:member_add", args=[household.pk]),
        {"full_name": "", "sex": "female", "relationship_to_head": "child", "date_of_birth": "x"},
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not HouseholdMember.objects.exists()


def test_alternates_page_links_members_by_name(client, worker):
    household = HouseholdFactory()
    save_member(member=member(household, "Amina Bello"), staff=worker)
    client.force_login(worker.user)
    url = reverse("households:alternates", args=[household.pk])
    assert "member-names" in client.get(url).content.decode()
    client.post(url, {"first": "amina bello", "second": "Musa Danjuma"})
    first, second = household.alternate_collectors.all()
    assert first.member is not None
    assert second.member is None


def test_the_visit_page_offers_the_head_and_the_alternates(client, worker):
    household = HouseholdFactory(primary_contact_name="Ngozi Okafor")
    set_alternate_collectors(household=household, collectors=["Musa Danjuma"], staff=worker)
    client.force_login(worker.user)
    page = client.get(reverse("distribution:visit", args=[household.pk])).content.decode()
    assert '<option value="Ngozi Okafor">' in page
    assert '<option value="Musa Danjuma">' in page


def test_volunteers_get_403_on_member_pages(client, volunteer, worker):
    household = HouseholdFactory()
    saved = save_member(member=member(household), staff=worker)
    client.force_login(volunteer.user)
    for url in (
        reverse("households:member_add", args=[household.pk]),
        reverse("households:member_edit", args=[saved.pk]),
        reverse("households:alternates", args=[household.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("households:member_remove", args=[saved.pk])).status_code == 403
    assert HouseholdMember.objects.count() == 1


def test_an_alternate_without_a_letter_is_refused_on_the_form(client, worker):
    household = HouseholdFactory()
    client.force_login(worker.user)
    response = client.post(
        reverse("households:alternates", args=[household.pk]), {"first": "1234", "second": ""}
    )
    assert response.status_code == 200
    assert "Enter a name with at least one letter." in response.content.decode()
    assert not household.alternate_collectors.exists()
