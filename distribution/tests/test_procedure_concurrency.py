"""The stored procedures under concurrent calls, one thread and connection each (MySQL/MariaDB)."""

import threading
import time
from collections import Counter

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory
from core.db import sqlfiles
from distribution.models import DistributionLog
from distribution.tests.procedures import (
    PROCEDURE_TEST_MARKS,
    Role,
    call_distribute,
    call_restock,
    check_stock,
)
from households.tests.factories import HouseholdFactory
from inventory.models import Inventory, StockMovement
from inventory.tests.factories import AidPackageFactory

pytestmark = [*PROCEDURE_TEST_MARKS, pytest.mark.slow]

ER_DUP_ENTRY = 1062
ER_LOCK_DEADLOCK = 1213


# --- Concurrency: real threads, one connection each --------------------------------


# InnoDB refreshes its INFORMATION_SCHEMA transaction tables only when they were not
# read for 0.1 s, so a poll faster than that sees one frozen snapshot forever.
INNODB_TRX_REFRESH = 0.15


def threads_waiting_for_locks(connection_ids):
    """Count the given connections whose transaction waits for a row lock."""
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(connection_ids))
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.INNODB_TRX "
            f"WHERE trx_state = 'LOCK WAIT' AND trx_mysql_thread_id IN ({placeholders})",
            connection_ids,
        )
        return cursor.fetchone()[0]


def run_at_once(count, work, *, gate=None):
    """Run work(i) for i in range(count) in threads released together; return the results.

    With `gate` (a model instance) the test's connection holds that row's lock while
    the threads run, and lets go only once every thread waits for a row lock. Every
    statement that inserts a row referencing the gate waits for it, so all `count`
    calls are in flight at the same moment and a race cannot hide in timing luck.
    """
    barrier = threading.Barrier(count + 1, timeout=60)
    results = [None] * count
    connection_ids = [None] * count
    errors = []

    def run(i):
        try:
            with connection.cursor() as cursor:  # this thread's own connection
                cursor.execute("SELECT CONNECTION_ID()")
                connection_ids[i] = cursor.fetchone()[0]
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    if gate is None:
        barrier.wait()
    else:
        with transaction.atomic():
            type(gate).objects.select_for_update().filter(pk=gate.pk).values_list("pk").get()
            barrier.wait()
            deadline = time.monotonic() + 60
            while threads_waiting_for_locks(connection_ids) < count:
                assert not errors, errors
                assert time.monotonic() < deadline, "the threads never all waited for a lock"
                time.sleep(INNODB_TRX_REFRESH)  # a poll interval; the order comes from locks
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return results


def race_one_household_at_two_centers(procedure):
    """20 calls for one household, split across two stocked centers; return their statuses."""
    household = HouseholdFactory()
    package = AidPackageFactory()
    centers = [DistributionCenterFactory(), DistributionCenterFactory()]
    workers = [StaffMemberFactory(role=Role.WORKER, center=center) for center in centers]
    for center in centers:
        call_restock(center.pk, package.pk, 10)

    def work(i):
        center, worker = centers[i % 2], workers[i % 2]
        try:
            _, status, _ = call_distribute(
                household.pk, package.pk, center.pk, worker.pk, 1, procedure=procedure
            )
        except OperationalError as error:
            if error.args[0] != ER_LOCK_DEADLOCK:
                raise
            return "deadlock"
        return status

    return household, package, run_at_once(20, work, gate=package)


def test_control_without_the_household_lock_the_race_is_caught():
    """Without the procedure's household lock the harness sees a household served twice."""
    procedure = sqlfiles.latest_statement("distribution", "mysql", "sp_distribute_package")
    household_lock = "FROM Households WHERE household_id = p_household_id FOR UPDATE;"
    assert household_lock in procedure
    unlocked = procedure.replace(
        household_lock, "FROM Households WHERE household_id = p_household_id;"
    ).replace("PROCEDURE sp_distribute_package(", "PROCEDURE sp_test_distribute_unlocked(")
    with connection.cursor() as cursor:
        cursor.execute(unlocked)
    try:
        _, _, statuses = race_one_household_at_two_centers("sp_test_distribute_unlocked")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP PROCEDURE IF EXISTS sp_test_distribute_unlocked")

    # Two calls passed the eligibility check together. The second success may then
    # lose a deadlock on the report rollups (both write the same household's rows)
    # and roll back, but it was not refused as not_eligible.
    assert Counter(statuses)["not_eligible"] == 18
    assert Counter(statuses) in (
        {"success": 2, "not_eligible": 18},
        {"success": 1, "deadlock": 1, "not_eligible": 18},
    )


def test_one_household_at_two_centers_at_once_is_served_once():
    household, package, statuses = race_one_household_at_two_centers("sp_distribute_package")

    assert Counter(statuses) == {"success": 1, "not_eligible": 19}
    logs = DistributionLog.objects.filter(household=household)
    assert logs.filter(transaction_status="success").count() == 1
    assert logs.filter(transaction_status="failed", failure_code="not_eligible").count() == 19
    on_hand = Inventory.objects.filter(package=package).values_list("quantity_on_hand", flat=True)
    assert sum(on_hand) == 19
    check_stock()


def test_forty_households_racing_for_five_units_never_oversell():
    center = DistributionCenterFactory()
    worker = StaffMemberFactory(role=Role.WORKER, center=center)
    package = AidPackageFactory()
    households = [HouseholdFactory() for _ in range(40)]
    call_restock(center.pk, package.pk, 5)

    def work(i):
        _, status, _ = call_distribute(households[i].pk, package.pk, center.pk, worker.pk, 1)
        return status

    statuses = run_at_once(40, work, gate=package)

    assert Counter(statuses) == {"success": 5, "insufficient_stock": 35}
    assert Inventory.objects.get(center=center, package=package).quantity_on_hand == 0
    assert (
        DistributionLog.objects.filter(package=package, transaction_status="success").count() == 5
    )
    assert (
        DistributionLog.objects.filter(package=package, failure_code="insufficient_stock").count()
        == 35
    )
    check_stock()


# The seed's sp_restock_inventory (COUNT, then INSERT or UPDATE), on this schema.
SEED_RESTOCK = """
CREATE PROCEDURE sp_test_seed_restock(IN p_center_id INT, IN p_package_id INT, IN p_quantity INT)
BEGIN
    DECLARE v_exists INT;
    START TRANSACTION;
    SELECT COUNT(*) INTO v_exists
      FROM Inventory WHERE center_id = p_center_id AND package_id = p_package_id;
    IF v_exists = 0 THEN
        INSERT INTO Inventory (center_id, package_id, quantity_on_hand, last_restock_date,
                               last_restock_quantity, created_at, updated_at)
        VALUES (p_center_id, p_package_id, p_quantity, UTC_DATE(), p_quantity,
                UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
    ELSE
        UPDATE Inventory
           SET quantity_on_hand = quantity_on_hand + p_quantity,
               last_restock_date = UTC_DATE(), last_restock_quantity = p_quantity
         WHERE center_id = p_center_id AND package_id = p_package_id;
    END IF;
    COMMIT;
END
"""


def test_control_the_seed_restock_collides_on_the_first_restock():
    """Design fix 2: the same harness makes two first restocks collide on the unique key."""
    center = DistributionCenterFactory()
    package = AidPackageFactory()

    def work(i):
        try:
            with connection.cursor() as cursor:
                cursor.execute("CALL sp_test_seed_restock(%s, %s, %s)", [center.pk, package.pk, 3])
        except IntegrityError as error:
            return error.args[0]
        return "ok"

    with connection.cursor() as cursor:
        cursor.execute(SEED_RESTOCK)
    try:
        results = run_at_once(2, work, gate=package)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP PROCEDURE IF EXISTS sp_test_seed_restock")

    assert sorted(results, key=str) == [ER_DUP_ENTRY, "ok"]


def test_two_first_restocks_at_once_leave_one_row_with_both():
    center = DistributionCenterFactory()
    package = AidPackageFactory()
    quantities = [3, 4]

    # Both inserts wait on the package row, then collide on the unique key together.
    run_at_once(2, lambda i: call_restock(center.pk, package.pk, quantities[i]), gate=package)

    inventory = Inventory.objects.get(center=center, package=package)
    assert inventory.quantity_on_hand == 7
    movements = StockMovement.objects.filter(inventory=inventory).order_by("pk")
    assert sorted(m.quantity_change for m in movements) == quantities
    assert [m.quantity_after for m in movements] == [movements[0].quantity_change, 7]
    check_stock()
