"""Possible duplicates on real rows: matching, the queue, the decisions and their pages.

The rule itself (names, addresses, phones) is tested on plain values in
test_matching.py; the eligibility a confirmed duplicate changes, in
distribution/tests/test_duplicate_eligibility.py.
"""

import datetime
from io import StringIO
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidtracker.tests.test_fuzz import hostile_values, post_and_check, rolled_back
from aidtracker.tests.test_permission_matrix import household_form_data
from distribution.tests.factories import DistributionLogFactory
from households import duplicates
from households.duplicates import (
    Candidate,
    Match,
    possible_duplicates,
    record_possible_duplicates,
    scan_registry,
)
from households.models import Household, PossibleDuplicate
from households.services import (
    REVIEW_NOT_ALLOWED_MESSAGE,
    confirm_duplicate,
    dismiss_duplicate,
    set_household_status,
)
from households.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

Status = PossibleDuplicate.Status


def hassan(**changes):
    """A registered family; `twin()` registers it again under other spellings."""
    fields = {
        "family_name": "Al-Hassan",
        "primary_contact_name": "Mohamed Al-Hassan",
        "address": "12 Mill Street",
        "city": "Springfield",
        "phone_number": "+1 217 555 0142",
        "family_size": 5,
        "registration_date": datetime.date(2024, 3, 1),
    }
    return HouseholdFactory(**{**fields, **changes})


def twin(**changes):
    fields = {
        "family_name": "Hassan",
        "primary_contact_name": "Muhammad Hassan",
        "address": "12 Mill St",
        "phone_number": "+1 217 555 0999",
        "registration_date": datetime.date(2025, 5, 1),
    }
    return hassan(**{**fields, **changes})


def candidate(**changes):
    fields = {
        "family_name": "Hassan",
        "primary_contact_name": "Muhammad Hassan",
        "address": "12 Mill St",
        "city": "springfield",
        "phone_number": "+12175550999",
        "family_size": 5,
    }
    return Candidate(**{**fields, **changes})


def pair_of(first, second, **fields):
    low, high = sorted((first.pk, second.pk))
    fields.setdefault("score", 95)
    fields.setdefault("evidence", "same family name (Hassan)\nsame address in Springfield")
    return PossibleDuplicate.objects.create(household_a_id=low, household_b_id=high, **fields)


# --- Matching against the registry ------------------------------------------------


@pytest.fixture(params=["few", "whole city"])
def strategy(request, monkeypatch):
    """Both ways of reading a city: its alike family names only, or all of it."""
    if request.param == "whole city":
        monkeypatch.setattr(duplicates, "FEW_IN_CITY", 0)
    return request.param


@pytest.mark.usefixtures("strategy")
def test_a_registration_finds_the_family_registered_under_other_spellings():
    registered = hassan()
    HouseholdFactory(family_name="Hassan", address="14 Mill Street")  # another house
    HouseholdFactory(family_name="Okafor", address="12 Mill Street")  # another name

    (matches,) = possible_duplicates([candidate()])

    assert matches == [
        Match(
            registered.pk,
            100,
            (
                "family name 100% alike (Hassan / Al-Hassan)",
                "contact name 100% alike (Muhammad Hassan / Mohamed Al-Hassan)",
                "address 100% alike in Springfield (12 Mill St / 12 Mill Street)",
                "same family size (5)",
            ),
        )
    ]


@pytest.mark.usefixtures("strategy")
def test_phones_ending_alike_find_a_family_in_another_city():
    registered = hassan(city="Shelbyville", phone_number="+1 312 555 0999")

    (matches,) = possible_duplicates([candidate(address="3 Elm Road")])

    assert [match.household_id for match in matches] == [registered.pk]
    assert "phones end in the same 7 digits (…5550999)" in matches[0].evidence


def test_each_candidate_gets_its_own_matches_best_first_and_at_most_five():
    typo = hassan(primary_contact_name="Mohamed Al-Hassam", phone_number="+1 217 555 0143")
    same = [hassan(phone_number=f"+1 217 555 02{n:02d}") for n in range(6)]

    first, nobody = possible_duplicates(
        [candidate(), candidate(family_name="Okafor", primary_contact_name="Ngozi Okafor")]
    )

    assert nobody == []
    assert [match.household_id for match in first] == [h.pk for h in same[:5]]
    assert {match.score for match in first} == {100}
    (with_typo,) = possible_duplicates([candidate()], exclude_ids={h.pk for h in same})
    assert [match.household_id for match in with_typo] == [typo.pk]
    assert 90 < with_typo[0].score < 100


def test_confirmed_duplicates_excluded_ids_and_the_same_phone_are_no_matches():
    survivor = hassan()
    confirmed = twin(phone_number="+1 217 555 0777", duplicate_of=survivor, status="inactive")

    assert possible_duplicates([candidate()], exclude_ids={survivor.pk}) == [[]]
    (matches,) = possible_duplicates([candidate()])
    assert [m.household_id for m in matches] == [survivor.pk]
    assert confirmed.pk not in [m.household_id for m in matches]
    # The very phone number is an exact duplicate, which the unique number refuses.
    assert possible_duplicates([candidate(phone_number=survivor.phone_number)]) == [[]]


def test_an_empty_batch_and_an_unknown_city_find_nothing():
    hassan()
    assert possible_duplicates([]) == []
    assert possible_duplicates([candidate(city="Atlantis", phone_number="+19995550000")]) == [[]]


# --- The queue --------------------------------------------------------------------


def test_record_queues_each_new_pair_once_lower_id_first():
    older, newer = hassan(), twin()
    matches = [Match(older.pk, 97, ("same family name (Hassan)", "same address in Springfield"))]

    assert record_possible_duplicates(household=newer, matches=matches) == 1
    assert record_possible_duplicates(household=newer, matches=matches) == 0
    assert record_possible_duplicates(household=older, matches=[Match(newer.pk, 97, ("x",))]) == 0
    pair = PossibleDuplicate.objects.get()
    assert (pair.household_a_id, pair.household_b_id) == (older.pk, newer.pk)
    assert (pair.status, pair.score, pair.decided_by) == (Status.OPEN, 97, None)
    assert pair.evidence_lines == ["same family name (Hassan)", "same address in Springfield"]


@pytest.mark.parametrize("status", [Status.DISMISSED, Status.CONFIRMED])
def test_a_decided_pair_is_never_queued_again(manager, status):
    older, newer = hassan(), twin()
    pair_of(older, newer)
    decide = dismiss_duplicate if status == Status.DISMISSED else confirm_duplicate
    decide(pair=PossibleDuplicate.objects.get(), staff=manager)

    assert record_possible_duplicates(household=newer, matches=[Match(older.pk, 99, ("x",))]) == 0
    assert scan_registry().new == 0
    assert PossibleDuplicate.objects.get().status == status


@pytest.mark.parametrize("group", [duplicates.SCAN_GROUP, 1], ids=["one pass", "city by city"])
def test_scan_queues_the_registry_s_pairs_and_never_a_dismissed_one_again(
    manager, monkeypatch, group
):
    monkeypatch.setattr(duplicates, "SCAN_GROUP", group)
    older, newer = hassan(), twin()
    stranger = HouseholdFactory(
        family_name="Okafor",
        primary_contact_name="Ngozi Okafor",
        phone_number="+1 312 555 0142",  # ends like `older`'s, but no name is alike
    )
    far = twin(city="Shelbyville", address="9 Oak Road", phone_number="+1 312 555 0999")
    HouseholdFactory.create_batch(5)

    dry = scan_registry(dry_run=True)
    assert (dry.households, dry.pairs, dry.new, dry.known) == (9, 2, 0, 0)
    assert not PossibleDuplicate.objects.exists()

    result = scan_registry()
    assert (result.pairs, result.new, result.known) == (2, 2, 0)
    pairs = set(PossibleDuplicate.objects.values_list("household_a", "household_b"))
    assert pairs == {(older.pk, newer.pk), (newer.pk, far.pk)}  # address, then phone
    assert stranger.pk not in {pk for pair in pairs for pk in pair}

    dismiss_duplicate(pair=PossibleDuplicate.objects.get(household_b=far), staff=manager)
    again = scan_registry()
    assert (again.pairs, again.new, again.known) == (2, 0, 2)
    assert PossibleDuplicate.objects.get(household_b=far).status == Status.DISMISSED


def test_find_duplicates_prints_counts_time_and_memory():
    hassan(), twin()
    out = StringIO()
    call_command("find_duplicates", "--dry-run", stdout=out)
    assert "households 2, possible duplicates 1, would queue 1, already known 0;" in out.getvalue()
    assert " s, peak memory " in out.getvalue()
    assert not PossibleDuplicate.objects.exists()

    out = StringIO()
    call_command("find_duplicates", "-v", "2", stdout=out)
    assert "Springfield: 2 households" in out.getvalue()
    assert "queued 1, already known 0" in out.getvalue()
    assert PossibleDuplicate.objects.count() == 1


# --- Decisions --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["volunteer", "worker"])
def test_only_managers_and_admins_decide(request, role):
    staff = request.getfixturevalue(role)
    pair = pair_of(hassan(), twin())
    for decide in (confirm_duplicate, dismiss_duplicate):
        with pytest.raises(PermissionDenied, match=str(REVIEW_NOT_ALLOWED_MESSAGE)):
            decide(pair=pair, staff=staff)
    pair.refresh_from_db()
    assert pair.status == Status.OPEN
    assert Household.objects.filter(status="inactive").count() == 0


def test_dismiss_records_who_and_when(manager):
    pair = pair_of(hassan(), twin())
    dismiss_duplicate(pair=pair, staff=manager)
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (Status.DISMISSED, manager)
    assert pair.decided_at is not None
    assert not Household.objects.filter(status="inactive").exists()


def test_confirm_deactivates_the_newer_and_links_it_to_the_older(admin_staff):
    older, newer = hassan(), twin()
    pair = pair_of(newer, older)
    log = DistributionLogFactory(household=newer)

    survivor = confirm_duplicate(pair=pair, staff=admin_staff)

    assert survivor == older
    newer.refresh_from_db()
    older.refresh_from_db()
    assert (newer.status, newer.duplicate_of) == ("inactive", older)
    assert (older.status, older.duplicate_of) == ("active", None)
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (Status.CONFIRMED, admin_staff)
    assert pair.decided_at is not None
    log.refresh_from_db()
    assert log.household_id == newer.pk  # the audit log is never rewritten


@pytest.mark.parametrize("status", ["active", "suspended"])
def test_a_confirmed_duplicate_cannot_be_reactivated(client, manager, status):
    older, newer = hassan(), twin()
    confirm_duplicate(pair=pair_of(newer, older), staff=manager)
    newer.refresh_from_db()

    with pytest.raises(ValidationError, match=f"duplicate of household #{older.pk}"):
        set_household_status(household=newer, status=status, staff=manager)
    newer.refresh_from_db()
    assert newer.status == "inactive"

    client.force_login(manager.user)
    response = client.post(reverse("households:status", args=[newer.pk]), {"status": status})
    assert response.status_code == 302
    [message] = get_messages(response.wsgi_request)
    assert f"served as #{older.pk}" in str(message)
    newer.refresh_from_db()
    assert newer.status == "inactive"
    newer.status = status
    with pytest.raises(ValidationError):
        newer.full_clean()  # the admin's form runs the same rule


def test_same_registration_date_the_higher_id_is_the_duplicate(manager):
    first = hassan(registration_date=datetime.date(2025, 1, 1))
    second = twin(registration_date=datetime.date(2025, 1, 1))
    assert confirm_duplicate(pair=pair_of(first, second), staff=manager) == first
    second.refresh_from_db()
    assert second.duplicate_of == first


def test_a_duplicate_of_a_duplicate_links_to_the_family_s_survivor(manager):
    root = hassan(registration_date=datetime.date(2023, 1, 1))
    middle = twin(registration_date=datetime.date(2024, 1, 1))
    confirm_duplicate(pair=pair_of(root, middle), staff=manager)
    newest = twin(phone_number="+1 217 555 0888", registration_date=datetime.date(2025, 1, 1))

    assert confirm_duplicate(pair=pair_of(middle, newest), staff=manager) == root
    newest.refresh_from_db()
    assert newest.duplicate_of == root


def test_two_families_become_one_under_the_oldest_and_links_stay_one_step(manager):
    oldest = hassan(registration_date=datetime.date(2022, 1, 1))
    its_twin = twin(registration_date=datetime.date(2025, 6, 1))
    other = twin(phone_number="+1 217 555 0888", registration_date=datetime.date(2023, 1, 1))
    other_twin = twin(phone_number="+1 217 555 0889", registration_date=datetime.date(2024, 1, 1))
    confirm_duplicate(pair=pair_of(oldest, its_twin), staff=manager)
    confirm_duplicate(pair=pair_of(other, other_twin), staff=manager)

    assert confirm_duplicate(pair=pair_of(its_twin, other_twin), staff=manager) == oldest

    links = dict(Household.objects.values_list("pk", "duplicate_of"))
    assert links == {
        oldest.pk: None,
        its_twin.pk: oldest.pk,
        other.pk: oldest.pk,
        other_twin.pk: oldest.pk,
    }
    assert set(Household.objects.filter(status="active").values_list("pk", flat=True)) == {
        oldest.pk
    }


def test_a_pair_of_one_family_already_is_just_marked_confirmed(manager):
    root, middle = hassan(), twin()
    confirm_duplicate(pair=pair_of(root, middle), staff=manager)
    newest = twin(phone_number="+1 217 555 0888")
    confirm_duplicate(pair=pair_of(root, newest), staff=manager)
    pair = pair_of(middle, newest)

    assert confirm_duplicate(pair=pair, staff=manager) == root
    pair.refresh_from_db()
    assert pair.status == Status.CONFIRMED


@pytest.mark.parametrize("first", ["confirm", "dismiss"])
@pytest.mark.parametrize("second", [confirm_duplicate, dismiss_duplicate])
def test_a_decided_pair_cannot_be_decided_again(manager, admin_staff, first, second):
    pair = pair_of(hassan(), twin())
    (confirm_duplicate if first == "confirm" else dismiss_duplicate)(pair=pair, staff=manager)
    pair.refresh_from_db()
    households = list(Household.objects.order_by("pk").values())

    with pytest.raises(ValidationError) as refused:
        second(pair=pair, staff=admin_staff)

    decided = "confirmed duplicates" if first == "confirm" else "not duplicates"
    when = date_format(timezone.localtime(pair.decided_at), "DATE_FORMAT")
    assert refused.value.messages == [
        f"This pair was already decided: {decided} by {manager} on {when}."
    ]
    assert list(Household.objects.order_by("pk").values()) == households


# --- Pages ------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("manager", 200), ("admin_staff", 200)])
def test_the_queue_shows_both_households_side_by_side(client, request, role, status):
    older, newer = hassan(), twin()
    DistributionLogFactory(household=older)
    DistributionLogFactory(
        household=older,
        transaction_status="failed",
        failure_code="not_eligible",
        failure_reason="Not eligible yet.",
    )
    pair_of(older, newer, evidence="family name 100% alike (Hassan / Al-Hassan)")
    decided = pair_of(hassan(phone_number="+1 217 555 0500"), twin(phone_number="+1 217 555 0501"))
    dismiss_duplicate(pair=decided, staff=request.getfixturevalue("manager"))
    client.force_login(request.getfixturevalue(role).user)

    response = client.get(reverse("households:duplicates"))

    assert response.status_code == status
    (review,) = response.context["reviews"]
    assert (review.older, review.newer) == (older, newer)
    assert (review.older.served, review.newer.served) == (1, 0)
    page = response.content.decode()
    for text in ("Al-Hassan", "Muhammad Hassan", "12 Mill St", "family name 100% alike"):
        assert text in page
    assert reverse("households:duplicate_confirm", args=[review.pair.pk]) in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert f"deactivate #{newer.pk}, keep #{older.pk}" in page


@pytest.mark.parametrize("role", ["volunteer", "worker"])
def test_workers_and_volunteers_get_no_queue_and_no_link(client, request, role):
    staff = request.getfixturevalue(role)
    pair = pair_of(hassan(), twin())
    client.force_login(staff.user)
    assert client.get(reverse("households:duplicates")).status_code == 403
    for name in ("households:duplicate_confirm", "households:duplicate_dismiss"):
        assert client.post(reverse(name, args=[pair.pk])).status_code == 403
    assert reverse("households:duplicates") not in client.get("/").content.decode()
    pair.refresh_from_db()
    assert pair.status == Status.OPEN


def test_managers_see_the_link_in_the_navigation(client, manager):
    client.force_login(manager.user)
    assert reverse("households:duplicates") in client.get("/").content.decode()


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_confirm_and_dismiss_buttons_decide_and_say_so(client, manager):
    older, newer = hassan(), twin()
    confirmed = pair_of(older, newer)
    dismissed = pair_of(
        hassan(phone_number="+1 217 555 0500"), twin(phone_number="+1 217 555 0501")
    )
    client.force_login(manager.user)

    response = client.post(reverse("households:duplicate_confirm", args=[confirmed.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("households:duplicates")
    assert "Confirmed: households" in messages_of(response)[0]
    newer.refresh_from_db()
    assert newer.duplicate_of == older

    response = client.post(reverse("households:duplicate_dismiss", args=[dismissed.pk]))
    assert "will not be proposed again" in messages_of(response)[-1]
    dismissed.refresh_from_db()
    assert dismissed.status == Status.DISMISSED

    again = client.post(reverse("households:duplicate_confirm", args=[dismissed.pk]))
    assert again.status_code == 302
    assert messages_of(again)[-1].startswith("This pair was already decided: not duplicates by")


def test_bad_input_is_a_404_or_405_never_a_500(client, manager):
    client.force_login(manager.user)
    assert client.post(reverse("households:duplicate_confirm", args=[999999])).status_code == 404
    assert client.post("/households/duplicates/99999999999999999999/dismiss/").status_code == 404
    pair = pair_of(hassan(), twin())
    assert client.get(reverse("households:duplicate_dismiss", args=[pair.pk])).status_code == 405
    assert client.get(reverse("households:duplicates"), {"page": "zz"}).status_code == 404


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_decision_posts_survive_hostile_ids_and_data(portal, db_state, data):
    """The body is ignored; a pair id that names no pair is a 404."""
    client = Client()  # one per example: no message of an earlier example is left over
    client.force_login(portal.staff["manager"].user)
    with rolled_back():
        pair = pair_of(hassan(), twin())
        pair_id = data.draw(hostile_values([pair.pk]), label="pair id")
        for decision in ("dismiss", "confirm"):
            url = f"/households/duplicates/{quote(pair_id, safe='')}/{decision}/"
            body = {"status": data.draw(hostile_values(), label="status")}
            post_and_check(client, db_state, url, body)


def test_registering_a_possible_duplicate_queues_it_and_warns(client, worker):
    registered = hassan()
    client.force_login(worker.user)

    response = client.post(
        reverse("households:create"),
        household_form_data(
            family_name="Hassan",
            primary_contact_name="Muhammad Hassan",
            address="12 Mill St",
            city="Springfield",
            phone_number="+1 217 555 0999",
        ),
    )

    assert response.status_code == 302
    new = Household.objects.get(phone_number="+12175550999")
    (warning,) = [m for m in messages_of(response) if m.startswith("Possible duplicate")]
    assert warning == (
        f"Possible duplicate of #{registered.pk} (Al-Hassan, Mohamed Al-Hassan, 12 Mill Street). "
        "A manager will review it."
    )
    pair = PossibleDuplicate.objects.get()
    assert (pair.household_a_id, pair.household_b_id) == (registered.pk, new.pk)
    assert new.status == "active"  # workers register; a manager decides


def test_registering_a_new_family_queues_nothing(client, worker):
    hassan()
    client.force_login(worker.user)
    response = client.post(reverse("households:create"), household_form_data())
    assert response.status_code == 302
    assert not [m for m in messages_of(response) if m.startswith("Possible duplicate")]
    assert not PossibleDuplicate.objects.exists()


@pytest.mark.parametrize("role", ["manager", "admin_staff"])
def test_admin_lists_the_decisions_read_only(client, request, role):
    pair = pair_of(hassan(), twin())
    dismiss_duplicate(pair=pair, staff=request.getfixturevalue("manager"))
    client.force_login(request.getfixturevalue(role).user)
    changelist = client.get(reverse("admin:households_possibleduplicate_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == 1
    change = client.get(reverse("admin:households_possibleduplicate_change", args=[pair.pk]))
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert client.post(reverse("admin:households_possibleduplicate_add"), {}).status_code == 403
