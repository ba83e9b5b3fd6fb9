"""`sp_distribute_package` keeps the staff member as named then, and writes the
household's cluster lock on a Galera node only (MySQL/MariaDB only).

The procedure restates the snapshot rule of audit.services.actor_snapshot in SQL;
these tests hold the two to the same result, accents included. On a server without
Galera (@@wsrep_on off) the certified write is skipped, so the procedure writes
exactly the rows it wrote before.
"""

from django.db import connection

from audit.services import actor_snapshot
from core.models import ClusterLock
from distribution.models import DistributionLog
from distribution.tests.procedures import PROCEDURE_TEST_MARKS, build_world, call_distribute

pytestmark = PROCEDURE_TEST_MARKS


def kept(log_id):
    return DistributionLog.objects.values_list("staff_name", "staff_role").get(pk=log_id)


def test_a_success_keeps_the_staff_member_as_the_service_would():
    world = build_world()
    world.worker.first_name, world.worker.last_name = "Zoë", "Ødegård-Núñez"
    world.worker.save()
    log_id, status, _ = call_distribute(
        world.household.pk, world.package.pk, world.center.pk, world.worker.pk, 1
    )
    assert status == "success"
    assert kept(log_id) == actor_snapshot(world.worker) == ("Zoë Ødegård-Núñez", "worker")


def test_a_refusal_keeps_the_staff_member_it_refused():
    world = build_world()
    log_id, status, _ = call_distribute(
        world.household.pk, world.package.pk, world.center.pk, world.outsider.pk, 1
    )
    assert status == "staff_not_allowed"
    assert kept(log_id) == actor_snapshot(world.outsider)


def test_a_refusal_without_a_staff_member_keeps_no_name():
    world = build_world()
    log_id, status, _ = call_distribute(
        world.household.pk, world.package.pk, world.center.pk, None, 1
    )
    assert status == "staff_not_allowed"
    assert kept(log_id) == ("", "")


def test_the_procedure_writes_the_household_lock_only_on_a_galera_node():
    """One server: no Cluster_Locks row, the procedure writes what it always wrote. A
    Galera node (this suite run against one): the household's row, as certify writes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@wsrep_on")
        galera = bool(cursor.fetchone()[0])
    world = build_world()
    _, status, _ = call_distribute(
        world.household.pk, world.package.pk, world.center.pk, world.worker.pk, 1
    )
    assert status == "success"
    locks = list(ClusterLock.objects.values_list("lock_name", "lock_key"))
    assert locks == ([("household", world.household.pk)] if galera else [])
