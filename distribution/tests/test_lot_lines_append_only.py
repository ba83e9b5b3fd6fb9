"""The lots a distribution or a transfer took its units from are append-only too.

Distribution_Lot_Takes (the lots a success took, which its void reads to put the
units back) and Stock_Transfer_Lots (the lots a transfer carries, read when it
arrives or is cancelled) are written once and only read afterwards: triggers refuse
every UPDATE and DELETE, whoever sends them.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from distribution.models import LotTake
from distribution.services import distribute_package, void_distribution
from households.tests.factories import HouseholdFactory
from inventory.models import TransferLot
from inventory.services import cancel_transfer, dispatch_transfer, restock
from inventory.tests.factories import AidPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(center, other_center, admin_staff, worker, manager):
    """One lot take (a success) and one transfer lot (a transfer in transit)."""
    package = AidPackageFactory(validity_period_days=30)
    restock(center=center, package=package, quantity=10, staff=admin_staff)
    log = distribute_package(
        household=HouseholdFactory(), package=package, center=center, staff=worker
    )
    transfer = dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=3, staff=manager
    )
    return {
        "Distribution_Lot_Takes": (LotTake.objects.get(log=log), "take_id"),
        "Stock_Transfer_Lots": (TransferLot.objects.get(transfer=transfer), "transfer_lot_id"),
        "log": log,
        "transfer": transfer,
    }


def rows(line):
    return list(type(line).objects.filter(pk=line.pk).values())


def assert_refused(sql, params, word):
    with (
        pytest.raises(DatabaseError) as excinfo,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    assert "append-only" in str(excinfo.value)
    assert word in str(excinfo.value)


@pytest.mark.parametrize("table", ["Distribution_Lot_Takes", "Stock_Transfer_Lots"])
@pytest.mark.parametrize(
    "set_clause", ["quantity = quantity + 1", "lot_id = lot_id", "quantity = quantity"]
)
def test_an_update_of_a_lot_line_is_refused(lines, table, set_clause):
    line, key = lines[table]
    before = rows(line)
    assert_refused(f"UPDATE {table} SET {set_clause} WHERE {key} = %s", [line.pk], "updated")
    assert rows(line) == before


@pytest.mark.parametrize("table", ["Distribution_Lot_Takes", "Stock_Transfer_Lots"])
@pytest.mark.parametrize("where", ["WHERE {key} = %s", ""])
def test_a_delete_of_lot_lines_is_refused(lines, table, where):
    line, key = lines[table]
    where = where.format(key=key)
    assert_refused(f"DELETE FROM {table} {where}", [line.pk] if where else [], "deleted")
    assert rows(line)


def test_a_void_and_a_cancellation_only_read_their_lines(lines, manager, admin_staff):
    void_distribution(log=lines["log"], staff=manager, reason="Entered twice")
    cancel_transfer(transfer=lines["transfer"], staff=admin_staff)
    assert LotTake.objects.filter(log=lines["log"]).count() == 1
    assert TransferLot.objects.filter(transfer=lines["transfer"]).count() == 1
