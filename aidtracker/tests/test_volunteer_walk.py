"""A volunteer sees no household's whole phone number, email or street address, anywhere.

Which contact details each role sees whole is a setting (PERSONAL_DATA_VISIBLE_TO);
volunteers see none of the three. This walks every URL of the project as a volunteer
(pages, htmx fragments, the admin, error pages), in a world of households that have
all three, each page about each household where it takes one, and looks for any
spelling of them in every answer, whatever its status.
"""

import datetime
import re

import pytest
from django.urls import reverse

from aidtracker.tests.test_access import _model_of, route_path, walked_routes
from distribution.models import DistributionLog, Visit
from distribution.services import serve_household
from households.models import Household, HouseholdMember, PossibleDuplicate
from households.phones import normalize_phone
from households.services import issue_card, save_member, set_alternate_collectors
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

# The world's contact details: unusual streets and domains, so a hit is a leak.
CONTACTS = [
    ("Okafor", "+1 312 555 0142", "ngozi.okafor@riverpost.example", "4 Quillfeather Road"),
    ("Lindqvist", "+1 312 555 0177", "maja@fjordmail.example", "17 Brackenridge Lane"),
    ("Haddad", "+44 20 7946 0321", "rami.haddad@cedarnet.example", "88 Wolvercote Terrace"),
    ("Mensah", "+233 24 412 3456", "akua@kumasi-post.example", "2 Adabraka Close"),
]
SEPARATOR = r"[\s().+\-]{0,3}"


def phone_pattern(number):
    """Any spelling of the number's last seven digits (or more): '555 0142', '5550142'."""
    digits = re.sub(r"\D", "", number)[-7:]
    return SEPARATOR.join(digits)


LEAKS = re.compile(
    "|".join(
        [phone_pattern(phone) for _, phone, _, _ in CONTACTS]
        + [re.escape(email) for _, _, email, _ in CONTACTS]
        + [re.escape(street.split(" ", 1)[1]) for _, _, _, street in CONTACTS]
    ),
    re.IGNORECASE,
)


@pytest.fixture
def world(portal):
    """The portal's world, its households given an email and a street of their own, with
    members, alternates, cards, a visit, a possible duplicate and a note each."""
    manager, worker = portal.staff["manager"], portal.staff["worker"]
    households = [portal.household, portal.served, portal.other_served]
    households.append(HouseholdFactory(family_name="Mensah", primary_contact_name="Akua Mensah"))
    for household, (family, phone, email, street) in zip(households, CONTACTS, strict=True):
        Household.objects.filter(pk=household.pk).update(
            family_name=family, phone_number=normalize_phone(phone), email=email, address=street
        )
        household.refresh_from_db()
        member = HouseholdMember(
            household=household,
            full_name=f"Ada {family}",
            sex="female",
            date_of_birth=datetime.date(2015, 4, 2),
            relationship_to_head="child",
        )
        save_member(member=member, staff=worker)
        set_alternate_collectors(household=household, collectors=[member], staff=worker)
        issue_card(household=household, staff=worker)
    PossibleDuplicate.objects.create(
        household_a=households[0], household_b=households[3], score=90, evidence="same city"
    )
    serve_household(
        household=households[3],
        center=portal.center,
        staff=worker,
        lines=[(portal.other_package, 1)],
        collected_by="Ada Mensah",
    )
    portal.households = households
    portal.manager = manager
    return portal


def paths_of(route, world):
    """The route's URL about each of the world's households (if it takes one), else one."""
    default = route_path(route)
    if route.top_namespace == "admin":
        return [default]
    names = [name for name in ("pk", "household") if f"<int:{name}>" in route.route]
    model = _model_of(route, names[0]) if names else None
    if model is Household:
        pks = [household.pk for household in world.households]
    elif model in (DistributionLog, Visit):  # receipts: every one of the world's
        pks = list(model.objects.values_list("pk", flat=True))
    else:
        return [default]
    return [reverse(route.label, kwargs={names[0]: pk}) for pk in pks]


def queries_of(route, world):
    """Query strings that make a page show the world's households."""
    if route.label == "households:list":
        return [{}] + [{"q": household.family_name} for household in world.households]
    if route.label == "distribution:household_picker":
        return [{"household_query": household.family_name} for household in world.households]
    if route.label in ("distribution:new", "distribution:check"):
        return [
            {"household": household.pk, "package": world.package.pk}
            for household in world.households
        ]
    if route.label == "distribution:scan":
        return [
            {"code": household.cards.get(revoked_at=None).code} for household in world.households
        ]
    return [{}]


def walk(client, world):
    """GET every route (each about each household, with and without htmx) as the signed-in
    staff member; return the leaks found and the routes that answered 200."""
    leaks, shown = [], set()
    for route in walked_routes():
        for path in paths_of(route, world):
            for query in queries_of(route, world):
                for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                    response = client.get(path, query, follow=True, **headers)
                    found = LEAKS.search(response.content.decode(errors="replace"))
                    if found:
                        leaks.append((route.label, path, query, found.group(0)))
                    if response.status_code == 200:
                        shown.add(route.label)
    return leaks, shown


def test_no_answer_shows_a_volunteer_a_whole_phone_email_or_street(client, world):
    client.force_login(world.staff["volunteer"].user)
    leaks, shown = walk(client, world)
    assert leaks == []
    # The walk saw the pages that show households to volunteers.
    assert {
        "households:list",
        "households:detail",
        "distribution:household_picker",
        "distribution:visit",
        "distribution:visit_receipt",
        "distribution:receipt",
    } <= shown


def test_the_walk_finds_a_leak_when_volunteers_are_shown_everything(client, world, settings):
    """The control: with the setting showing volunteers every field, the walk finds them."""
    settings.PERSONAL_DATA_VISIBLE_TO = {
        **settings.PERSONAL_DATA_VISIBLE_TO,
        "volunteer": ["phone_number", "email", "address", "notes"],
    }
    client.force_login(world.staff["volunteer"].user)
    leaks, _ = walk(client, world)
    assert {"households:detail", "households:list"} <= {label for label, *_ in leaks}


def test_error_pages_show_a_volunteer_nothing_either(client, world):
    client.force_login(world.staff["volunteer"].user)
    household = world.households[0]
    answers = [
        client.get(reverse("households:edit", args=[household.pk])),  # 403
        client.get(reverse("households:detail", args=[999999])),  # 404
        client.post(reverse("households:status", args=[household.pk]), {"status": "x"}),
        client.get(reverse("admin:households_household_change", args=[household.pk])),
    ]
    for response in answers:
        assert not LEAKS.search(response.content.decode())


def test_the_same_walk_finds_the_details_when_the_role_may_see_them(client, world):
    """The control: a manager is shown them whole, so the patterns do find a leak."""
    client.force_login(world.manager.user)
    text = client.get(reverse("households:detail", args=[world.households[0].pk])).content
    _, phone, email, street = CONTACTS[0]
    assert re.search(phone_pattern(phone), text.decode())
    assert email in text.decode()
    assert street in text.decode()


def test_volunteers_see_the_details_masked_not_missing(client, world):
    client.force_login(world.staff["volunteer"].user)
    page = client.get(reverse("households:detail", args=[world.households[0].pk]))
    text = page.content.decode()
    assert re.search(r"•{6,}42", text)  # the phone's last two digits
    assert "n•••@•••" in text  # the email's first letter
    assert "••••••, Springfield" in text  # the street hidden, the city shown


def test_a_role_shown_more_by_the_setting_sees_more(client, world, settings):
    settings.PERSONAL_DATA_VISIBLE_TO = {
        **settings.PERSONAL_DATA_VISIBLE_TO,
        "volunteer": ["email", "notes"],
    }
    client.force_login(world.staff["volunteer"].user)
    page = client.get(reverse("households:detail", args=[world.households[0].pk]))
    text = page.content.decode()
    assert CONTACTS[0][2] in text
    assert CONTACTS[0][3] not in text
