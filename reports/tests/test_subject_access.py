"""A subject access export holds everything about one household, and is recorded.

The world: a registered, edited household with members, an alternate, two cards (one
revoked), a distribution, a visit with its collector, an owed item, a possible
duplicate, and pages that showed it. The JSON export and the printable page must hold
each of them; the export is an access-log entry of its own; only managers and admins
may make one.
"""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from distribution.models import OwedItem
from distribution.services import serve_household
from households.models import Household, HouseholdMember, PossibleDuplicate
from households.services import (
    issue_card,
    save_household,
    save_member,
    set_alternate_collectors,
)
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(portal, client):
    worker, manager = portal.staff["worker"], portal.staff["manager"]
    household = Household(
        family_name="Mensah",
        primary_contact_name="Akua Mensah",
        phone_number="+1 312 555 0199",
        email="akua@kumasi-post.example",
        address="2 Adabraka Close",
        city="Springfield",
        state="IL",
        zip_code="62701",
        family_size=3,
        income_level="low",
        registration_date=datetime.date(2025, 2, 1),
        notes="Prefers afternoon visits",
    )
    save_household(household=household, staff=worker)
    household.phone_number = "+1 312 555 0198"
    save_household(household=household, staff=manager)
    member = HouseholdMember(
        household=household,
        full_name="Kofi Mensah",
        sex="male",
        date_of_birth=datetime.date(2018, 7, 9),
        relationship_to_head="child",
    )
    save_member(member=member, staff=worker)
    set_alternate_collectors(household=household, collectors=["Yaw Boateng"], staff=worker)
    first = issue_card(household=household, staff=worker)
    second = issue_card(household=household, staff=worker)
    household.refresh_from_db()
    visit = serve_household(
        household=household,
        center=portal.center,
        staff=worker,
        lines=[(portal.package, 1)],
        collected_by="Yaw Boateng",
    )
    log = visit.logs.first()
    OwedItem.objects.create(
        household=household,
        package=portal.package,
        center=portal.center,
        log=log,
        quantity_owed=2,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    other = HouseholdFactory(family_name="Mensa")
    pair = PossibleDuplicate.objects.create(
        household_a=household, household_b=other, score=88, evidence="family name alike"
    )
    client.force_login(worker.user)
    client.get(reverse("households:list"), {"q": "Mensah"})
    client.get(reverse("households:detail", args=[household.pk]))
    client.logout()
    portal.subject = household
    portal.cards, portal.visit, portal.log, portal.pair = (first, second), visit, log, pair
    portal.member = member
    return portal


def export(client, world, staff="manager", **query):
    client.force_login(world.staff[staff].user)
    return client.get(reverse("reports:subject_access", args=[world.subject.pk]), query)


def test_the_json_export_holds_everything_about_the_household(client, world):
    response = export(client, world, format="json")
    assert response["Content-Disposition"].endswith(
        f'household-{world.subject.pk}-subject-access.json"'
    )
    data = json.loads(response.content)
    profile = {row["field"]: row["value"] for row in data["profile"]}
    assert profile["family_name"] == "Mensah"
    assert profile["phone_number"] == "+1 312-555-0198"
    assert profile["email"] == "akua@kumasi-post.example"
    assert profile["address"] == "2 Adabraka Close"
    assert profile["notes"] == "Prefers afternoon visits"
    assert data["members"] == [
        {
            "id": world.member.pk,
            "name": "Kofi Mensah",
            "sex": "Male",
            "date_of_birth": "2018-07-09",
            "relationship": "Child",
        }
    ]
    assert data["alternate_collectors"] == ["Yaw Boateng"]
    assert [card["code"] for card in data["cards"]] == [
        world.cards[1].display_code,
        world.cards[0].display_code,
    ]
    assert data["cards"][1]["revoked_at"] is not None
    (log,) = data["distributions"]
    assert (log["id"], log["package"], log["status"]) == (world.log.pk, "Food basket", "Success")
    assert data["visits"][0]["collected_by"] == "Yaw Boateng"
    assert data["owed_items"][0]["quantity_owed"] == 2
    assert data["owed_items"][0]["still_owed_now"] == 2
    assert data["possible_duplicates"][0]["pair"] == world.pair.pk
    history = [(entry["what"], entry["changes"]) for entry in data["change_history"]]
    assert history[0][0] == "Registered"
    assert ("Edited", ["Phone changed from +1 312-555-0199 to +1 312-555-0198"]) in history
    assert "Member added" in [what for what, _ in history]
    assert "Card issued" in [what for what, _ in history]
    access = [(entry["action"], entry["what"]) for entry in data["access_log"]]
    assert ("List households", "household search") in access
    assert ("View household", "household record") in access
    assert access[-1] == ("Export", "subject access export")  # this export, recorded first


def test_the_printable_page_holds_the_same(client, world):
    page = export(client, world).content.decode()
    for expected in (
        "akua@kumasi-post.example",
        "2 Adabraka Close",
        "Kofi Mensah",
        "Yaw Boateng",
        world.cards[0].display_code,
        "Food basket",
        "Phone changed from +1 312-555-0199 to +1 312-555-0198",
        "household search",
        "data-print",
    ):
        assert expected in page, expected


@pytest.mark.parametrize(("fmt", "recorded"), [({}, "html"), ({"format": "json"}, "json")])
def test_each_export_is_recorded_in_the_access_log(client, world, fmt, recorded):
    export(client, world, **fmt)
    entry = AccessLog.objects.latest("id")
    assert entry.staff == world.staff["manager"]
    assert (entry.action, entry.target) == ("export", "subject access")
    assert (entry.object_id, entry.export_format) == (str(world.subject.pk), recorded)


@pytest.mark.parametrize(("role", "status"), [("volunteer", 403), ("worker", 403), ("admin", 200)])
def test_only_managers_and_admins_export(client, world, role, status):
    before = AccessLog.objects.count()
    assert export(client, world, role).status_code == status
    assert AccessLog.objects.count() == before + (status == 200)


def test_the_export_shows_what_the_setting_lets_the_exporter_see(client, world, settings):
    settings.PERSONAL_DATA_VISIBLE_TO = {
        **settings.PERSONAL_DATA_VISIBLE_TO,
        "manager": ["address", "notes"],
    }
    text = export(client, world, format="json").content.decode()
    assert "akua@kumasi-post.example" not in text
    assert "555-0198" not in text
    assert "2 Adabraka Close" in text
