"""A transfer's dispatch and distributions racing on the source's last units.

Each worker is a thread with its own connection, released together by a barrier
(distribution/tests/test_concurrency.py's harness). The control test first removes the
dispatch's row lock and shows the harness then sees the race; the other tests show
that with the lock no unit is ever sold twice, on SQLite and MariaDB alike.
"""

import threading
from functools import partial
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection

from centers.models import StaffMember
from centers.tests.factories import StaffMemberFactory
from distribution.models import DistributionLog
from distribution.services import DistributionRefused, distribute_package
from distribution.tests.test_concurrency import (
    SQLITE_SERIALISES_WRITERS,
    TIMEOUT,
    run_concurrently,
)
from households.tests.factories import HouseholdFactory
from inventory import lots, transfers
from inventory.lot_models import utc_today
from inventory.models import Inventory, StockMovement, Transfer
from inventory.services import dispatch_transfer, restock
from inventory.tests.factories import AidPackageFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LAST_UNITS = 5


@pytest.fixture
def source(center, admin_staff):
    """The center, holding the last LAST_UNITS units of a package; its worker and manager."""
    package = AidPackageFactory(validity_period_days=30)
    inventory = restock(center=center, package=package, quantity=LAST_UNITS, staff=admin_staff)
    return {
        "center": center,
        "package": package,
        "inventory": inventory,
        "worker": StaffMemberFactory(role=StaffMember.Role.WORKER, center=center),
        "manager": StaffMemberFactory(role=StaffMember.Role.MANAGER, center=center),
    }


def dispatch(source, destination, quantity):
    return partial(
        dispatch_transfer,
        source=source["center"],
        destination=destination,
        package=source["package"],
        quantity=quantity,
        staff=source["manager"],
    )


def distribute(source, household):
    return partial(
        distribute_package,
        household=household,
        package=source["package"],
        center=source["center"],
        staff=source["worker"],
    )


def units_taken(outcomes):
    """Units that left the source: successful dispatches' quantities and distributions."""
    taken = 0
    for outcome in outcomes:
        if outcome.error is None:
            result = outcome.result
            taken += result.quantity if isinstance(result, Transfer) else 1
    return taken


def unexpected_errors(outcomes):
    """Every error other than the two clear refusals for want of stock."""
    expected = []
    for outcome in outcomes:
        error = outcome.error
        if type(error) is DistributionRefused and error.code == "insufficient_stock":
            continue
        if isinstance(error, ValidationError) and error.code == "insufficient_stock":
            continue
        if error is not None:
            expected.append(error)
    return expected


@pytest.mark.parametrize(
    ("dispatches", "distributions"),
    [
        pytest.param((LAST_UNITS,), LAST_UNITS, id="one-dispatch-of-all-units"),
        pytest.param((2, 3, 4), 6, id="three-dispatches"),
        pytest.param((1, 1, 1, 1), 4, id="single-units"),
    ],
)
def test_dispatch_and_distributions_never_oversell_the_last_units(
    source, other_center, dispatches, distributions
):
    households = HouseholdFactory.create_batch(distributions)
    calls = [dispatch(source, other_center, quantity) for quantity in dispatches]
    calls += [distribute(source, household) for household in households]

    outcomes = run_concurrently(*calls)

    assert unexpected_errors(outcomes) == []
    taken = units_taken(outcomes)
    assert taken <= LAST_UNITS
    inventory = Inventory.objects.get(pk=source["inventory"].pk)
    assert inventory.quantity_on_hand == LAST_UNITS - taken
    sent = Transfer.objects.filter(source=source["center"])
    served = DistributionLog.objects.filter(
        center=source["center"], transaction_status=DistributionLog.Status.SUCCESS
    )
    assert sum(sent.values_list("quantity", flat=True)) + served.count() == taken
    # Each dispatch's movement says what was on hand after it, in the order they ran.
    movements = StockMovement.objects.filter(inventory=inventory, kind="transfer_out")
    assert movements.count() == sent.count()
    assert all(m.quantity_after >= 0 for m in movements)
    call_command("check_stock", stdout=StringIO())


class ReadThenWait:
    """Stand-in for the dispatch's locked read: read without the lock, then wait.

    It reads the units on hand and the row's lots as plain SELECTs, says so, and
    waits until the distributions have taken them: the worst interleaving, every
    time. The dispatch then plans its lots from what was read (`lots_read`).
    """

    usable_lots = staticmethod(lots.usable_lots)  # the real read, before it is replaced

    def __init__(self):
        self.read_done = threading.Event()
        self.distributions_done = threading.Event()
        self.seen = None
        self.lots = None

    def __call__(self, center_id, package_id):
        row = (
            Inventory.objects.filter(center_id=center_id, package_id=package_id)
            .values_list("pk", "quantity_on_hand")
            .get()
        )
        self.seen = row[1]
        self.lots = self.usable_lots(row[0], utc_today())
        self.read_done.set()
        assert self.distributions_done.wait(TIMEOUT)
        return row

    def lots_read(self, inventory_id, today):
        return self.lots


def test_the_race_happens_if_we_disable_the_dispatch_lock(monkeypatch, source, other_center):
    if connection.vendor == "sqlite":
        pytest.skip(SQLITE_SERIALISES_WRITERS)
    unlocked = ReadThenWait()
    monkeypatch.setattr(transfers, "_lock_stock", unlocked)
    monkeypatch.setattr(transfers.lots, "usable_lots", unlocked.lots_read)
    households = HouseholdFactory.create_batch(LAST_UNITS)

    def distribute_all_after_the_read():
        assert unlocked.read_done.wait(TIMEOUT)
        try:
            return [distribute(source, household)() for household in households]
        finally:
            unlocked.distributions_done.set()

    dispatched, distributed = run_concurrently(
        dispatch(source, other_center, LAST_UNITS), distribute_all_after_the_read
    )

    # The dispatch decided on the 5 units it read, which the distributions then took:
    # 10 units promised from 5. Only the database's CHECKs (a lot's quantity >= 0,
    # quantity_on_hand >= 0) stopped it, with an error instead of the clear refusal
    # the lock gives.
    assert distributed.error is None
    assert len(distributed.result) == LAST_UNITS
    assert unlocked.seen == LAST_UNITS
    assert isinstance(dispatched.error, IntegrityError)
    assert "chk_lot_quantity" in str(dispatched.error)
    assert not Transfer.objects.exists()
    assert Inventory.objects.get(pk=source["inventory"].pk).quantity_on_hand == 0


def test_with_the_lock_a_dispatch_after_the_distributions_is_refused_clearly(
    monkeypatch, source, other_center
):
    """The same interleaving as the control test, with the real locked read."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's IMMEDIATE transactions give the dispatch the database's write lock "
            "from its first statement: the distributions cannot run inside it."
        )
    households = HouseholdFactory.create_batch(LAST_UNITS)
    locked = threading.Event()
    real_lock = transfers._lock_stock

    def lock_after_the_distributions(center_id, package_id):
        assert locked.wait(TIMEOUT)
        return real_lock(center_id, package_id)

    monkeypatch.setattr(transfers, "_lock_stock", lock_after_the_distributions)

    def distribute_all_first():
        try:
            return [distribute(source, household)() for household in households]
        finally:
            locked.set()

    dispatched, distributed = run_concurrently(
        dispatch(source, other_center, LAST_UNITS), distribute_all_first
    )

    assert distributed.error is None
    assert len(distributed.result) == LAST_UNITS
    assert isinstance(dispatched.error, ValidationError)
    assert dispatched.error.messages == [
        f"Not enough stock to send {LAST_UNITS}: 0 on hand at {source['center'].center_name}."
    ]
    assert not Transfer.objects.exists()
    call_command("check_stock", stdout=StringIO())
