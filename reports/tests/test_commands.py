"""generate_load_data fills a consistent database; rebuild_rollup rebuilds and verifies."""

import datetime
import io
import itertools
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from core.db import retry as rollup_retry
from distribution.models import DistributionLog
from distribution.services import distribute_package
from households.models import Household
from households.phones import normalize_phone
from households.tests.factories import HouseholdFactory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory
from reports import rollup
from reports.models import RollupBulkLoad

from .factories import build_dataset

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_generate_load_data_is_consistent_with_stock_eligibility_and_rollups():
    run(
        "generate_load_data",
        households=80,
        distributions=900,
        months=4,
        centers=3,
        seed=11,
        verbosity=0,
    )
    logs = list(DistributionLog.objects.select_related("package"))
    assert len(logs) == 900
    statuses = defaultdict(int)
    for log in logs:
        statuses[log.transaction_status] += 1
    assert statuses["success"] > 800
    assert statuses["failed"] > 0
    assert statuses["cancelled"] > 0

    # Conservation: restocked + adjustments - distributed + voided = on hand.
    assert "balance" in run("check_stock")
    assert "match" in run("rebuild_rollup", verify=True)

    # A household gets a package at most once per validity period (UTC days).
    successes = defaultdict(list)
    for log in logs:
        if log.transaction_status == "success":
            day = log.distribution_date.astimezone(datetime.UTC).date()
            successes[log.household_id, log.package_id].append((day, log.package))
    for days in successes.values():
        days.sort(key=lambda item: item[0])
        for (before, package), (after, _) in itertools.pairwise(days):
            assert (after - before).days >= package.validity_period_days

    # Voids point at earlier successes of the same household, package and center.
    by_id = {log.pk: log for log in logs}
    for log in logs:
        if log.transaction_status == "cancelled":
            original = by_id[log.voided_log_id]
            assert original.transaction_status == "success"
            assert original.distribution_date < log.distribution_date
            assert (original.household_id, original.package_id, original.center_id) == (
                log.household_id,
                log.package_id,
                log.center_id,
            )
        if log.transaction_status == "failed":
            assert log.failure_reason
            assert log.failure_code

    households = list(Household.objects.all())
    assert len(households) == 80
    assert len({h.phone_number for h in households}) == 80
    assert all(normalize_phone(h.phone_number) == h.phone_number for h in households)


def test_generate_load_data_adds_to_an_existing_database(center, admin_staff):
    package = AidPackageFactory()
    restock(center=center, package=package, quantity=5, staff=admin_staff)
    for household in HouseholdFactory.create_batch(3):
        distribute_package(household=household, package=package, center=center, staff=admin_staff)
    assert "balance" in run("check_stock")
    before = DistributionLog.objects.count()
    run("generate_load_data", households=20, distributions=100, months=2, seed=3, verbosity=0)
    assert DistributionLog.objects.count() == before + 100
    assert "balance" in run("check_stock")
    assert "match" in run("rebuild_rollup", verify=True)


TAMPERING = {
    "rollup counts": "UPDATE Distribution_Monthly_Rollup SET distributions = distributions + 1",
    "rollup packages": "UPDATE Distribution_Monthly_Rollup SET packages = packages - 1",
    "household rows": "DELETE FROM Distribution_Household_Months WHERE center_id = 0",
    "household ids": (
        "UPDATE Distribution_Household_Months SET household_id = household_id + 100000 "
        "WHERE category = '*'"
    ),
    "household counts": "UPDATE Distribution_Monthly_Households SET households = households + 1",
    "missing group": "DELETE FROM Distribution_Monthly_Households WHERE center_id <> 0",
    "pending change": (
        "INSERT INTO Distribution_Monthly_Households_Pending "
        "(household_id, center_id, category, month, previous_month, households) "
        "VALUES (1, 0, '*', '2025-01-01', '1000-01-01', 1)"
    ),
    "coverage counts": (
        "UPDATE Coverage_Counts SET households = households + 1 WHERE package_id = 0"
    ),
    "coverage pending": (
        "INSERT INTO Coverage_Counts_Pending (household_id, day, center_id, package_id, "
        "households) VALUES (1, '1000-01-01', 0, 0, -1)"
    ),
    "last service": "UPDATE Coverage_Last_Service SET log_id = log_id + 1",
    "last package": "DELETE FROM Coverage_Last_Package WHERE package_id IN "
    "(SELECT MIN(package_id) FROM Aid_Packages)",
}


@pytest.mark.parametrize("tampering", TAMPERING.values(), ids=TAMPERING.keys())
def test_rebuild_rollup_verify_detects_tampering_and_rebuild_repairs(
    center, other_center, tampering
):
    build_dataset(center, other_center)
    assert "The rollups match" in run("rebuild_rollup", verify=True)
    # As after a report page was viewed: the pending changes are in the counters.
    assert "Folded" in run("rebuild_rollup", fold=True)
    assert not rollup.has_pending()
    assert "The rollups match" in run("rebuild_rollup", verify=True)
    with connection.cursor() as cursor:
        cursor.execute(tampering)
    with pytest.raises(CommandError, match="do not match"):
        run("rebuild_rollup", verify=True)
    assert "Rebuilt" in run("rebuild_rollup")
    assert "The rollups match" in run("rebuild_rollup", verify=True)


def test_rebuild_gives_what_the_triggers_built(center, other_center):
    build_dataset(center, other_center)

    def snapshot():
        with connection.cursor() as cursor:
            tables = {}
            for table in rollup.ALL_TABLES:
                cursor.execute(f"SELECT * FROM {table}")
                tables[table] = sorted(tuple(str(v) for v in row) for row in cursor.fetchall())
            return tables

    # The triggers leave the shared counters' changes pending; folded, they are what a
    # rebuild computes from the log.
    rollup.fold()
    by_triggers = snapshot()
    rollup.rebuild()
    assert snapshot() == by_triggers


def _rollup_snapshot():
    with connection.cursor() as cursor:
        tables = {}
        for table in rollup.ALL_TABLES:
            cursor.execute(f"SELECT * FROM {table}")
            tables[table] = sorted(tuple(str(v) for v in row) for row in cursor.fetchall())
        return tables


def test_a_bulk_load_gives_the_rollups_the_triggers_give(admin_staff):
    """A bulk load ends with a rebuild; the triggers, row by row, give the same rollups."""
    options = {"households": 40, "distributions": 400, "months": 3, "centers": 2}
    run("generate_load_data", with_triggers=True, seed=5, verbosity=0, **options)
    rollup.fold()
    by_triggers = _rollup_snapshot()
    rollup.rebuild()
    assert _rollup_snapshot() == by_triggers
    # A bulk load on top of it: the rebuild covers both loads.
    run("generate_load_data", seed=6, verbosity=0, **options)
    assert not RollupBulkLoad.objects.exists()
    assert not rollup.has_pending()
    assert "match" in run("rebuild_rollup", verify=True)
    assert "balance" in run("check_stock")
    # The triggers work again afterwards.
    log = DistributionLog.objects.filter(transaction_status="success").first()
    fresh = datetime.date.today() + datetime.timedelta(days=90)  # the package may be perishable
    restock(
        center=log.center, package=log.package, quantity=1, expiry_date=fresh, staff=admin_staff
    )
    distribute_package(
        household=HouseholdFactory(), package=log.package, center=log.center, staff=admin_staff
    )
    assert rollup.has_pending()
    assert "match" in run("rebuild_rollup", verify=True)


def test_a_failed_bulk_load_leaves_nothing_behind(monkeypatch):
    from devtools.loadgen import BulkLoader

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(BulkLoader, "restock", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        run("generate_load_data", households=10, distributions=50, months=2, seed=1, verbosity=0)
    assert not RollupBulkLoad.objects.exists()
    assert not DistributionLog.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.mysql(reason="SQLite has one writer at a time")
def test_the_suspension_is_invisible_to_other_connections(center, other_center, admin_staff):
    """While a bulk load's transaction is open, its own inserts skip the rollups and
    other connections' do not (nor do they wait for it)."""
    import threading

    from django.db import transaction

    from devtools.loadgen import BulkLoader
    from distribution.tests.factories import DistributionLogFactory

    package = AidPackageFactory()
    restock(center=center, package=package, quantity=5, staff=admin_staff)
    household, loaded = HouseholdFactory(), HouseholdFactory()
    ready, release, errors, skipped = threading.Event(), threading.Event(), [], []
    loader = BulkLoader()

    def bulk_loader():
        try:
            with transaction.atomic():
                loader.suspend_rollup_triggers()
                DistributionLogFactory(
                    household=loaded, package=package, center=other_center, staff=None
                )
                skipped.append(not rollup.has_pending() and not rollup.verify().ok)
                ready.set()
                release.wait(60)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        except Exception as error:
            errors.append(error)
        finally:
            loader.resume_rollup_triggers()
            ready.set()
            connection.close()

    rollup.fold()
    thread = threading.Thread(target=bulk_loader, daemon=True)
    thread.start()
    try:
        assert ready.wait(60)
        assert errors == []
        assert skipped == [True]  # the loader's row changed no rollup
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")
        # A wait for the loader would end in DistributionBusy.
        distribute_package(household=household, package=package, center=center, staff=admin_staff)
        assert "match" in run("rebuild_rollup", verify=True)
        assert rollup.has_pending()
    finally:
        release.set()
        thread.join(60)
    assert errors == []
    assert not RollupBulkLoad.objects.exists()


class StopScheduler(Exception):
    """Ends the --every loop after the number of rounds a test wants."""


def test_fold_every_folds_again_until_stopped(center, other_center, monkeypatch):
    build_dataset(center, other_center)
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise StopScheduler
        build_dataset(center, other_center)  # more pending changes before the next round

    command = "reports.management.commands.rebuild_rollup"
    monkeypatch.setattr(f"{command}.time.sleep", sleep)
    monkeypatch.setattr(f"{command}.close_old_connections", lambda: None)  # the test's own
    out = io.StringIO()
    with pytest.raises(StopScheduler):
        call_command("rebuild_rollup", fold=True, every=30, stdout=out)

    assert sleeps == [30, 30]
    assert out.getvalue().count("Folded") == 2
    assert rollup.verify().ok


def test_a_fold_that_keeps_losing_to_contention_waits_for_next_time(monkeypatch):
    def contended(*counters):
        raise rollup_retry.LockContention("busy")

    monkeypatch.setattr(rollup, "fold", contended)
    err = io.StringIO()
    call_command("rebuild_rollup", fold=True, stdout=io.StringIO(), stderr=err)
    assert "lock contention" in err.getvalue()


def lock_lost():
    """The error a lost deadlock (MySQL/MariaDB) or a locked database (SQLite) raises."""
    if connection.vendor == "mysql":
        return OperationalError(1213, "Deadlock found when trying to get lock")
    return OperationalError("database is locked")


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_that_loses_a_deadlock_starts_again_from_the_log(
    center, other_center, monkeypatch
):
    build_dataset(center, other_center)
    rollup.fold()  # what a rebuild computes: the triggers' rollups, folded
    expected = _rollup_snapshot()
    real, attempts = rollup._lock_writers, []

    def lost_first(cursor):
        attempts.append(cursor)
        real(cursor)
        if len(attempts) == 1:  # after the locks, as a certification failure would be
            raise lock_lost()

    monkeypatch.setattr(rollup, "_lock_writers", lost_first)
    monkeypatch.setattr(rollup_retry, "backoff", lambda attempt: None)
    assert "Rebuilt" in run("rebuild_rollup")
    assert len(attempts) == 2
    assert _rollup_snapshot() == expected


def test_a_rebuild_that_keeps_losing_says_so_and_changes_nothing(center, other_center, monkeypatch):
    build_dataset(center, other_center)
    before = _rollup_snapshot()
    real = rollup._lock_writers

    def lost(cursor):
        real(cursor)
        cursor.execute("DELETE FROM Distribution_Monthly_Rollup")  # undone with the attempt
        raise lock_lost()

    monkeypatch.setattr(rollup, "_lock_writers", lost)
    monkeypatch.setattr(rollup_retry, "backoff", lambda attempt: None)
    with pytest.raises(CommandError, match="nothing was changed"):
        run("rebuild_rollup")
    assert _rollup_snapshot() == before


@pytest.mark.parametrize("every", [["--every", "0"], ["--every", "-5"], ["--every", "5"]])
def test_every_needs_fold_and_a_positive_number(every):
    args = every if every[1] == "5" else ["--fold", *every]
    with pytest.raises(CommandError, match="--every"):
        call_command("rebuild_rollup", *args, stdout=io.StringIO())
