"""Many handovers at once from one row with three lots, one of them expired: real threads,
one connection each (as in test_concurrency), through the service and, on
MySQL/MariaDB, the stored procedure.

No unit is sold twice, no expired unit leaves, the first lot to expire empties before
the next is touched, and the lots add up to the row at the end.
"""

from collections import Counter
from functools import partial

import pytest

from distribution.models import DistributionLog, LotTake
from distribution.services import DistributionRefused, distribute_package
from distribution.tests.procedures import call_distribute
from distribution.tests.test_concurrency import run_concurrently
from households.tests.factories import HouseholdFactory
from inventory.models import Inventory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory
from inventory.tests.lots import assert_lots_add_up, day, lots_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

THREADS = 24
USABLE = 10  # lots B and A; lot OLD (5) has expired


def via_service(household, package, center, staff, quantity):
    try:
        distribute_package(
            household=household, package=package, center=center, staff=staff, quantity=quantity
        )
    except DistributionRefused as refused:
        return refused.code
    return "success"


def via_procedure(household, package, center, staff, quantity):
    _, status, _ = call_distribute(household.pk, package.pk, center.pk, staff.pk, quantity)
    return status


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(via_service, id="service"),
        pytest.param(
            via_procedure,
            id="procedure",
            marks=pytest.mark.mysql(reason="Stored procedures exist only on MySQL/MariaDB."),
        ),
    ],
)
def test_many_handovers_at_once_take_lots_in_order_and_never_oversell(
    path, center, worker, admin_staff
):
    package = AidPackageFactory(package_name="Rice", is_perishable=True, validity_period_days=30)
    for code, quantity, expiry in (("A", 6, day(40)), ("OLD", 5, day(-1)), ("B", 4, day(10))):
        restock(
            center=center,
            package=package,
            quantity=quantity,
            staff=admin_staff,
            lot_code=code,
            expiry_date=expiry,
        )
    households = HouseholdFactory.create_batch(THREADS)
    asked = [1 + index % 2 for index in range(THREADS)]  # 1 and 2 units by turns

    outcomes = run_concurrently(
        *(
            partial(path, household, package, center, worker, quantity)
            for household, quantity in zip(households, asked, strict=True)
        )
    )

    assert [outcome.error for outcome in outcomes if outcome.error] == []
    assert set(Counter(outcome.result for outcome in outcomes)) <= {"success", "insufficient_stock"}
    served = DistributionLog.objects.filter(package=package, transaction_status="success")
    handed_out = sum(served.values_list("quantity_distributed", flat=True))
    assert USABLE - 1 <= handed_out <= USABLE  # a last ask of 2 may find 1 left
    inventory = Inventory.objects.get(center=center, package=package)
    assert inventory.quantity_on_hand == 15 - handed_out
    assert lots_of(center, package) == [
        ("OLD", day(-1), 5),
        ("B", day(10), 0),
        ("A", day(40), USABLE - handed_out),
    ]
    # Takes in the order the row's lock let them in (log ids): every unit of B before A.
    order = [
        take.lot.lot_code
        for take in LotTake.objects.filter(log__in=served)
        .select_related("lot")
        .order_by("log_id", "pk")
        for _ in range(take.quantity)
    ]
    assert order == ["B"] * 4 + ["A"] * (handed_out - 4)
    assert_lots_add_up()
