"""The handover takes units first to expire first, never expired ones: through
`distribute_package` and, on MySQL/MariaDB, `CALL sp_distribute_package` alike (each
test runs both ways), and through `serve_household`. A void puts units back into the
lots they came from. After every step the lots add up to the row."""

import pytest
from django.db import OperationalError, connection

from devtools.triggers import append_only_triggers_lifted
from distribution.models import DistributionLog, LotTake
from distribution.services import (
    DistributionRefused,
    distribute_package,
    serve_household,
    void_distribution,
)
from distribution.tests.procedures import call_distribute, call_restock
from households.tests.factories import HouseholdFactory
from inventory.models import Inventory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory
from inventory.tests.lots import assert_lots_add_up, day, lots_of

# The procedure commits inside, so the tests that call it are transactional.
pytestmark = pytest.mark.django_db(transaction=True)

RUNNERS = [
    pytest.param("service", id="service"),
    pytest.param(
        "procedure",
        id="procedure",
        marks=pytest.mark.mysql(reason="Stored procedures exist only on MySQL/MariaDB."),
    ),
]


@pytest.fixture(params=RUNNERS)
def distribute(request, center, worker):
    """Distribute through the service or the procedure: return (status, log row)."""

    def run(package, quantity=1, household=None):
        household = household or HouseholdFactory()
        if request.param == "procedure":
            log_id, status, _ = call_distribute(
                household.pk, package.pk, center.pk, worker.pk, quantity
            )
            return status, DistributionLog.objects.get(pk=log_id)
        try:
            log = distribute_package(
                household=household, package=package, center=center, staff=worker, quantity=quantity
            )
        except DistributionRefused as refused:
            return refused.code, refused.log
        return "success", log

    return run


@pytest.fixture
def package():
    """Not perishable, so it can also hold units without an expiry date."""
    return AidPackageFactory(package_name="Rice", is_perishable=False)


def stock(center, package, staff, *lots):
    """Restock (code, units, expiry) lots in that order; return the inventory row."""
    for code, quantity, expiry in lots:
        inventory = restock(
            center=center,
            package=package,
            quantity=quantity,
            staff=staff,
            lot_code=code,
            expiry_date=expiry,
        )
    return inventory


def takes(log):
    """[(lot code, units)] the success took, first taken first."""
    return [
        (take.lot.lot_code, take.quantity)
        for take in LotTake.objects.filter(log=log).select_related("lot").order_by("pk")
    ]


def on_hand(center, package):
    return Inventory.objects.get(center=center, package=package).quantity_on_hand


def test_units_leave_first_to_expire_first_and_undated_units_last(
    distribute, center, package, admin_staff
):
    stock(
        center,
        package,
        admin_staff,
        ("N", 3, None),
        ("A", 2, day(40)),
        ("B", 2, day(10)),
        ("C", 1, day(200)),
    )

    taken = []
    for _ in range(8):
        status, log = distribute(package)
        assert status == "success"
        (take,) = takes(log)
        taken.append(take)
        assert_lots_add_up()

    assert [code for code, _ in taken] == ["B", "B", "A", "A", "C", "N", "N", "N"]
    status, log = distribute(package)
    assert (status, log.failure_code) == ("insufficient_stock", "insufficient_stock")
    assert_lots_add_up()


def test_an_expired_lot_is_skipped(distribute, center, package, admin_staff):
    stock(center, package, admin_staff, ("OLD", 3, day(-1)), ("B", 2, day(10)))

    status, log = distribute(package, quantity=2)

    assert status == "success"
    assert takes(log) == [("B", 2)]
    assert lots_of(center, package) == [("OLD", day(-1), 3), ("B", day(10), 0)]
    assert on_hand(center, package) == 3  # expired units count on hand until written off
    status, _ = distribute(package)
    assert status == "insufficient_stock"
    assert_lots_add_up()


def test_only_expired_units_are_refused_as_an_empty_row_is(
    distribute, center, package, admin_staff
):
    stock(center, package, admin_staff, ("OLD", 5, day(-1)), ("OLDER", 5, day(-30)))
    household = HouseholdFactory()

    status, log = distribute(package, quantity=1, household=household)

    assert status == "insufficient_stock"
    assert (log.transaction_status, log.failure_code) == ("failed", "insufficient_stock")
    assert not LotTake.objects.exists()
    assert on_hand(center, package) == 10
    assert lots_of(center, package) == [("OLDER", day(-30), 5), ("OLD", day(-1), 5)]
    assert_lots_add_up()


def test_too_few_unexpired_units_are_refused(distribute, center, package, admin_staff):
    stock(center, package, admin_staff, ("OLD", 5, day(-1)), ("B", 2, day(10)))

    status, _ = distribute(package, quantity=3)

    assert status == "insufficient_stock"
    assert lots_of(center, package) == [("OLD", day(-1), 5), ("B", day(10), 2)]
    assert_lots_add_up()


def test_a_take_runs_across_two_lots(distribute, center, package, admin_staff):
    stock(center, package, admin_staff, ("A", 10, day(40)), ("B", 2, day(10)))

    status, log = distribute(package, quantity=5)

    assert status == "success"
    assert takes(log) == [("B", 2), ("A", 3)]
    assert lots_of(center, package) == [("B", day(10), 0), ("A", day(40), 7)]
    assert_lots_add_up()


def test_a_void_puts_the_units_back_into_the_lots_they_came_from(
    distribute, center, package, admin_staff, manager
):
    stock(center, package, admin_staff, ("A", 10, day(40)), ("B", 2, day(10)))
    _, log = distribute(package, quantity=5)
    _, later = distribute(package, quantity=1)  # from A: B is empty
    assert takes(later) == [("A", 1)]

    void_distribution(log=log, staff=manager, reason="Handed to the wrong family")

    assert lots_of(center, package) == [("B", day(10), 2), ("A", day(40), 9)]
    assert on_hand(center, package) == 11
    assert_lots_add_up()


def test_a_void_of_a_distribution_from_before_lots_returns_units_without_a_lot(
    center, package, admin_staff, worker, manager
):
    stock(center, package, admin_staff, ("A", 4, day(40)))
    log = distribute_package(
        household=HouseholdFactory(), package=package, center=center, staff=worker, quantity=2
    )
    with append_only_triggers_lifted(connection):  # as if recorded before lots existed
        LotTake.objects.filter(log=log).delete()

    void_distribution(log=log, staff=manager, reason="Recorded twice")

    assert lots_of(center, package) == [("A", day(40), 2), (None, None, 2)]
    assert_lots_add_up()


# --- A visit basket takes from lots too (the service only) ---------------------------


def test_a_visit_hands_out_unexpired_units_and_owes_the_rest(center, worker, admin_staff):
    rice = AidPackageFactory(package_name="Rice", is_perishable=True, units_per_household=4)
    oil = AidPackageFactory(package_name="Oil", is_perishable=True)
    stock(center, rice, admin_staff, ("OLD", 10, day(-1)), ("B", 1, day(5)), ("A", 2, day(50)))
    stock(center, oil, admin_staff, ("OLD", 10, day(-1)))
    household = HouseholdFactory(family_size=4)

    visit = serve_household(
        household=household, center=center, staff=worker, lines=[(rice, None), (oil, 1)]
    )

    rice_log, oil_log = visit.logs
    assert (rice_log.transaction_status, rice_log.quantity_distributed) == ("success", 3)
    assert takes(rice_log) == [("B", 1), ("A", 2)]
    assert rice_log.owed.quantity_owed == 1
    assert oil_log.failure_code == "insufficient_stock"
    assert lots_of(center, rice) == [("OLD", day(-1), 10), ("B", day(5), 0), ("A", day(50), 0)]
    assert_lots_add_up()


def test_a_due_line_with_only_expired_units_is_refused(center, worker, admin_staff, manager):
    rice = AidPackageFactory(package_name="Rice", is_perishable=True)
    stock(center, rice, admin_staff, ("OLD", 10, day(-1)))

    visit = serve_household(
        household=HouseholdFactory(), center=center, staff=worker, lines=[(rice, None)]
    )

    (log,) = visit.logs
    assert log.failure_code == "insufficient_stock"
    assert on_hand(center, rice) == 10
    assert_lots_add_up()


def test_a_void_of_a_visit_line_puts_its_units_back(center, worker, admin_staff, manager):
    rice = AidPackageFactory(package_name="Rice", is_perishable=True, units_per_household=3)
    stock(center, rice, admin_staff, ("B", 1, day(5)), ("A", 5, day(50)))
    visit = serve_household(
        household=HouseholdFactory(), center=center, staff=worker, lines=[(rice, None)]
    )

    void_distribution(log=visit.logs[0], staff=manager, reason="Wrong household")

    assert lots_of(center, rice) == [("B", day(5), 1), ("A", day(50), 5)]
    assert_lots_add_up()


# --- sp_restock_inventory --------------------------------------------------------------


@pytest.mark.mysql(reason="Stored procedures exist only on MySQL/MariaDB.")
def test_the_restock_procedure_adds_to_the_lot_without_code_and_refuses_perishables(
    center, package, admin_staff
):
    stock(center, package, admin_staff, ("A", 2, day(40)))

    call_restock(center.pk, package.pk, 3)
    call_restock(center.pk, package.pk, 4)

    assert lots_of(center, package) == [("A", day(40), 2), (None, None, 7)]
    restocks = Inventory.objects.get(center=center, package=package).movements.order_by("pk")
    assert [m.lot.lot_code for m in restocks] == ["A", None, None]
    rice = AidPackageFactory(is_perishable=True)
    with pytest.raises(OperationalError, match=f"package {rice.pk} is perishable"):
        call_restock(center.pk, rice.pk, 3)
    assert not Inventory.objects.filter(package=rice).exists()
    assert_lots_add_up()
