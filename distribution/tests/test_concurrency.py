"""Concurrent distributions, voids and stock changes against a real database.

Every worker is a thread with its own database connection; the threads start
together behind a barrier and every outcome (result or exception) is collected.
The control tests first remove the locking and show that the harness then sees
the race; the other tests show the locks prevent it, on SQLite and MariaDB alike.
"""

import dataclasses
import random
import threading
from collections import Counter
from dataclasses import dataclass
from functools import partial
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, QuerySet

from centers.models import StaffMember
from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory
from distribution import recording, services
from distribution.models import DistributionLog
from distribution.services import (
    DistributionBusy,
    DistributionRefused,
    distribute_package,
    void_distribution,
)
from distribution.statements import build_statements
from households.tests.factories import HouseholdFactory
from inventory.models import Inventory, StockMovement
from inventory.services import adjust_stock, restock
from inventory.tests.factories import AidPackageFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# Seconds any thread may wait at a barrier or to finish: far above what the
# work needs, so hitting it means a deadlock, not a slow machine.
TIMEOUT = 60

SQLITE_SERIALISES_WRITERS = (
    "SQLite cannot race here even with DEFERRED transactions and no row locks: it "
    "allows one writer at a time and refuses to upgrade a read transaction once "
    "another connection holds the write lock or has committed (SQLITE_BUSY, "
    "'database is locked'), so the second worker is retried and then sees the "
    "first one's row."
)

Status = DistributionLog.Status


@dataclass
class Outcome:
    result: object = None
    error: Exception | None = None


def run_concurrently(*calls):
    """Run each callable in its own thread and connection, all released at once.

    Return one Outcome per callable, in order. Fail if a thread is still running
    after TIMEOUT seconds (a deadlock).
    """
    start = threading.Barrier(len(calls), timeout=TIMEOUT)
    outcomes = [Outcome() for _ in calls]

    def run(call, outcome):
        try:
            start.wait()
            outcome.result = call()
        except Exception as error:
            outcome.error = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(call, outcome), daemon=True)
        for call, outcome in zip(calls, outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    stuck = sum(thread.is_alive() for thread in threads)
    assert not stuck, f"{stuck} thread(s) still running after {TIMEOUT} s"
    return outcomes


def refusal_codes(outcomes):
    """Count the outcomes by refusal code; a success counts as "success"."""
    return Counter(
        "success" if outcome.error is None else outcome.error.code
        for outcome in outcomes
        if outcome.error is None or type(outcome.error) is DistributionRefused
    )


def unexpected_errors(outcomes):
    """Return every exception other than a plain refusal (DistributionBusy included)."""
    return [
        outcome.error
        for outcome in outcomes
        if outcome.error is not None and type(outcome.error) is not DistributionRefused
    ]


def assert_stock_balances():
    call_command("check_stock", stdout=StringIO())


def double_served():
    """Return (household, package) pairs holding two live successes (validity is 30 days)."""
    return list(
        DistributionLog.objects.filter(transaction_status=Status.SUCCESS, void__isnull=True)
        .values("household_id", "package_id")
        .annotate(successes=Count("id"))
        .filter(successes__gt=1)
        .order_by()
    )


def without_household_lock(vendor):
    """The service's statements with the household row read but not locked."""
    statements = build_statements(vendor)
    unlocked = statements.lock_household.replace(" FOR UPDATE", "")
    return dataclasses.replace(statements, lock_household=unlocked)


def distribute(household, package, center, staff, quantity=1):
    return partial(
        distribute_package,
        household=household,
        package=package,
        center=center,
        staff=staff,
        quantity=quantity,
    )


@pytest.fixture
def package():
    return AidPackageFactory(validity_period_days=30)


@pytest.fixture
def other_worker(other_center):
    return StaffMemberFactory(role=StaffMember.Role.WORKER, center=other_center)


class WaitAfterEligibilityRead:
    """Stand-in for has_blocking_success(): run the real read, then wait at a barrier.

    Placed between the service's reads and its writes, it makes every worker read
    before any worker writes: the worst interleaving, every time. Each thread waits
    once and keeps the answer of that first read: without locks, the two inserts can
    still deadlock on the rollup rows (MariaDB), and the service's retry would then
    read the other worker's commit and hide the race this harness must show.
    """

    def __init__(self, read, barrier):
        self.read = read
        self.barrier = barrier
        self.waited = threading.local()

    def __call__(self, cursor, **rows):
        if not hasattr(self.waited, "found"):
            self.waited.found = self.read(cursor, **rows)
            self.barrier.wait()
        return self.waited.found


@pytest.fixture
def locks_disabled(monkeypatch):
    """Remove the household row lock and hold two workers between their reads and writes."""
    if connection.vendor == "sqlite":
        pytest.skip(SQLITE_SERIALISES_WRITERS)
    monkeypatch.setattr(services, "statements_for", lambda vendor: without_household_lock(vendor))
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    monkeypatch.setattr(
        recording,
        "has_blocking_success",
        WaitAfterEligibilityRead(recording.has_blocking_success, barrier),
    )


@pytest.mark.usefixtures("locks_disabled")
def test_double_serving_happens_if_we_disable_locks(
    center, other_center, package, worker, other_worker, admin_staff
):
    for where in (center, other_center):
        restock(center=where, package=package, quantity=5, staff=admin_staff)
    household = HouseholdFactory()

    outcomes = run_concurrently(
        distribute(household, package, center, worker),
        distribute(household, package, other_center, other_worker),
    )

    assert unexpected_errors(outcomes) == []
    assert refusal_codes(outcomes) == {"success": 2}
    assert len(double_served()) == 1


# There is no control race for the last units: the service takes stock with one
# conditional UPDATE (`... WHERE quantity_on_hand >= %s`), which the database runs
# under the row lock it takes for any UPDATE, so no lock can be patched out of it.
# The CHECK (quantity_on_hand >= 0) behind it is tested in inventory's model tests.


def test_last_units_go_to_exactly_as_many_workers_as_there_are_units(
    center, package, worker, admin_staff
):
    inventory = restock(center=center, package=package, quantity=5, staff=admin_staff)
    households = HouseholdFactory.create_batch(40)

    outcomes = run_concurrently(
        *(distribute(household, package, center, worker) for household in households)
    )

    assert unexpected_errors(outcomes) == []
    assert refusal_codes(outcomes) == {"success": 5, "insufficient_stock": 35}
    for outcome in outcomes:
        log = outcome.result if outcome.error is None else outcome.error.log
        assert log.pk is not None
    logs = DistributionLog.objects.filter(package=package)
    assert logs.filter(transaction_status=Status.SUCCESS).count() == 5
    refused = logs.filter(transaction_status=Status.FAILED, failure_code="insufficient_stock")
    assert refused.count() == 35
    assert logs.count() == 40
    inventory.refresh_from_db()
    assert inventory.quantity_on_hand == 0
    assert_stock_balances()


def test_one_household_at_two_centers_at_once_is_served_once(
    center, other_center, package, worker, other_worker, admin_staff
):
    for where in (center, other_center):
        restock(center=where, package=package, quantity=10, staff=admin_staff)
    household = HouseholdFactory()
    counters = [(center, worker), (other_center, other_worker)]

    outcomes = run_concurrently(
        *(distribute(household, package, where, staff) for where, staff in counters * 10)
    )

    assert unexpected_errors(outcomes) == []
    assert refusal_codes(outcomes) == {"success": 1, "not_eligible": 19}
    logs = DistributionLog.objects.filter(household=household)
    assert logs.filter(transaction_status=Status.SUCCESS).count() == 1
    refused = logs.filter(transaction_status=Status.FAILED, failure_code="not_eligible")
    assert refused.count() == 19
    on_hand = Inventory.objects.filter(package=package).values_list("quantity_on_hand", flat=True)
    assert sorted(on_hand) == [9, 10]
    assert_stock_balances()


def test_first_restocks_at_once_both_land_in_one_row(center, package, admin_staff, manager):
    outcomes = run_concurrently(
        partial(restock, center=center, package=package, quantity=7, staff=admin_staff),
        partial(restock, center=center, package=package, quantity=11, staff=manager),
    )

    assert [outcome.error for outcome in outcomes] == [None, None]
    inventory = Inventory.objects.get(center=center, package=package)
    assert inventory.quantity_on_hand == 18
    movements = StockMovement.objects.filter(inventory=inventory)
    assert sorted(movements.values_list("quantity_change", flat=True)) == [7, 11]
    assert sorted(movements.values_list("quantity_after", flat=True)) in ([7, 18], [11, 18])
    assert_stock_balances()


def test_first_restocks_that_both_saw_no_row_both_land(
    monkeypatch, center, package, admin_staff, manager
):
    """Force the worst case: both restocks look for the row before either inserts it."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's IMMEDIATE transactions serialise the two restocks: the second "
            "cannot look for the row before the first has committed it."
        )
    both_looked = threading.Barrier(2, timeout=TIMEOUT)
    get = QuerySet.get

    def get_then_wait_if_missing(self, *args, **kwargs):
        try:
            return get(self, *args, **kwargs)
        except Inventory.DoesNotExist:
            if self.model is Inventory:
                both_looked.wait()
            raise

    monkeypatch.setattr(QuerySet, "get", get_then_wait_if_missing)

    outcomes = run_concurrently(
        partial(restock, center=center, package=package, quantity=7, staff=admin_staff),
        partial(restock, center=center, package=package, quantity=11, staff=manager),
    )

    assert [outcome.error for outcome in outcomes] == [None, None]
    inventory = Inventory.objects.get(center=center, package=package)
    assert inventory.quantity_on_hand == 18
    assert StockMovement.objects.filter(inventory=inventory).count() == 2
    assert_stock_balances()


MIXED_THREADS = 12
MIXED_OPERATIONS = 30
ADJUSTMENT_REASONS = (StockMovement.Reason.DAMAGED, StockMovement.Reason.FOUND)


@dataclass
class MixedWorld:
    centers: list
    workers: list
    packages: list
    households: list
    inventory_ids: list
    admin: StaffMember


def mixed_session(index, world):
    """Run MIXED_OPERATIONS random operations; return a tally of their outcomes.

    Expected outcomes (successes, refusals, an adjustment that would go below
    zero) are counted; anything else escapes and fails the test.
    """
    rng = random.Random(index)
    center = world.centers[index % len(world.centers)]
    worker = world.workers[index % len(world.workers)]
    served = []
    tally = Counter()
    for _ in range(MIXED_OPERATIONS):
        roll = rng.random()
        if roll < 0.6 or (roll >= 0.85 and not served):
            try:
                served.append(
                    distribute_package(
                        household=rng.choice(world.households),
                        package=rng.choice(world.packages),
                        center=center,
                        staff=worker,
                        quantity=rng.randint(1, 3),
                    )
                )
                tally["success"] += 1
            except DistributionBusy:
                raise
            except DistributionRefused as refused:
                tally[refused.code] += 1
        elif roll < 0.72:
            restock(
                center=rng.choice(world.centers),
                package=rng.choice(world.packages),
                quantity=rng.randint(1, 10),
                staff=world.admin,
            )
            tally["restock"] += 1
        elif roll < 0.85:
            inventory = Inventory.objects.get(pk=rng.choice(world.inventory_ids))
            try:
                adjust_stock(
                    inventory=inventory,
                    delta=rng.choice((-3, -2, -1, 1, 2)),
                    reason=rng.choice(ADJUSTMENT_REASONS),
                    staff=world.admin,
                )
                tally["adjustment"] += 1
            except ValidationError as error:
                if error.code != "below_zero":
                    raise
                tally["below_zero"] += 1
        else:
            log = served.pop(rng.randrange(len(served)))
            void_distribution(log=log, staff=world.admin, reason="Recorded in error")
            tally["void"] += 1
    return tally


@pytest.fixture
def mixed_world(admin_staff):
    centers = DistributionCenterFactory.create_batch(3)
    workers = [StaffMemberFactory(role=StaffMember.Role.WORKER, center=where) for where in centers]
    packages = AidPackageFactory.create_batch(3, validity_period_days=30)
    inventory_ids = []
    for where in centers:
        for package in packages:
            if (where, package) != (centers[-1], packages[-1]):  # its first restock races
                inventory = restock(center=where, package=package, quantity=8, staff=admin_staff)
                inventory_ids.append(inventory.pk)
    return MixedWorld(
        centers=centers,
        workers=workers,
        packages=packages,
        households=HouseholdFactory.create_batch(40),
        inventory_ids=inventory_ids,
        admin=admin_staff,
    )


def test_mixed_load_keeps_stock_and_eligibility_consistent(mixed_world):
    outcomes = run_concurrently(
        *(partial(mixed_session, index, mixed_world) for index in range(MIXED_THREADS))
    )

    assert [outcome.error for outcome in outcomes if outcome.error] == []
    tally = sum((outcome.result for outcome in outcomes), Counter())
    assert tally.total() == MIXED_THREADS * MIXED_OPERATIONS
    assert {"success", "void", "restock", "adjustment"} <= tally.keys()
    logs = DistributionLog.objects.all()
    assert logs.filter(transaction_status=Status.SUCCESS).count() == tally["success"]
    assert logs.filter(transaction_status=Status.CANCELLED).count() == tally["void"]
    refused = tally.total() - sum(
        tally[kind] for kind in ("success", "void", "restock", "adjustment", "below_zero")
    )
    assert logs.filter(transaction_status=Status.FAILED).count() == refused
    assert not Inventory.objects.filter(quantity_on_hand__lt=0).exists()
    assert double_served() == []
    assert_stock_balances()
