"""Every change to a household is in its history: who (as named then), when, and each
changed field's old and new value, written in the same transaction as the change.

The history's page section is for managers and admins, each value masked as the
viewer would see it on the household's page.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import HouseholdChange, HouseholdChangeValues
from households import history
from households.models import Household, HouseholdMember, PossibleDuplicate
from households.services import (
    confirm_duplicate,
    dismiss_duplicate,
    issue_card,
    register_households,
    remove_member,
    save_household,
    save_member,
    set_alternate_collectors,
    set_household_status,
)
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

Action = HouseholdChange.Action


def new_household(**changes):
    fields = {
        "family_name": "Okafor",
        "primary_contact_name": "Ngozi Okafor",
        "phone_number": "+1 312 555 0142",
        "email": "ngozi@example.org",
        "address": "4 Harbour Road",
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62701",
        "family_size": 4,
        "income_level": "low",
        "registration_date": datetime.date(2025, 2, 1),
    }
    return Household(**{**fields, **changes})


def changes_of(household):
    """[(action, subject, {field: [old, new]} with the personal values merged in)], oldest
    first."""
    found = []
    for change in HouseholdChange.objects.filter(household=household).order_by("id"):
        values = HouseholdChangeValues.objects.filter(change=change).first()
        merged = {**change.changes, **(values.changes if values else {})}
        assert set(change.erasable) == set(values.changes if values else {})
        found.append((change.action, change.subject, merged))
    return found


@pytest.fixture
def registered(worker):
    return save_household(household=new_household(), staff=worker)


def test_a_registration_records_every_value_and_who_registered(registered, worker):
    (change,) = HouseholdChange.objects.filter(household=registered)
    assert change.action == Action.REGISTERED
    assert change.staff == worker
    assert change.staff_name == worker.full_name
    assert change.staff_role == "worker"
    ((_, _, values),) = changes_of(registered)
    assert values["phone_number"] == [None, "+13125550142"]
    assert values["family_name"] == [None, "Okafor"]
    assert values["city"] == [None, "Springfield"]
    assert values["registration_date"] == [None, "2025-02-01"]
    # Personal values are kept apart; the history row itself holds none.
    assert "+13125550142" not in str(change.changes)
    assert set(change.erasable) == set(history.PERSONAL_FIELDS) - {
        "notes",
        "consent_given_by",
        "preferred_language",
    }


EDITS = [
    ("family_name", "Okafor-Eze"),
    ("primary_contact_name", "Chidi Okafor"),
    ("phone_number", "+1 312 555 0199"),
    ("email", "chidi@example.org"),
    ("address", "9 Quay Street"),
    ("city", "Shelbyville"),
    ("state", "KY"),
    ("zip_code", "40065"),
    ("family_size", 6),
    ("income_level", "very_low"),
    ("priority_level", "critical"),
    ("registration_date", datetime.date(2025, 1, 15)),
    ("last_verified_date", datetime.date(2025, 3, 1)),
    ("notes", "Moved after the flood"),
    ("preferred_language", "ar"),
]


@pytest.mark.parametrize(("field", "value"), EDITS, ids=[field for field, _ in EDITS])
def test_an_edit_records_the_old_and_new_value_of_the_field(registered, manager, field, value):
    old = history.household_values(registered)[field]
    setattr(registered, field, value)
    save_household(household=registered, staff=manager)

    action, _, values = changes_of(registered)[-1]
    assert action == Action.EDITED
    assert set(values) == {field}
    new = history.household_values(Household.objects.get(pk=registered.pk))[field]
    assert values[field] == [old, new]


def test_an_edit_that_changes_nothing_records_nothing(registered, manager):
    save_household(household=Household.objects.get(pk=registered.pk), staff=manager)
    assert len(changes_of(registered)) == 1


def test_a_refused_edit_records_nothing(registered, manager):
    HouseholdFactory(phone_number="+1 312 555 0199")
    registered.phone_number = "+1 312 555 0199"
    with pytest.raises(ValidationError):
        save_household(household=registered, staff=manager)
    assert len(changes_of(registered)) == 1


def test_the_change_and_its_history_are_one_transaction(registered, manager, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the history could not be written")

    monkeypatch.setattr(history, "record_household_change", broken)
    registered.family_size = 9
    with pytest.raises(RuntimeError):
        save_household(household=registered, staff=manager)
    assert Household.objects.get(pk=registered.pk).family_size == 4


def test_renaming_the_staff_member_does_not_rewrite_the_history(registered, worker):
    worker.first_name, worker.role = "Renamed", "manager"
    worker.save()
    change = HouseholdChange.objects.get(household=registered)
    assert change.staff_name != worker.full_name
    assert change.staff_role == "worker"


def test_a_bulk_registration_records_one_row_per_household_in_two_inserts(manager):
    households = [
        new_household(phone_number=f"+1 312 555 01{n:02d}", family_name=f"Family {n}")
        for n in range(20)
    ]
    with CaptureQueriesContext(connection) as queries:
        saved = register_households(households=households, staff=manager)
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3  # the households, their history rows, their personal values
    assert HouseholdChange.objects.filter(action=Action.REGISTERED).count() == 20
    for household in saved:
        ((action, _, values),) = changes_of(household)
        assert action == Action.REGISTERED
        assert values["family_name"] == [None, household.family_name]


def test_a_status_change_is_recorded(registered, manager):
    set_household_status(household=registered, status="suspended", staff=manager)
    assert changes_of(registered)[-1] == (Action.STATUS, "", {"status": ["active", "suspended"]})


def test_member_changes_are_recorded_with_the_family_size(registered, worker):
    member = HouseholdMember(
        household=registered,
        full_name="Ada Okafor",
        sex="female",
        date_of_birth=datetime.date(2019, 5, 17),
        relationship_to_head="child",
    )
    save_member(member=member, staff=worker)
    action, subject, values = changes_of(registered)[-1]
    assert (action, subject) == (Action.MEMBER_ADDED, f"member #{member.pk}")
    assert values == {
        "full_name": [None, "Ada Okafor"],
        "sex": [None, "female"],
        "date_of_birth": [None, "2019-05-17"],
        "relationship_to_head": [None, "child"],
        "family_size": [4, 1],
    }

    member.full_name, member.date_of_birth = "Adaeze Okafor", datetime.date(2019, 6, 1)
    save_member(member=member, staff=worker)
    action, _, values = changes_of(registered)[-1]
    assert action == Action.MEMBER_EDITED
    assert values == {
        "full_name": ["Ada Okafor", "Adaeze Okafor"],
        "date_of_birth": ["2019-05-17", "2019-06-01"],
    }

    second = HouseholdMember.objects.create(
        household=registered, full_name="Obi Okafor", relationship_to_head="head"
    )
    registered.refresh_from_db()
    second_pk = second.pk
    remove_member(member=second, staff=worker)
    action, subject, values = changes_of(registered)[-1]
    assert (action, subject) == (Action.MEMBER_REMOVED, f"member #{second_pk}")
    assert values["full_name"] == ["Obi Okafor", None]
    assert values["relationship_to_head"] == ["head", None]


def test_alternate_collectors_and_cards_are_recorded(registered, worker):
    set_alternate_collectors(household=registered, collectors=["Musa Danjuma"], staff=worker)
    assert changes_of(registered)[-1] == (
        Action.ALTERNATES,
        "",
        {"alternates": [None, ["Musa Danjuma"]]},
    )
    set_alternate_collectors(household=registered, collectors=["Amina Bello"], staff=worker)
    assert changes_of(registered)[-1][2] == {"alternates": [["Musa Danjuma"], ["Amina Bello"]]}

    first = issue_card(household=registered, staff=worker)
    assert changes_of(registered)[-1] == (
        Action.CARD_ISSUED,
        "",
        {"card": [None, first.display_code]},
    )
    second = issue_card(household=registered, staff=worker)
    _, subject, values = changes_of(registered)[-1]
    assert values == {"card": [first.display_code, second.display_code]}
    assert subject == f"card {first.display_code} revoked"


def pair_of(older, newer):
    return PossibleDuplicate.objects.create(
        household_a=older, household_b=newer, score=90, evidence="same family name"
    )


def test_a_dismissed_duplicate_is_recorded_on_both_households(manager):
    older, newer = HouseholdFactory(), HouseholdFactory()
    pair = pair_of(older, newer)
    dismiss_duplicate(pair=pair, staff=manager)
    assert changes_of(older) == [
        (Action.DUPLICATE_DISMISSED, f"pair #{pair.pk} with household #{newer.pk}", {})
    ]
    assert changes_of(newer) == [
        (Action.DUPLICATE_DISMISSED, f"pair #{pair.pk} with household #{older.pk}", {})
    ]


def test_a_confirmed_duplicate_records_what_changed_on_every_household(manager):
    older = HouseholdFactory(registration_date=datetime.date(2024, 1, 1))
    newer = HouseholdFactory(registration_date=datetime.date(2025, 1, 1))
    third = HouseholdFactory(registration_date=datetime.date(2025, 2, 1))
    confirm_duplicate(pair=pair_of(newer, third), staff=manager)  # third joins newer
    pair = pair_of(older, newer)
    confirm_duplicate(pair=pair, staff=manager)  # newer (and third with it) join older

    assert changes_of(older)[-1] == (
        Action.DUPLICATE_CONFIRMED,
        f"pair #{pair.pk} with household #{newer.pk}",
        {},
    )
    assert changes_of(newer)[-1] == (
        Action.DUPLICATE_CONFIRMED,
        f"pair #{pair.pk} with household #{older.pk}",
        {"status": ["active", "inactive"], "duplicate_of": [None, older.pk]},
    )
    action, _, values = changes_of(third)[-1]
    assert action == Action.DUPLICATE_CONFIRMED
    assert values == {"duplicate_of": [newer.pk, older.pk]}


# --- The page ---------------------------------------------------------------------


# How a page keeps a phone number left to right (core.templatetags.bidi).
LTR = '<bdi class="ltr" dir="ltr">'


def history_section(client, staff, household):
    client.force_login(staff.user)
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    return page.split('id="history"', 1)[1] if 'id="history"' in page else None


def test_managers_and_admins_see_who_changed_what(client, registered, manager, admin_staff):
    registered.phone_number = "+1 312 555 0199"
    save_household(household=registered, staff=manager)
    for viewer in (manager, admin_staff):
        section = history_section(client, viewer, registered)
        assert (
            f"Phone changed from {LTR}+1 312-555-0142</bdi> to {LTR}+1 312-555-0199</bdi>"
            in section
        )
        assert f"by {manager.full_name} (Manager)" in section
        assert "Registered" in section


def test_volunteers_and_workers_never_see_the_history(client, registered, volunteer, worker):
    assert history_section(client, volunteer, registered) is None
    assert history_section(client, worker, registered) is None


def test_the_history_masks_what_the_viewer_may_not_see(client, registered, manager, settings):
    registered.phone_number, registered.email = "+1 312 555 0199", "chidi@example.org"
    save_household(household=registered, staff=manager)
    settings.PERSONAL_DATA_VISIBLE_TO = {
        **settings.PERSONAL_DATA_VISIBLE_TO,
        "manager": ["address", "notes"],
    }
    section = history_section(client, manager, registered)
    for hidden in ("0142", "0199", "chidi@example.org", "ngozi@example.org"):
        assert hidden not in section
    assert f"Phone changed from {LTR}•••••••••42</bdi> to {LTR}•••••••••99</bdi>" in section
    assert "4 Harbour Road" in section  # what the manager may see stays whole
