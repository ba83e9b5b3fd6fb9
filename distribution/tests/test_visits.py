"""serve_household: a whole basket in one transaction, owed items, and their races.

Run on SQLite and MariaDB. The concurrency tests use real threads with their own
connections; the control test takes the household lock out and sees the household
served twice.
"""

import dataclasses
import datetime
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from centers.models import StaffMember
from centers.tests.factories import StaffMemberFactory
from distribution import recording, services, visits
from distribution.models import DistributionLog, FormSubmission, OwedItem, Visit
from distribution.selectors import owed_items
from distribution.services import DistributionRefused, distribute_package, serve_household
from distribution.statements import build_statements
from households.tests.factories import HouseholdFactory
from inventory.models import Inventory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

from .test_concurrency import SQLITE_SERIALISES_WRITERS, run_concurrently

Status = DistributionLog.Status


def outcomes(visit):
    return [(log.package_id, log.transaction_status, log.failure_code) for log in visit.logs]


def codes(visit):
    return [log.failure_code or log.transaction_status for log in visit.logs]


def on_hand(center, package):
    return Inventory.objects.get(center=center, package=package).quantity_on_hand


def assert_stock_balances():
    call_command("check_stock", stdout=StringIO())


@pytest.fixture
def basket(center, admin_staff):
    """Four packages: stocked, stocked but already received, short, and not stocked here."""
    food, water, soap, tarp = (AidPackageFactory(validity_period_days=30) for _ in range(4))
    restock(center=center, package=food, quantity=20, staff=admin_staff)
    restock(center=center, package=water, quantity=20, staff=admin_staff)
    restock(center=center, package=soap, quantity=1, staff=admin_staff)
    return food, water, soap, tarp


@pytest.mark.django_db
def test_mixed_outcomes_leave_one_audit_row_each_in_line_order(center, worker, basket):
    food, water, soap, tarp = basket
    household = HouseholdFactory()
    distribute_package(household=household, package=water, center=center, staff=worker)
    logs_before = DistributionLog.objects.count()

    visit = serve_household(
        household=household,
        center=center,
        staff=worker,
        lines=[(tarp, 1), (food, 2), (soap, 3), (water, 1)],
        collected_by="Amina (neighbour)",
    )

    assert outcomes(visit) == [
        (tarp.pk, Status.FAILED, "no_inventory"),
        (food.pk, Status.SUCCESS, None),
        (soap.pk, Status.FAILED, "insufficient_stock"),
        (water.pk, Status.FAILED, "not_eligible"),
    ]
    assert DistributionLog.objects.count() == logs_before + 4
    assert [log.quantity_distributed for log in visit.logs] == [1, 2, 3, 1]
    assert {log.visit_id for log in visit.logs} == {visit.pk}
    assert visit.collected_by == "Amina (neighbour)"
    assert (on_hand(center, food), on_hand(center, soap)) == (18, 1)
    assert OwedItem.objects.count() == 0  # explicit quantities are all-or-nothing
    assert_stock_balances()


@pytest.mark.django_db
def test_a_due_line_hands_out_the_entitlement(center, worker, admin_staff):
    package = AidPackageFactory(persons_per_unit=3, max_units=5)
    restock(center=center, package=package, quantity=50, staff=admin_staff)
    household = HouseholdFactory(family_size=7)

    visit = serve_household(
        household=household, center=center, staff=worker, lines=[(package, None)]
    )

    (log,) = visit.logs
    assert (log.transaction_status, log.quantity_distributed) == (Status.SUCCESS, 3)
    assert on_hand(center, package) == 47


@pytest.mark.django_db
def test_a_short_due_line_hands_out_what_there_is_and_owes_the_rest(
    center, other_center, worker, admin_staff
):
    package = AidPackageFactory(units_per_household=5, validity_period_days=30)
    restock(center=center, package=package, quantity=2, staff=admin_staff)
    restock(center=other_center, package=package, quantity=10, staff=admin_staff)
    household = HouseholdFactory()

    first = serve_household(
        household=household, center=center, staff=worker, lines=[(package, None)]
    )

    (log,) = first.logs
    assert (log.transaction_status, log.quantity_distributed) == (Status.SUCCESS, 2)
    (owed,) = owed_items(household)
    assert (owed.package, owed.quantity, owed.log) == (package, 3, log)
    assert owed.expires_at == datetime.datetime.combine(
        log.distribution_date.astimezone(datetime.UTC).date() + datetime.timedelta(days=30),
        datetime.time.min,
        tzinfo=datetime.UTC,
    )

    # Inside the validity period, at another center: the owed units, no more.
    other_worker = StaffMemberFactory(role=StaffMember.Role.WORKER, center=other_center)
    second = serve_household(
        household=household, center=other_center, staff=other_worker, lines=[(package, None)]
    )
    (fulfilment,) = second.logs
    assert (fulfilment.transaction_status, fulfilment.quantity_distributed) == (Status.SUCCESS, 3)
    assert fulfilment.owed_item_id == owed.pk
    assert owed_items(household) == []

    third = serve_household(
        household=household, center=other_center, staff=other_worker, lines=[(package, None)]
    )
    assert codes(third) == ["not_eligible"]
    assert on_hand(other_center, package) == 7
    assert_stock_balances()


@pytest.mark.django_db
def test_owed_units_can_be_taken_in_parts_by_explicit_quantities(center, worker, admin_staff):
    package = AidPackageFactory(units_per_household=4)
    restock(center=center, package=package, quantity=1, staff=admin_staff)
    household = HouseholdFactory()
    serve_household(household=household, center=center, staff=worker, lines=[(package, None)])
    restock(center=center, package=package, quantity=10, staff=admin_staff)

    too_many = serve_household(
        household=household, center=center, staff=worker, lines=[(package, 4)]
    )
    assert codes(too_many) == ["not_eligible"]
    log = distribute_package(
        household=household, package=package, center=center, staff=worker, quantity=2
    )
    assert log.owed_item_id is not None
    assert [item.quantity for item in owed_items(household)] == [1]


@pytest.mark.django_db
def test_owed_items_lapse_when_the_validity_period_ends(center, worker, admin_staff):
    package = AidPackageFactory(units_per_household=3, validity_period_days=7)
    restock(center=center, package=package, quantity=1, staff=admin_staff)
    household = HouseholdFactory()
    serve_household(household=household, center=center, staff=worker, lines=[(package, None)])
    (owed,) = owed_items(household)

    assert owed_items(household, now=owed.expires_at - datetime.timedelta(seconds=1)) == [owed]
    assert owed_items(household, now=owed.expires_at) == []


@pytest.mark.django_db
def test_voiding_the_partial_hand_out_cancels_what_it_owed(center, worker, manager, admin_staff):
    package = AidPackageFactory(units_per_household=3)
    restock(center=center, package=package, quantity=1, staff=admin_staff)
    household = HouseholdFactory()
    visit = serve_household(
        household=household, center=center, staff=worker, lines=[(package, None)]
    )
    services.void_distribution(log=visit.logs[0], staff=manager, reason="wrong household")
    assert owed_items(household) == []


@pytest.mark.django_db
def test_a_package_twice_is_refused_and_writes_nothing(center, worker, basket):
    food = basket[0]
    counts = (Visit.objects.count(), DistributionLog.objects.count(), on_hand(center, food))
    with pytest.raises(ValueError, match="twice"):
        serve_household(
            household=HouseholdFactory(),
            center=center,
            staff=worker,
            lines=[(food, 1), (food, 2)],
        )
    assert (Visit.objects.count(), DistributionLog.objects.count(), on_hand(center, food)) == counts


@pytest.mark.django_db
def test_an_inactive_household_is_refused_on_every_line(center, worker, basket):
    household = HouseholdFactory(status="inactive")
    visit = serve_household(
        household=household, center=center, staff=worker, lines=[(basket[0], 1), (basket[1], None)]
    )
    assert codes(visit) == ["household_inactive", "household_inactive"]


@pytest.mark.django_db
def test_a_bad_quantity_is_refused_on_its_line_only(center, worker, basket):
    food, water = basket[:2]
    visit = serve_household(
        household=HouseholdFactory(), center=center, staff=worker, lines=[(food, 0), (water, 1)]
    )
    assert codes(visit) == ["invalid_quantity", "success"]


@pytest.mark.django_db
def test_the_form_token_records_one_visit(center, worker, basket):
    food = basket[0]
    household = HouseholdFactory()
    visit = serve_household(
        household=household, center=center, staff=worker, lines=[(food, 1)], form_token="t-1"
    )
    with pytest.raises(services.FormAlreadySubmitted) as again:
        serve_household(
            household=household, center=center, staff=worker, lines=[(food, 1)], form_token="t-1"
        )
    assert again.value.log.visit_id == visit.pk
    assert again.value.same_form
    assert Visit.objects.count() == 1
    assert FormSubmission.objects.count() == 1
    assert on_hand(center, food) == 19


# --- Races -----------------------------------------------------------------------------


def visit(household, package, center, staff, quantity=None):
    def call():
        return serve_household(
            household=household, center=center, staff=staff, lines=[(package, quantity)]
        )

    return call


def served_successes(household, package):
    return DistributionLog.objects.filter(
        household=household, package=package, transaction_status=Status.SUCCESS
    ).count()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_centers_serving_one_household_at_once_serve_each_package_once(
    center, other_center, admin_staff
):
    packages = [AidPackageFactory() for _ in range(3)]
    for where in (center, other_center):
        for package in packages:
            restock(center=where, package=package, quantity=10, staff=admin_staff)
    workers = [
        StaffMemberFactory(role=StaffMember.Role.WORKER, center=where)
        for where in (center, other_center)
    ]
    household = HouseholdFactory()

    def basket_at(where, staff, order):
        return lambda: serve_household(
            household=household,
            center=where,
            staff=staff,
            lines=[(packages[i], None) for i in order],
        )

    results = run_concurrently(
        basket_at(center, workers[0], [0, 1, 2]), basket_at(other_center, workers[1], [2, 1, 0])
    )

    assert [result.error for result in results] == [None, None]
    for package in packages:
        assert served_successes(household, package) == 1
    assert DistributionLog.objects.count() == 6  # every line of both baskets, once
    assert_stock_balances()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_forty_visits_racing_for_the_last_five_units(center, worker, admin_staff):
    package = AidPackageFactory()
    restock(center=center, package=package, quantity=5, staff=admin_staff)
    households = HouseholdFactory.create_batch(40)

    results = run_concurrently(*(visit(h, package, center, worker, 1) for h in households))

    assert [result.error for result in results] == [None] * 40
    outcome_codes = sorted(codes(result.result)[0] for result in results)
    assert outcome_codes == ["insufficient_stock"] * 35 + ["success"] * 5
    assert on_hand(center, package) == 0
    assert_stock_balances()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_control_without_the_household_lock_two_centers_serve_one_household(
    monkeypatch, center, other_center, admin_staff
):
    if connection.vendor == "sqlite":
        pytest.skip(SQLITE_SERIALISES_WRITERS)
    package = AidPackageFactory()
    for where in (center, other_center):
        restock(center=where, package=package, quantity=5, staff=admin_staff)
    workers = [
        StaffMemberFactory(role=StaffMember.Role.WORKER, center=where)
        for where in (center, other_center)
    ]
    household = HouseholdFactory()

    def unlocked(vendor):
        statements = build_statements(vendor)
        read = statements.lock_household_for_visit.replace(" FOR UPDATE", "")
        return dataclasses.replace(statements, lock_household_for_visit=read)

    barrier = threading.Barrier(2, timeout=60)
    read_eligibility = recording.has_blocking_success
    waited = threading.local()

    def read_then_wait(cursor, **rows):
        if not hasattr(waited, "found"):
            waited.found = read_eligibility(cursor, **rows)
            barrier.wait()
        return waited.found

    monkeypatch.setattr(visits, "statements_for", unlocked)
    monkeypatch.setattr(recording, "has_blocking_success", read_then_wait)

    results = run_concurrently(
        visit(household, package, center, workers[0]),
        visit(household, package, other_center, workers[1]),
    )

    assert [result.error for result in results] == [None, None]
    assert served_successes(household, package) == 2  # the race the lock prevents


@pytest.mark.django_db
def test_distribute_package_keeps_its_contract_next_to_visits(center, worker, basket):
    food = basket[0]
    household = HouseholdFactory()
    serve_household(household=household, center=center, staff=worker, lines=[(food, 1)])
    with pytest.raises(DistributionRefused) as refused:
        distribute_package(household=household, package=food, center=center, staff=worker)
    assert refused.value.code == "not_eligible"
    assert refused.value.log.visit_id is None
    assert timezone.now() - refused.value.log.distribution_date < datetime.timedelta(minutes=5)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_parallel_copies_of_one_visit_form_record_one_visit(center, worker, admin_staff):
    package, other = AidPackageFactory(), AidPackageFactory()
    for each in (package, other):
        restock(center=center, package=each, quantity=10, staff=admin_staff)
    household = HouseholdFactory()

    def copy():
        return serve_household(
            household=household,
            center=center,
            staff=worker,
            lines=[(package, None), (other, 2)],
            form_token="nonce-visit",
        )

    results = run_concurrently(*[copy] * 8)

    visits = [result.result for result in results if result.error is None]
    assert len(visits) == 1
    answered = [result.error for result in results if result.error is not None]
    assert all(isinstance(error, services.FormAlreadySubmitted) for error in answered), answered
    assert {error.log.visit_id for error in answered} == {visits[0].pk}
    assert Visit.objects.count() == 1
    assert DistributionLog.objects.filter(household=household).count() == 2
    assert (on_hand(center, package), on_hand(center, other)) == (9, 8)
