"""The rollups stay right, and neighbours never wait, with concurrent workers and folds."""

import contextlib
import io
import random
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Max

from centers.models import StaffMember
from centers.tests.factories import StaffMemberFactory
from core.db import sqlfiles
from distribution.models import DistributionLog
from distribution.services import (
    DistributionBusy,
    DistributionRefused,
    VoidRefused,
    distribute_package,
    void_distribution,
)
from households.models import Household
from households.tests.factories import HouseholdFactory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory
from reports import rollup

from .rollup_checks import assert_rollups_match_the_log

# Seconds a thread may wait at the barrier or to finish: far above what the work
# needs, so reaching it means a deadlock, not a slow machine.
TIMEOUT = 60
pytestmark = pytest.mark.slow


@pytest.mark.django_db(transaction=True)
def test_rollups_stay_right_under_concurrent_distributions_and_voids(
    center, other_center, admin_staff
):
    centers = [center, other_center]
    packages = [
        AidPackageFactory(category="food", validity_period_days=30),
        AidPackageFactory(category="hygiene", validity_period_days=30),
    ]
    households = [HouseholdFactory() for _ in range(12)]
    workers_per_center = 3
    staff = {
        c.pk: [
            StaffMemberFactory(role=StaffMember.Role.MANAGER, center=c, user=None)
            for _ in range(workers_per_center)
        ]
        for c in centers
    }
    for c in centers:
        for package in packages:
            restock(center=c, package=package, quantity=15, staff=admin_staff)
    # Successes for the workers to void while others distribute.
    to_void = [
        distribute_package(
            household=households[n], package=packages[0], center=centers[n % 2], staff=admin_staff
        )
        for n in range(6)
    ]

    start = threading.Barrier(len(centers) * workers_per_center, timeout=TIMEOUT)
    errors, outcomes = [], []
    lock = threading.Lock()

    def work(seed, center, member, voids):
        rng = random.Random(seed)
        try:
            start.wait()
            for step in range(10):
                if voids and step % 3 == 0:
                    log = voids.pop()
                    try:
                        void_distribution(log=log, staff=member, reason="Concurrent void")
                        result = "void"
                    except (VoidRefused, DistributionBusy) as refused:
                        result = f"void refused: {refused.code}"
                else:
                    try:
                        distribute_package(
                            household=rng.choice(households),
                            package=rng.choice(packages),
                            center=center,
                            staff=member,
                            quantity=rng.randint(1, 2),
                        )
                        result = "success"
                    except DistributionRefused as refused:
                        result = refused.code
                with lock:
                    outcomes.append(result)
        except Exception as error:  # collected, then asserted on in the main thread
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = []
    for n, c in enumerate(centers):
        own_voids = [log for log in to_void if log.center_id == c.pk]
        for k, member in enumerate(staff[c.pk]):
            share = own_voids[k::workers_per_center]
            threads.append(
                threading.Thread(target=work, args=(n * 10 + k, c, member, share), daemon=True)
            )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a worker is stuck (deadlock?)"

    assert errors == []
    assert outcomes.count("success") > 0
    assert outcomes.count("void") > 0
    assert_rollups_match_the_log(centers, ["food", "hygiene"])
    call_command("check_stock", stdout=io.StringIO())


def _hold_open(action, ready, release, errors):
    """Run `action()` in a transaction that stays open (its locks held) until `release`."""
    from django.db import transaction

    try:
        with transaction.atomic():
            action()
            ready.set()
            release.wait(TIMEOUT)
    except Exception as error:  # asserted on in the main thread
        errors.append(error)
        ready.set()
    finally:
        connection.close()


@contextlib.contextmanager
def rollup_triggers_of_0003():
    """Swap in migration 0003's rollup triggers (shared counters) for the block."""
    names = ("trg_distribution_log_rollup_success", "trg_distribution_log_rollup_void")
    with connection.cursor() as cursor:
        saved = []
        for name in names:
            cursor.execute(f"SHOW CREATE TRIGGER `{name}`")
            saved.append(cursor.fetchone()[2])
            cursor.execute(f"DROP TRIGGER {name}")
        for name in names:
            (statement,) = sqlfiles.read_statements("reports", "mysql", f"{name}.0003")
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for statement in saved:
                cursor.execute(statement)


@pytest.fixture
def neighbours(center, other_center, admin_staff):
    """Packages stocked for a holder at `center` and for others at `other_center`, and
    three households with neighbouring ids: the holder's is in the middle."""
    from types import SimpleNamespace

    w = SimpleNamespace(
        center=center,
        other_center=other_center,
        staff=admin_staff,
        food=AidPackageFactory(category="food", validity_period_days=1),
        soap=AidPackageFactory(category="hygiene", validity_period_days=1),
        kit=AidPackageFactory(category="shelter", validity_period_days=1),
    )
    for c in (center, other_center):
        for package in (w.food, w.soap, w.kit):
            restock(center=c, package=package, quantity=20, staff=admin_staff)
    # Explicit ids: on a Galera cluster auto-increment steps by the number of nodes.
    first = (Household.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    w.before, w.holder, w.after = (HouseholdFactory(pk=first + n) for n in range(3))
    return w


def _give(w, household, package, where):
    return distribute_package(household=household, package=package, center=where, staff=w.staff)


# What the transaction left open does, at `center` (after its preparation).
HOLDER_ACTIONS = {
    "first distribution": (lambda w, h: None, lambda w, h, prep: _give(w, h, w.soap, w.center)),
    "moves center": (
        lambda w, h: _give(w, h, w.food, w.other_center),
        lambda w, h, prep: _give(w, h, w.soap, w.center),
    ),
    "void": (
        lambda w, h: _give(w, h, w.food, w.center),
        lambda w, h, prep: void_distribution(log=prep, staff=w.staff, reason="Test"),
    ),
}


def _suspend(household):
    household.status = "suspended"
    household.save()


# What the neighbours then do, at `other_center` (other inventory rows than the holder).
OTHER_ACTIONS = {
    "first distribution": (
        lambda w, h: None,
        lambda w, h, prep: _give(w, h, w.kit, w.other_center),
    ),
    "again this month": (
        lambda w, h: _give(w, h, w.food, w.other_center),
        lambda w, h, prep: _give(w, h, w.kit, w.other_center),
    ),
    "moves center": (
        lambda w, h: _give(w, h, w.kit, w.center),
        lambda w, h, prep: _give(w, h, w.food, w.other_center),
    ),
    "void": (
        lambda w, h: _give(w, h, w.food, w.other_center),
        lambda w, h, prep: void_distribution(log=prep, staff=w.staff, reason="Test"),
    ),
    "status change": (
        lambda w, h: _give(w, h, w.food, w.other_center),
        lambda w, h, prep: _suspend(h),
    ),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.mysql(reason="SQLite has one writer at a time")
@pytest.mark.parametrize("other", OTHER_ACTIONS)
@pytest.mark.parametrize("holder", HOLDER_ACTIONS)
def test_households_next_to_each_other_never_wait_for_each_other(neighbours, holder, other):
    """While one household's distribution or void is uncommitted, the households whose
    ids are next to it (the neighbours in every rollup table's key order) are served,
    voided or suspended without waiting for it, and the fold skips it."""
    w = neighbours
    prepare_holder, act_holder = HOLDER_ACTIONS[holder]
    prepare_other, act_other = OTHER_ACTIONS[other]
    holder_prep = prepare_holder(w, w.holder)
    others = [(h, prepare_other(w, h)) for h in (w.before, w.after)]
    ready, release, errors = threading.Event(), threading.Event(), []
    thread = threading.Thread(
        target=_hold_open,
        args=(lambda: act_holder(w, w.holder, holder_prep), ready, release, errors),
        daemon=True,
    )
    thread.start()
    try:
        assert ready.wait(TIMEOUT)
        assert errors == []
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")
        for household, prep in others:
            started = time.monotonic()
            act_other(w, household, prep)  # a lock wait would end in DistributionBusy
            assert time.monotonic() - started < 1
        started = time.monotonic()
        rollup.fold()
        assert time.monotonic() - started < 1
    finally:
        release.set()
        thread.join(TIMEOUT)
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION innodb_lock_wait_timeout = DEFAULT")
    assert errors == []
    assert rollup.has_pending()  # the holder's rows, skipped by the fold
    assert_rollups_match_the_log([w.center, w.other_center], ["food", "hygiene", "shelter"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.mysql(reason="SQLite has one writer at a time")
def test_control_with_0003s_shared_counters_the_second_household_waits(neighbours):
    """The harness above does see a wait: with 0003's triggers, a first distribution of
    the month waits for another household's (the shared "all centers" counter row)."""
    w = neighbours
    far = HouseholdFactory()  # not a neighbour: only the shared row can make it wait
    ready, release, errors = threading.Event(), threading.Event(), []
    with rollup_triggers_of_0003():
        thread = threading.Thread(
            target=_hold_open,
            args=(lambda: _give(w, w.holder, w.soap, w.center), ready, release, errors),
            daemon=True,
        )
        thread.start()
        try:
            assert ready.wait(TIMEOUT)
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")
            with pytest.raises(DistributionBusy):
                _give(w, far, w.kit, w.other_center)
        finally:
            release.set()
            thread.join(TIMEOUT)
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION innodb_lock_wait_timeout = DEFAULT")
    assert errors == []
    rollup.rebuild()
    assert rollup.verify().ok


@pytest.mark.django_db(transaction=True)
def test_folding_while_distributing_keeps_the_counters_right(center, other_center, admin_staff):
    """Workers distribute and void while another thread folds again and again."""
    packages = [
        AidPackageFactory(category="food", validity_period_days=1),
        AidPackageFactory(category="hygiene", validity_period_days=1),
    ]
    households = [HouseholdFactory() for _ in range(20)]
    for c in (center, other_center):
        for package in packages:
            restock(center=c, package=package, quantity=100, staff=admin_staff)
    done = threading.Event()
    errors, folds = [], []
    start = threading.Barrier(5, timeout=TIMEOUT)

    def distribute(seed):
        rng = random.Random(seed)
        try:
            start.wait()
            for _ in range(12):
                try:
                    log = distribute_package(
                        household=rng.choice(households),
                        package=rng.choice(packages),
                        center=rng.choice([center, other_center]),
                        staff=admin_staff,
                    )
                    if rng.random() < 0.25:
                        void_distribution(log=log, staff=admin_staff, reason="Test")
                except (DistributionRefused, DistributionBusy, VoidRefused):
                    pass
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    def keep_folding():
        try:
            start.wait()
            while not done.is_set():
                folds.append(rollup.fold())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=distribute, args=(n,), daemon=True) for n in range(4)]
    folder = threading.Thread(target=keep_folding, daemon=True)
    for thread in [*workers, folder]:
        thread.start()
    for thread in workers:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a worker is stuck (deadlock?)"
    done.set()
    folder.join(TIMEOUT)
    assert errors == []
    assert sum(folds) > 0
    rollup.fold()  # what the last round left, as the next scheduled fold would
    assert DistributionLog.objects.filter(transaction_status="success").exists()
    assert_rollups_match_the_log([center, other_center], ["food", "hygiene"])
    assert not rollup.has_pending()
