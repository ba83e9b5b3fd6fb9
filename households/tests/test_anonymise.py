"""Anonymisation erases a household's personal data everywhere and moves no figure.

The world: a served household with an email, a note, members (one born on 29
February), an alternate, a card, a visit whose collector is named, a possible
duplicate, an import row, an admin history entry and its change history. After
`anonymise_household`, none of its personal values is left in any table; the reports,
its eligibility, the stock, the distribution log and the audit rows are as they were;
its phone number registers a new household.
"""

import datetime
import io

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from aidtracker.tests.test_permission_matrix import portal_import
from audit.models import AccessLog, HouseholdChange, HouseholdChangeValues
from distribution.models import DistributionLog
from distribution.selectors import household_eligibility
from distribution.services import distribute_package, serve_household
from distribution.tests.factories import DistributionLogFactory
from households.anonymise import coarse_birth_date
from households.duplicates import Candidate, possible_duplicates
from households.models import Household, HouseholdMember, PossibleDuplicate
from households.selectors import search_households
from households.services import (
    anonymise_household,
    anonymise_inactive_households,
    issue_card,
    save_household,
    save_member,
    set_alternate_collectors,
    set_household_status,
)
from households.tests.factories import HouseholdFactory
from reports import selectors as reports
from reports.people import AGE_GROUPS, month_end, years_before

pytestmark = pytest.mark.django_db

PERSONAL = [
    "Okafor",
    "Ngozi",
    "3125550142",
    "ngozi@riverpost.example",
    "Quillfeather",
    "husband in hospital",
    "Chidi",
    "Adaeze",
    "Musa Danjuma",
]


@pytest.fixture
def world(portal):
    worker, manager = portal.staff["worker"], portal.staff["manager"]
    household = Household.objects.get(pk=portal.household.pk)
    household.email, household.address = "ngozi@riverpost.example", "4 Quillfeather Road"
    household.notes = "Ngozi's husband in hospital"
    save_household(household=household, staff=manager)
    today = timezone.now().date()
    for name, born in (
        ("Chidi Okafor", today.replace(year=today.year - 5, day=min(today.day, 28))),
        ("Adaeze Okafor", datetime.date(2016, 2, 29)),
    ):
        save_member(
            member=HouseholdMember(
                household=household,
                full_name=name,
                sex="female",
                date_of_birth=born,
                relationship_to_head="child",
            ),
            staff=worker,
        )
    set_alternate_collectors(household=household, collectors=["Musa Danjuma"], staff=worker)
    issue_card(household=household, staff=worker)
    household.refresh_from_db()
    distribute_package(
        household=household, package=portal.package, center=portal.center, staff=worker
    )
    serve_household(
        household=household,
        center=portal.center,
        staff=worker,
        lines=[(portal.other_package, 1)],
        collected_by="Ngozi Okafor",
    )
    twin = HouseholdFactory(family_name="Okafo", primary_contact_name="Ngozy Okafo")
    PossibleDuplicate.objects.create(
        household_a=household,
        household_b=twin,
        score=92,
        evidence=(
            "family name 91% alike (Okafor / Okafo)\n"
            "contact name 90% alike (Ngozi Okafor / Ngozy Okafo)"
        ),
    )
    job = portal_import(portal)
    job.rows.update(
        household_id=household.pk,
        message=f"Possible duplicate of household #{household.pk}: same family name (Okafor).",
    )
    LogEntry.objects.create(
        user_id=portal.staff["admin"].user.pk,
        content_type=ContentType.objects.get_for_model(Household),
        object_id=str(household.pk),
        object_repr=str(household),
        action_flag=CHANGE,
    )
    portal.target, portal.twin, portal.job = household, twin, job
    return portal


def every_stored_text():
    """Every value of every row of every table, as text (binary files decoded)."""
    texts = []
    for model in apps.get_models():
        if model._meta.managed is False:
            continue
        for row in model._default_manager.all().values_list():
            for value in row:
                if isinstance(value, bytes | memoryview):
                    value = bytes(value).decode("utf-8", errors="replace")
                texts.append(str(value))
    return "\n".join(texts)


def figures(world):
    month = timezone.now().date().replace(day=1)
    centers = world.center.__class__.objects.all()
    packages = world.package.__class__.objects.all()
    return {
        "summary": reports.monthly_summary(month_from=month, month_to=month, with_people=True),
        "people": reports.monthly_people(month_from=month, month_to=month),
        "coverage": reports.coverage(centers=centers, packages=packages),
        "eligibility": household_eligibility(world.target),
    }


def audit_rows():
    return {
        "log": list(DistributionLog.objects.order_by("pk").values()),
        "changes": list(HouseholdChange.objects.order_by("pk").values()),
        "access": list(AccessLog.objects.order_by("pk").values()),
    }


def check_stock():
    out = io.StringIO()
    call_command("check_stock", stdout=out)
    return out.getvalue()


def test_the_world_holds_the_personal_data_before(world):
    stored = every_stored_text()
    assert [value for value in PERSONAL if value not in stored] == []


def test_anonymisation_erases_every_personal_value_everywhere(world):
    anonymise_household(household=world.target, staff=world.staff["manager"])
    stored = every_stored_text()
    assert [value for value in PERSONAL if value in stored] == []


def test_no_figure_eligibility_log_or_stock_moves(world):
    manager = world.staff["manager"]
    before_status = figures(world)
    set_household_status(household=world.target, status="inactive", staff=manager)
    before, rows, stock = figures(world), audit_rows(), check_stock()
    assert before["summary"] == before_status["summary"]  # the past does not move
    assert before["people"] == before_status["people"]

    anonymise_household(household=world.target, staff=manager)

    assert figures(world) == before
    after = audit_rows()
    assert after["log"] == rows["log"]
    assert after["changes"][: len(rows["changes"])] == rows["changes"]  # appended only
    assert after["access"][: len(rows["access"])] == rows["access"]
    assert check_stock() == stock


def test_the_household_keeps_what_is_no_personal_data(world):
    before = Household.objects.get(pk=world.target.pk)
    members = list(HouseholdMember.objects.filter(household=before).values())
    household = anonymise_household(household=world.target, staff=world.staff["manager"])

    assert household.status == "inactive"
    assert household.anonymised_at is not None
    assert household.phone_number == f"anon-{household.pk}"
    for field in ("city", "state", "zip_code", "family_size", "income_level", "registration_date"):
        assert getattr(household, field) == getattr(before, field)
    for old, new in zip(
        members, HouseholdMember.objects.filter(household=household).values(), strict=True
    ):
        assert new["full_name"] == "Anonymised"
        assert (new["sex"], new["relationship_to_head"]) == (
            old["sex"],
            old["relationship_to_head"],
        )
        assert new["date_of_birth"] == coarse_birth_date(old["date_of_birth"])


def test_it_is_recorded_in_the_history_and_the_access_log(world, client):
    manager = world.staff["manager"]
    anonymise_household(household=world.target, staff=manager)

    change = HouseholdChange.objects.filter(household=world.target).latest("id")
    assert change.action == HouseholdChange.Action.ANONYMISED
    assert change.staff == manager
    assert not HouseholdChangeValues.objects.filter(household=world.target).exists()
    entry = AccessLog.objects.latest("id")
    assert (entry.action, entry.object_id, entry.staff) == (
        "anonymise",
        str(world.target.pk),
        manager,
    )
    assert entry.params["erased"]["members"] == 2

    client.force_login(manager.user)
    page = client.get(reverse("households:detail", args=[world.target.pk])).content.decode()
    history = page.split('id="history"')[1]
    assert "Anonymised" in history
    assert "Phone changed" not in history
    assert "(erased)" in history


def test_the_phone_is_free_to_register_again(world):
    phone = world.target.phone_number
    anonymise_household(household=world.target, staff=world.staff["manager"])
    again = Household(
        family_name="Okafor",
        primary_contact_name="Ngozi Okafor",
        phone_number=phone,
        address="4 Quillfeather Road",
        city="Springfield",
        state="IL",
        zip_code="62701",
        family_size=3,
        income_level="low",
        registration_date=datetime.date(2026, 1, 5),
    )
    save_household(household=again, staff=world.staff["worker"])
    assert again.pk != world.target.pk
    matches = possible_duplicates([Candidate.of(again)], exclude_ids={again.pk})[0]
    assert world.target.pk not in {match.household_id for match in matches}


def test_the_tombstone_is_no_phone_anyone_can_type(worker):
    household = HouseholdFactory.build(phone_number="anon-12")
    with pytest.raises(ValidationError, match="phone number"):
        save_household(household=household, staff=worker)


def test_search_and_pages_find_nothing_of_it_afterwards(world, client):
    anonymise_household(household=world.target, staff=world.staff["manager"])
    for query in ("Okafor", "Ngozi", "+1 312 555 0142"):
        assert world.target.pk not in {h.pk for h in search_households(query)}
    client.force_login(world.staff["admin"].user)
    for url in (
        reverse("households:detail", args=[world.target.pk]),
        reverse("households:list") + "?q=Anonymised",
        reverse("households:duplicates"),
        reverse("households:import_detail", args=[world.job.pk]),
        reverse("households:import_report", args=[world.job.pk]),
        reverse("admin:households_household_change", args=[world.target.pk]),
        reverse("admin:households_household_changelist"),
        reverse("admin:index"),
    ):
        body = client.get(url).content.decode()
        assert [value for value in PERSONAL[:6] if value in body] == [], url


def test_an_anonymised_record_is_closed(world):
    worker, manager = world.staff["worker"], world.staff["manager"]
    household = anonymise_household(household=world.target, staff=manager)
    household.family_name = "Okafor"
    attempts = [
        lambda: save_household(household=household, staff=manager),
        lambda: set_household_status(household=household, status="active", staff=manager),
        lambda: issue_card(household=household, staff=worker),
        lambda: save_member(
            member=HouseholdMember(
                household=household, full_name="New", relationship_to_head="child"
            ),
            staff=worker,
        ),
        lambda: set_alternate_collectors(household=household, collectors=["X Y"], staff=worker),
        lambda: anonymise_household(household=household, staff=manager),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    assert Household.objects.get(pk=household.pk).family_name == "Anonymised"


def test_only_managers_and_admins_anonymise(world):
    for role in ("volunteer", "worker"):
        with pytest.raises(PermissionDenied):
            anonymise_household(household=world.target, staff=world.staff[role])
    assert Household.objects.get(pk=world.target.pk).anonymised_at is None


def test_a_running_import_holding_its_row_refuses(world):
    world.job.__class__.objects.filter(pk=world.job.pk).update(status="importing")
    with pytest.raises(ValidationError, match="still running"):
        anonymise_household(household=world.target, staff=world.staff["manager"])
    assert Household.objects.get(pk=world.target.pk).anonymised_at is None


@given(
    born=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2030, 12, 31)),
    month=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2035, 12, 31)),
)
def test_the_coarse_birth_date_keeps_every_age_group_on_every_month_end(born, month):
    day = month_end(month.replace(day=1))
    coarse = coarse_birth_date(born)
    assert (coarse.year, coarse.month) == (born.year, born.month)
    for age in AGE_GROUPS:
        if age.below:
            bound = years_before(day, age.below)
            assert (born > bound) == (coarse > bound)
    assert (born > day) == (coarse > day)


# --- The retention command ----------------------------------------------------------

OLD = timezone.now() - datetime.timedelta(days=800)


def aged(**fields):
    household = HouseholdFactory(**fields)
    Household.objects.filter(pk=household.pk).update(created_at=OLD, updated_at=OLD)
    return household


@pytest.fixture
def registry(portal):
    old = aged(family_name="Dormant")
    served_long_ago = aged(family_name="Longago")
    DistributionLogFactory(household=served_long_ago, distribution_date=OLD)
    served_recently = aged(family_name="Recent")
    distribute_package(
        household=served_recently,
        package=portal.package,
        center=portal.center,
        staff=portal.staff["worker"],
    )
    verified = aged(family_name="Verified", last_verified_date=timezone.now().date())
    edited = aged(family_name="Edited")
    save_member(
        member=HouseholdMember(
            household=edited, full_name="Kofi Edited", relationship_to_head="head"
        ),
        staff=portal.staff["worker"],
    )
    return {
        "old": old,
        "served_long_ago": served_long_ago,
        "served_recently": served_recently,
        "verified": verified,
        "edited": edited,
    }


def test_inactive_households_are_those_without_activity(registry, portal):
    ids = anonymise_inactive_households(inactive_days=365, dry_run=True)
    assert ids == [registry["old"].pk, registry["served_long_ago"].pk]


def test_the_dry_run_changes_nothing(registry, portal):
    before = every_stored_text()
    out = io.StringIO()
    call_command("anonymise_inactive", "--inactive-days", "365", "--dry-run", stdout=out)
    assert every_stored_text() == before
    assert "would anonymise 2 household(s)" in out.getvalue()


def test_the_command_anonymises_them_as_the_retention_policy(registry, portal):
    out = io.StringIO()
    call_command("anonymise_inactive", "--inactive-days", "365", stdout=out)
    assert (
        f"anonymised 2 household(s) inactive for 365 days: #{registry['old'].pk}" in out.getvalue()
    )
    anonymised = set(
        Household.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
    )
    assert anonymised == {registry["old"].pk, registry["served_long_ago"].pk}
    change = HouseholdChange.objects.get(household=registry["old"], action="anonymised")
    assert change.staff is None
    assert "Retention policy" in change.staff_name
    entry = AccessLog.objects.get(action="anonymise", object_id=str(registry["old"].pk))
    assert entry.staff is None
    assert "Retention policy" in entry.staff_name
    # A second run finds nothing more.
    call_command("anonymise_inactive", "--inactive-days", "365", stdout=out)
    assert "anonymised 0 household(s)" in out.getvalue()


def test_the_command_as_a_staff_member_asks_the_policy(registry, portal):
    with pytest.raises(Exception, match="Only managers and admins"):
        call_command("anonymise_inactive", "--inactive-days", "365", "--staff", "worker")
    call_command(
        "anonymise_inactive", "--inactive-days", "365", "--staff", "manager", stdout=io.StringIO()
    )
    change = HouseholdChange.objects.get(household=registry["old"], action="anonymised")
    assert change.staff == portal.staff["manager"]
