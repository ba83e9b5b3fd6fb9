"""A confirmed duplicate's distributions count for the household it duplicates.

Through the service, a visit, the selectors and the eligibility view; through
`sp_distribute_package` (MySQL/MariaDB), with the same outcomes as the service; and
under concurrency: serving a household while its duplicate is being confirmed. The
control tests show that the blocking comes from the linked check (the statement and
the procedure as they were before it): without it, the family is served twice.
"""

import dataclasses
import datetime
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from centers.models import StaffMember
from centers.tests.factories import StaffMemberFactory
from core.db import sqlfiles
from distribution import recording
from distribution.basket import basket
from distribution.models import DistributionLog, HouseholdEligibility
from distribution.rules import served_sql
from distribution.selectors import household_eligibility
from distribution.services import (
    DistributionRefused,
    distribute_package,
    eligibility_cutoff,
    serve_household,
    void_distribution,
)
from distribution.statements import build_statements
from distribution.tests.procedures import build_world, call_distribute
from distribution.tests.test_concurrency import TIMEOUT, Outcome, run_concurrently
from distribution.tests.test_procedure_concurrency import (
    INNODB_TRX_REFRESH,
    threads_waiting_for_locks,
)
from distribution.tests.test_procedure_parity import via_procedure, via_service
from households import services as household_services
from households.models import Household, PossibleDuplicate
from households.services import confirm_duplicate
from households.tests.factories import HouseholdFactory
from inventory.models import Inventory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

pytestmark = pytest.mark.django_db

MICROSECOND = datetime.timedelta(microseconds=1)
MYSQL_ONLY = pytest.mark.mysql(reason="Stored procedures exist only on MySQL/MariaDB.")
# The statement before confirmed duplicates counted: the household's own rows only.
UNLINKED_BLOCKING_SUCCESS = (
    "SELECT 1 FROM Distribution_Log d"
    " WHERE d.household_id = %s AND d.package_id = %s AND d.distribution_date >= %s"
    f" AND {served_sql('d')} LIMIT 1"
)


@pytest.fixture
def package(center, other_center, admin_staff):
    package = AidPackageFactory(validity_period_days=30)
    for where in (center, other_center):
        restock(center=where, package=package, quantity=10, staff=admin_staff)
    return package


@pytest.fixture
def other_worker(other_center):
    return StaffMemberFactory(role=StaffMember.Role.WORKER, center=other_center)


@pytest.fixture
def family():
    """The same family registered twice: `older` survives a confirmation, `newer` not."""
    older = HouseholdFactory(family_name="Hassan", registration_date=datetime.date(2024, 1, 5))
    newer = HouseholdFactory(family_name="Al-Hassan", registration_date=datetime.date(2025, 2, 1))
    return older, newer


def queue(older, newer):
    return PossibleDuplicate.objects.create(
        household_a=older, household_b=newer, score=96, evidence="same address in Springfield"
    )


def refusal(call):
    try:
        call()
    except DistributionRefused as refused:
        return refused.code
    return "success"


def serve(household, package, center, staff):
    return lambda: distribute_package(
        household=household, package=package, center=center, staff=staff
    )


def served(*households, package):
    """Served successes of `package` to these households within its validity period."""
    return DistributionLog.objects.filter(
        household__in=households,
        package=package,
        transaction_status=DistributionLog.Status.SUCCESS,
        void__isnull=True,
        distribution_date__gte=eligibility_cutoff(package.validity_period_days),
    ).count()


# --- The service, a visit, the selectors and the view -----------------------------


def test_a_confirmed_duplicate_s_distribution_blocks_the_survivor(
    family, package, center, worker, manager
):
    older, newer = family
    first = serve(newer, package, center, worker)()
    confirm_duplicate(pair=queue(older, newer), staff=manager)

    assert refusal(serve(older, package, center, worker)) == "not_eligible"
    assert refusal(serve(newer, package, center, worker)) == "household_inactive"
    (line,) = household_eligibility(older, [package])
    assert line.next_eligible_date == first.distribution_date.date() + datetime.timedelta(days=30)
    assert basket(older, center).lines[0].status == "not_eligible"
    row = HouseholdEligibility.objects.get(household=older, package=package)
    assert row.eligibility_status == HouseholdEligibility.Eligibility.NOT_ELIGIBLE
    assert not HouseholdEligibility.objects.filter(household=newer).exists()  # inactive
    assert served(older, newer, package=package) == 1


def test_control_unlinked_the_same_two_households_are_each_served(family, package, center, worker):
    older, newer = family
    serve(newer, package, center, worker)()
    queue(older, newer)  # a possible duplicate changes nothing until it is confirmed

    assert refusal(serve(older, package, center, worker)) == "success"
    assert served(older, newer, package=package) == 2


def test_a_visit_refuses_the_survivor_s_line_too(family, package, center, worker, manager):
    older, newer = family
    serve(newer, package, center, worker)()
    confirm_duplicate(pair=queue(older, newer), staff=manager)

    visit = serve_household(household=older, center=center, staff=worker, lines=[(package, None)])

    (log,) = visit.logs
    assert (log.transaction_status, log.failure_code) == ("failed", "not_eligible")


@pytest.mark.parametrize(
    ("offset", "expected"), [(datetime.timedelta(0), "not_eligible"), (-MICROSECOND, "success")]
)
def test_the_duplicate_s_distribution_blocks_for_the_validity_period_only(
    family, package, center, worker, manager, offset, expected
):
    older, newer = family
    DistributionLog.objects.create(
        household=newer,
        package=package,
        center=center,
        staff=worker,
        distribution_date=eligibility_cutoff(package.validity_period_days) + offset,
        transaction_status=DistributionLog.Status.SUCCESS,
    )
    confirm_duplicate(pair=queue(older, newer), staff=manager)

    assert refusal(serve(older, package, center, worker)) == expected


def test_a_voided_distribution_of_the_duplicate_does_not_block(
    family, package, center, worker, manager
):
    older, newer = family
    log = serve(newer, package, center, worker)()
    void_distribution(log=log, staff=manager, reason="Handed to the wrong family")
    confirm_duplicate(pair=queue(older, newer), staff=manager)

    assert refusal(serve(older, package, center, worker)) == "success"


# --- The stored procedure agrees with the service ---------------------------------


def play(distribute, *, link, before_cutoff=False, target="household"):
    """A fresh world: `other_household` served, maybe confirmed as `household`'s duplicate,
    then an attempt for `target`; return what the attempt and the stock say."""
    world = build_world()
    if before_cutoff:
        DistributionLog.objects.create(
            household=world.other_household,
            package=world.package,
            center=world.center,
            staff=world.worker,
            distribution_date=eligibility_cutoff(world.package.validity_period_days) - MICROSECOND,
            transaction_status=DistributionLog.Status.SUCCESS,
        )
    else:
        first = distribute(
            household=world.other_household,
            package=world.package,
            center=world.center,
            staff=world.worker,
            quantity=1,
        )
        assert first.status == "success"
    if link:
        pair = queue(world.household, world.other_household)
        assert confirm_duplicate(pair=pair, staff=world.manager) == world.household
    attempt = distribute(
        household=getattr(world, target),
        package=world.package,
        center=world.other_center,
        staff=world.admin,
        quantity=1,
    )
    log = DistributionLog.objects.get(pk=attempt.log.pk)
    on_hand = Inventory.objects.get(center=world.other_center, package=world.package)
    return (
        attempt.status,
        attempt.reason,
        log.transaction_status,
        log.failure_code,
        on_hand.quantity_on_hand,
    )


@MYSQL_ONLY
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ({"link": True}, "not_eligible"),
        ({"link": True, "target": "other_household"}, "household_inactive"),
        ({"link": True, "before_cutoff": True}, "success"),
        ({"link": False}, "success"),
    ],
    ids=["survivor-blocked", "duplicate-inactive", "survivor-free-after-validity", "unlinked"],
)
def test_the_procedure_counts_confirmed_duplicates_as_the_service_does(scenario, expected):
    by_service = play(via_service, **scenario)
    by_procedure = play(via_procedure, **scenario)

    assert by_service[0] == expected
    assert by_procedure == by_service


# --- Concurrency ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_after_confirmation_survivor_and_duplicate_at_once_are_served_once(
    family, package, center, other_center, worker, other_worker, manager
):
    older, newer = family
    confirm_duplicate(pair=queue(older, newer), staff=manager)
    counters = [(older, center, worker), (newer, other_center, other_worker)] * 5

    outcomes = run_concurrently(
        *(serve(household, package, where, staff) for household, where, staff in counters)
    )

    codes = [o.error.code if o.error else "success" for o in outcomes]
    assert sorted(codes) == sorted(["success"] + ["not_eligible"] * 4 + ["household_inactive"] * 5)
    assert served(older, newer, package=package) == 1


class PauseAfterHouseholdLocks:
    """Stand-in for the confirmation's pair lock: signal that the household rows are
    locked (survivor first), then wait before deciding the pair and committing."""

    def __init__(self, real):
        self.real = real
        self.locked = threading.Event()
        self.go = threading.Event()

    def __call__(self, pair):
        self.locked.set()
        assert self.go.wait(TIMEOUT)
        return self.real(pair)


def confirm_while_serving(serve_survivor, *, pair, staff, monkeypatch):
    """Confirm `pair` in one thread and, once it holds the survivor's row, serve the
    survivor in another; on MariaDB the confirmation commits only after the serving
    thread waits for that row. Return both outcomes (confirmation, serving)."""
    pause = PauseAfterHouseholdLocks(household_services._open_pair)
    monkeypatch.setattr(household_services, "_open_pair", pause)
    confirmation, serving = Outcome(), Outcome()
    serving_connection = []

    def confirm():
        try:
            confirmation.result = confirm_duplicate(pair=pair, staff=staff)
        except Exception as error:
            confirmation.error = error
        finally:
            connection.close()

    def serve_now():
        try:
            if connection.vendor == "mysql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT CONNECTION_ID()")
                    serving_connection.append(cursor.fetchone()[0])
            assert pause.locked.wait(TIMEOUT)
            serving.result = serve_survivor()
        except Exception as error:
            serving.error = error
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm), threading.Thread(target=serve_now)]
    for thread in threads:
        thread.start()
    try:
        assert pause.locked.wait(TIMEOUT)
        if connection.vendor == "mysql":
            wait_for_lock_wait(serving_connection, serving)
        # SQLite: the serving thread's BEGIN IMMEDIATE waits for the confirmation's.
    finally:
        pause.go.set()
        for thread in threads:
            thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)
    assert confirmation.error is None, confirmation.error
    return confirmation, serving


def wait_for_lock_wait(connection_ids, waiting):
    """Return once the thread on `connection_ids` waits for a row lock (MySQL/MariaDB)."""
    deadline = timezone.now() + datetime.timedelta(seconds=TIMEOUT)
    while not connection_ids or threads_waiting_for_locks(connection_ids) < 1:
        assert waiting.result is None, "the thread finished instead of waiting for the lock"
        assert waiting.error is None, waiting.error
        assert timezone.now() < deadline, "the thread never waited for the lock"
        time.sleep(INNODB_TRX_REFRESH)  # a poll interval; the order comes from locks


def via_service_now(household, package, center, staff):
    def call():
        try:
            return distribute_package(
                household=household, package=package, center=center, staff=staff
            ).transaction_status
        except DistributionRefused as refused:
            return refused.code

    return call


def via_procedure_now(household, package, center, staff, procedure="sp_distribute_package"):
    return lambda: call_distribute(
        household.pk, package.pk, center.pk, staff.pk, 1, procedure=procedure
    )[1]


RUNNERS = [
    pytest.param(via_service_now, id="service"),
    pytest.param(via_procedure_now, id="procedure", marks=MYSQL_ONLY),
]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("runner", RUNNERS)
def test_serving_the_survivor_during_its_confirmation_waits_and_is_refused(
    family, package, center, other_center, worker, other_worker, manager, monkeypatch, runner
):
    older, newer = family
    serve(newer, package, center, worker)()  # the duplicate was served already

    confirmation, serving = confirm_while_serving(
        runner(older, package, other_center, other_worker),
        pair=queue(older, newer),
        staff=manager,
        monkeypatch=monkeypatch,
    )

    assert confirmation.result == older
    assert serving.error is None, serving.error
    assert serving.result == "not_eligible"
    assert served(older, newer, package=package) == 1


def unlinked_statements(vendor):
    return dataclasses.replace(build_statements(vendor), blocking_success=UNLINKED_BLOCKING_SUCCESS)


@pytest.fixture
def unlinked_procedure():
    """`sp_distribute_package` whose eligibility check sees the household's own rows
    only, as before confirmed duplicates counted (0008); the rest as released."""
    text = sqlfiles.latest_statement("distribution", "mysql", "sp_distribute_package")
    linked = "(f.household_id = p_household_id OR f.duplicate_of_id = p_household_id)"
    assert text.count(linked) == 1
    text = text.replace(linked, "f.household_id = p_household_id")
    name = "sp_test_distribute_unlinked"
    with connection.cursor() as cursor:
        cursor.execute(text.replace("PROCEDURE sp_distribute_package(", f"PROCEDURE {name}("))
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP PROCEDURE IF EXISTS {name}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("runner", RUNNERS)
def test_control_without_the_linked_check_the_family_is_served_twice(
    request,
    family,
    package,
    center,
    other_center,
    worker,
    other_worker,
    manager,
    monkeypatch,
    runner,
):
    """The same harness, with the eligibility check that sees the household's own rows
    only: the serving thread still waits for the confirmation, then serves."""
    older, newer = family
    serve(newer, package, center, worker)()
    if runner is via_procedure_now:
        procedure = request.getfixturevalue("unlinked_procedure")
        serve_survivor = runner(older, package, other_center, other_worker, procedure)
    else:
        monkeypatch.setattr(recording, "statements_for", unlinked_statements)
        serve_survivor = runner(older, package, other_center, other_worker)

    confirmation, serving = confirm_while_serving(
        serve_survivor, pair=queue(older, newer), staff=manager, monkeypatch=monkeypatch
    )

    assert confirmation.result == older
    assert serving.result == "success"
    assert served(older, newer, package=package) == 2


class WaitAfterEligibilityRead:
    """Stand-in for has_blocking_success(): read, then hold the household lock until told."""

    def __init__(self, read):
        self.read = read
        self.read_done = threading.Event()
        self.go = threading.Event()

    def __call__(self, cursor, **rows):
        found = self.read(cursor, **rows)
        self.read_done.set()
        assert self.go.wait(TIMEOUT)
        return found


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_survivor_served_just_before_the_confirmation_is_the_last_one_served(
    family, package, center, other_center, worker, other_worker, manager, monkeypatch
):
    """The other order: serving holds the survivor's row, the confirmation waits for it.
    The survivor's success predates the link, and after the link nobody is served."""
    older, newer = family
    serve(newer, package, center, worker)()
    hold = WaitAfterEligibilityRead(recording.has_blocking_success)
    monkeypatch.setattr(recording, "has_blocking_success", hold)
    pair = queue(older, newer)
    serving, confirmation = Outcome(), Outcome()

    def serve_first():
        try:
            serving.result = via_service_now(older, package, other_center, other_worker)()
        except Exception as error:
            serving.error = error
        finally:
            connection.close()

    confirming_connection = []

    def confirm():
        try:
            if connection.vendor == "mysql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT CONNECTION_ID()")
                    confirming_connection.append(cursor.fetchone()[0])
            assert hold.read_done.wait(TIMEOUT)
            confirmation.result = confirm_duplicate(pair=pair, staff=manager)
        except Exception as error:
            confirmation.error = error
        finally:
            connection.close()

    threads = [threading.Thread(target=serve_first), threading.Thread(target=confirm)]
    for thread in threads:
        thread.start()
    try:
        assert hold.read_done.wait(TIMEOUT)
        if connection.vendor == "mysql":
            wait_for_lock_wait(confirming_connection, confirmation)
        # SQLite: the confirmation's BEGIN IMMEDIATE waits for the serving one's.
    finally:
        hold.go.set()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)
    monkeypatch.undo()

    assert (serving.error, confirmation.error) == (None, None)
    assert serving.result == "success"
    pair.refresh_from_db()
    last = DistributionLog.objects.filter(household=older).latest("pk")
    assert last.distribution_date <= pair.decided_at
    assert refusal(serve(older, package, center, worker)) == "not_eligible"
    assert Household.objects.get(pk=newer.pk).duplicate_of_id == older.pk
