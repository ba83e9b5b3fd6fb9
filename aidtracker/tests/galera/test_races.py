"""Races across the nodes of a Galera cluster: every node takes writes, none oversells,
none serves a household twice.

On Galera a row lock holds only on the node that takes it; what two nodes' commits
are compared on is the rows they write. The service, the visit and the stored
procedure therefore write the household's Cluster_Locks row after locking it
(core.db.galera.certify; the procedure's `IF @@wsrep_on` block). Each race has a
control that removes that write, and the rollup triggers whose household-keyed rows
would otherwise happen to conflict too, and shows the household served twice.
"""

import re
import threading
import time
from collections import Counter
from functools import partial
from io import StringIO

import MySQLdb
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.db.models import Count

from centers.models import StaffMember
from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory
from core.db.galera import GALERA_MAX_ATTEMPTS
from core.db.retry import backoff, is_retryable
from core.db.sqlfiles import latest_statement
from distribution import recording
from distribution.models import DistributionLog, Visit
from distribution.services import (
    DistributionBusy,
    DistributionRefused,
    distribute_package,
    void_distribution,
)
from distribution.tests.procedures import call_distribute
from distribution.visits import serve_household
from households.tests.factories import HouseholdFactory
from inventory.models import Inventory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

from .conftest import caught_up
from .nodes import GALERA_NODES, TIMEOUT, on_node, run_on_nodes

pytestmark = [pytest.mark.slow, pytest.mark.galera]

SUCCESS = DistributionLog.Status.SUCCESS
ROUNDS = 8
# The rollup triggers write rows keyed by the household (its months, its last
# service): on Galera those writes conflict too, and would hide a missing lock. They
# skip a connection that marks itself as a bulk load, without any DDL (changing
# triggers while other nodes apply writes is what Galera handles worst).
WITHOUT_ROLLUP_TRIGGERS = ("SET @aidtracker_rollup_bulk_load = CONNECTION_ID()",)


def code(outcome):
    if outcome.error is None:
        return "success"
    if isinstance(outcome.error, DistributionBusy):
        return "busy"
    if isinstance(outcome.error, DistributionRefused):
        return outcome.error.code
    raise outcome.error


def double_served():
    return list(
        DistributionLog.objects.filter(transaction_status=SUCCESS, void__isnull=True)
        .values("household_id", "package_id")
        .annotate(successes=Count("id"))
        .filter(successes__gt=1)
        .order_by()
    )


class ReadThenWait:
    """has_blocking_success(), then a barrier on each thread's first call: both workers
    read "eligible" before either writes, the worst interleaving, every time. A retry
    (after a refused commit) reads afresh, as the service would."""

    def __init__(self, read, parties):
        self.read = read
        self.barrier = threading.Barrier(parties, timeout=TIMEOUT)
        self.waited = threading.local()

    def __call__(self, cursor, **rows):
        found = self.read(cursor, **rows)
        if not getattr(self.waited, "done", False):
            self.waited.done = True
            self.barrier.wait()
        return found


@pytest.fixture
def world(nodes):
    package = AidPackageFactory(validity_period_days=30)
    centers = [DistributionCenterFactory(), DistributionCenterFactory()]
    admin = StaffMemberFactory(role=StaffMember.Role.ADMIN, center=centers[0])
    workers = [StaffMemberFactory(role=StaffMember.Role.WORKER, center=c) for c in centers]
    for center in centers:
        restock(center=center, package=package, quantity=500, staff=admin)
    return {"package": package, "centers": centers, "workers": workers, "admin": admin}


def serve_from_two_nodes(world, household, session_sql=()):
    package = world["package"]
    return run_on_nodes(
        *(
            (
                alias,
                partial(
                    distribute_package,
                    household=household,
                    package=package,
                    center=center,
                    staff=worker,
                    quantity=1,
                ),
            )
            for alias, center, worker in zip(
                ("node1", "node2"), world["centers"], world["workers"], strict=True
            )
        ),
        session_sql=session_sql,
    )


def rounds_of_one_household_from_two_nodes(world, monkeypatch, session_sql=()):
    """ROUNDS households, each served from two centers on two nodes at once; return
    the outcome codes of each round."""
    results = []
    for _ in range(ROUNDS):
        monkeypatch.setattr(
            recording, "has_blocking_success", ReadThenWait(REAL_BLOCKING_SUCCESS, 2)
        )
        household = HouseholdFactory()
        outcomes = serve_from_two_nodes(world, household, session_sql)
        results.append(Counter(code(outcome) for outcome in outcomes))
    return results


REAL_BLOCKING_SUCCESS = recording.has_blocking_success


def test_the_cluster_has_every_node(nodes):
    for alias in nodes:
        size = on_node(alias, cluster_size)
        assert size == len(GALERA_NODES)


def cluster_size():
    with connection.cursor() as cursor:
        cursor.execute("SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'")
        return int(cursor.fetchone()[1])


def test_one_household_from_two_nodes_is_served_once(world, monkeypatch):
    """Both workers read "eligible" on their own node before either writes; the
    household's Cluster_Locks row makes the second commit fail certification, and its
    retry reads the first one's success."""
    results = rounds_of_one_household_from_two_nodes(world, monkeypatch, WITHOUT_ROLLUP_TRIGGERS)
    for outcome in results:
        assert outcome["success"] == 1, outcome
        assert outcome["not_eligible"] + outcome["busy"] == 1, outcome
    assert double_served() == []


def test_control_without_the_certified_write_a_household_is_served_twice(
    world, monkeypatch, settings
):
    settings.DATABASE_GALERA = False  # the row lock alone, as on one server
    results = rounds_of_one_household_from_two_nodes(world, monkeypatch, WITHOUT_ROLLUP_TRIGGERS)
    assert any(outcome["success"] == 2 for outcome in results), results
    assert double_served()


def test_with_every_trigger_in_place_too(world, monkeypatch):
    for outcome in rounds_of_one_household_from_two_nodes(world, monkeypatch):
        assert outcome["success"] == 1, outcome
    assert double_served() == []


def test_forty_racers_on_two_nodes_take_five_units_and_no_more(nodes):
    package = AidPackageFactory(validity_period_days=30)
    center = DistributionCenterFactory()
    admin = StaffMemberFactory(role=StaffMember.Role.ADMIN, center=center)
    worker = StaffMemberFactory(role=StaffMember.Role.WORKER, center=center)
    restock(center=center, package=package, quantity=5, staff=admin)
    households = HouseholdFactory.create_batch(40)

    outcomes = run_on_nodes(
        *(
            (
                nodes[index % 2],
                partial(
                    distribute_package,
                    household=household,
                    package=package,
                    center=center,
                    staff=worker,
                    quantity=1,
                ),
            )
            for index, household in enumerate(households)
        )
    )

    codes = Counter(code(outcome) for outcome in outcomes)
    assert set(codes) <= {"success", "insufficient_stock", "busy"}, codes
    on_hand = Inventory.objects.get(center=center, package=package).quantity_on_hand
    assert codes["success"] + on_hand == 5, (codes, on_hand)
    assert codes["success"] == 5 or codes["busy"], codes
    served = DistributionLog.objects.filter(package=package, transaction_status=SUCCESS)
    assert served.count() == codes["success"]


def rounds_of_one_basket_from_two_nodes(world, monkeypatch, session_sql=()):
    """ROUNDS households, each served a basket from two centers on two nodes at once,
    both reading "eligible" before either writes; return how many successes each got."""
    package = world["package"]
    served = []
    for _ in range(ROUNDS):
        monkeypatch.setattr(
            recording, "has_blocking_success", ReadThenWait(REAL_BLOCKING_SUCCESS, 2)
        )
        household = HouseholdFactory()
        outcomes = run_on_nodes(
            *(
                (
                    alias,
                    partial(
                        serve_household,
                        household=household,
                        center=center,
                        staff=worker,
                        lines=[(package, 1)],
                    ),
                )
                for alias, center, worker in zip(
                    ("node1", "node2"), world["centers"], world["workers"], strict=True
                )
            ),
            session_sql=session_sql,
        )
        for outcome in outcomes:
            assert outcome.error is None, outcome.error
        on_node("node1", caught_up)  # the test reads node 1: node 2's visit applied there
        assert Visit.objects.filter(household=household).count() == 2  # one line refused
        successes = DistributionLog.objects.filter(household=household, transaction_status=SUCCESS)
        served.append(successes.count())
    return served


def test_one_basket_from_two_nodes_is_served_once(world, monkeypatch):
    """Both visits read "eligible" on their own node before either writes; the
    household's Cluster_Locks row alone (no rollup trigger) makes one of them retry."""
    served = rounds_of_one_basket_from_two_nodes(world, monkeypatch, WITHOUT_ROLLUP_TRIGGERS)
    assert served == [1] * ROUNDS
    assert double_served() == []


def test_control_without_the_certified_write_a_basket_is_served_twice(world, monkeypatch, settings):
    settings.DATABASE_GALERA = False  # the row lock alone, as on one server
    served = rounds_of_one_basket_from_two_nodes(world, monkeypatch, WITHOUT_ROLLUP_TRIGGERS)
    assert 2 in served, served
    assert double_served()


def test_one_success_voided_from_two_nodes_is_voided_once(world):
    household = HouseholdFactory()
    log = distribute_package(
        household=household,
        package=world["package"],
        center=world["centers"][0],
        staff=world["workers"][0],
        quantity=1,
    )
    manager = StaffMemberFactory(role=StaffMember.Role.ADMIN, center=world["centers"][0])
    outcomes = run_on_nodes(
        *(
            (alias, partial(void_distribution, log=log, staff=manager, reason="Entered twice"))
            for alias in ("node1", "node2")
        )
    )
    assert sum(outcome.error is None for outcome in outcomes) == 1, outcomes
    assert DistributionLog.objects.filter(voided_log=log).count() == 1
    inventory = Inventory.objects.get(center=world["centers"][0], package=world["package"])
    assert inventory.quantity_on_hand == 500


def test_the_audit_log_refuses_updates_on_every_node(world):
    log = distribute_package(
        household=HouseholdFactory(),
        package=world["package"],
        center=world["centers"][0],
        staff=world["workers"][0],
        quantity=1,
    )
    database = connection.settings_dict["NAME"]
    for url in GALERA_NODES:
        host, port = url.split("@")[1].split(":")
        node = MySQLdb.connect(host=host, port=int(port), user="root", database=database)
        try:
            cursor = node.cursor()
            with pytest.raises(MySQLdb.OperationalError):
                cursor.execute(
                    "UPDATE Distribution_Log SET quantity_distributed = 9 WHERE log_id = %s",
                    [log.pk],
                )
            with pytest.raises(MySQLdb.OperationalError):
                cursor.execute("DELETE FROM Distribution_Log WHERE log_id = %s", [log.pk])
        finally:
            node.close()


def test_stock_and_rollups_agree_on_every_node(world, nodes):
    """After work on two nodes, every node's stock invariant and rollups check out."""
    serve_from_two_nodes(world, HouseholdFactory())
    for alias in nodes:
        for command in (("check_stock",), ("rebuild_rollup", "--verify")):
            on_node(alias, partial(call_command, *command, stdout=StringIO()))  # raises if not


# --- The stored procedure -----------------------------------------------------------

PROCEDURE = "sp_distribute_package"
UNCERTIFIED = "sp_distribute_package_uncertified"
CERTIFIED_WRITE = re.compile(r"\n[ \t]*IF @@wsrep_on THEN\n.*?END IF;", re.DOTALL)


@pytest.fixture
def uncertified_procedure(nodes):
    """The released procedure without its `IF @@wsrep_on` block, for the control; it
    is created on node 1 and waited for on every node."""
    text, removed = CERTIFIED_WRITE.subn("", latest_statement("distribution", "mysql", PROCEDURE))
    assert removed == 1
    with connection.cursor() as cursor:
        cursor.execute(f"DROP PROCEDURE IF EXISTS {UNCERTIFIED}")
        cursor.execute(text.replace(f"PROCEDURE {PROCEDURE}(", f"PROCEDURE {UNCERTIFIED}(", 1))
    for alias in nodes:
        on_node(alias, caught_up)
    yield UNCERTIFIED
    with connection.cursor() as cursor:
        cursor.execute(f"DROP PROCEDURE IF EXISTS {UNCERTIFIED}")


def node_connection(url):
    host, port = url.split("@")[1].split(":")
    database = connection.settings_dict["NAME"]
    return MySQLdb.connect(host=host, port=int(port), user="root", database=database)


class LotsHeld:
    """On each node, a transaction that holds one inventory row's lots locked.

    A procedure serving from that row stops at its locking read of the lots: after
    its household lock, its certified write and its eligibility read, before it
    writes anything. Once a procedure waits on every node, all are let go at once:
    both have read "eligible" before either wrote, the worst interleaving, every time.
    """

    def __init__(self, held):
        self.held = []
        for url, inventory_id in held:
            node = node_connection(url)
            cursor = node.cursor()
            cursor.execute("SET SESSION wsrep_sync_wait = 1")  # sees what node 1 wrote
            cursor.execute("START TRANSACTION")
            cursor.execute(
                "SELECT lot_id FROM Stock_Lots WHERE inventory_id = %s FOR UPDATE", [inventory_id]
            )
            self.held.append(node)
        self.thread = threading.Thread(target=self._release_when_all_wait, daemon=True)
        self.all_waited = False

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.thread.join(TIMEOUT)
        for node in self.held:
            node.close()

    def _waiting(self, node):
        cursor = node.cursor()
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'"
        )
        return cursor.fetchone()[0] > 0

    def _release_when_all_wait(self):
        deadline = time.monotonic() + TIMEOUT / 4
        while time.monotonic() < deadline and not self.all_waited:
            # InnoDB refreshes innodb_trx only when it was not read for 0.1 s.
            time.sleep(0.2)
            self.all_waited = all(self._waiting(node) for node in self.held)
        for node in self.held:
            node.rollback()


def call_retrying(procedure, household, package, center, staff):
    """CALL the procedure as a client of it must: again after a certification failure
    (error 1213, or its misreported forms: core.db.retry), which rolled back everything
    the call did."""
    for attempt in range(GALERA_MAX_ATTEMPTS):
        try:
            _, status, _ = call_distribute(
                household.pk, package.pk, center.pk, staff.pk, 1, procedure=procedure
            )
        except DatabaseError as error:
            if not is_retryable(error):
                raise
            backoff(attempt)
        else:
            return status
    return "busy"


def rounds_through_the_procedure(world, procedure):
    """ROUNDS households, each served through `procedure` from two centers on two
    nodes at once, without the rollup triggers; return the outcome codes of each."""
    package = world["package"]
    aliases = ("node1", "node2")
    inventory = [Inventory.objects.get(center=c, package=package).pk for c in world["centers"]]
    results = []
    for _ in range(ROUNDS):
        household = HouseholdFactory()
        with LotsHeld(zip(GALERA_NODES[:2], inventory, strict=True)) as lots:
            outcomes = run_on_nodes(
                *(
                    (alias, partial(call_retrying, procedure, household, package, center, worker))
                    for alias, center, worker in zip(
                        aliases, world["centers"], world["workers"], strict=True
                    )
                ),
                # A causal read first: the node has the household node 1 just wrote.
                session_sql=(*WITHOUT_ROLLUP_TRIGGERS, "SELECT COUNT(*) FROM Households"),
            )
        assert lots.all_waited, f"a call never reached its lots read: {outcomes}"
        for outcome in outcomes:
            assert outcome.error is None, outcome.error
        results.append(Counter(outcome.result for outcome in outcomes))
    on_node("node1", caught_up)  # the test reads node 1: node 2's rows applied there
    return results


def test_one_household_through_the_procedure_on_two_nodes_is_served_once(world):
    """Both calls read "eligible" on their own node before either writes; the
    procedure's Cluster_Locks write makes the second commit fail certification, and
    its retry reads the first one's success."""
    for outcome in rounds_through_the_procedure(world, PROCEDURE):
        assert outcome["success"] == 1, outcome
        assert outcome["not_eligible"] + outcome["busy"] == 1, outcome
    assert double_served() == []


def test_control_the_procedure_without_its_certified_write_serves_twice(
    world, uncertified_procedure
):
    results = rounds_through_the_procedure(world, uncertified_procedure)
    assert any(outcome["success"] == 2 for outcome in results), results
    assert double_served()
