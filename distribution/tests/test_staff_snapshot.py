"""Who recorded a log row or a stock movement stays as they were named then.

Distribution_Log and Stock_Movements keep `staff_name` and `staff_role` with each row,
written at INSERT by every writer (distributions, refusals, visits, voids, restocks,
adjustments and transfers here; the stored procedure and the bulk loader have tests
of their own), and a household card keeps its issuer's name, so renaming a staff
member, or changing their role, later rewrites no page, receipt or export about past
rows. A transfer shows who sent, received or cancelled it from its steps' movements.
The database refuses to change the snapshot like any other column, and refuses a row
that names a staff member but keeps none.
"""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from centers.models import StaffMember
from devtools.assertions import refused_by
from distribution.models import DistributionLog
from distribution.services import DistributionRefused, distribute_package, void_distribution
from distribution.visits import serve_household
from households.models import HouseholdCard
from households.services import issue_card
from households.tests.factories import HouseholdFactory
from inventory.models import Inventory, StockMovement
from inventory.services import (
    adjust_stock,
    cancel_transfer,
    dispatch_transfer,
    receive_transfer,
    restock,
)
from inventory.tests.factories import AidPackageFactory

pytestmark = pytest.mark.django_db

OLD_NAME = ("Amina", "Yusuf")
NEW_NAME = ("Beatrix", "Kowalczyk")


@pytest.fixture
def package():
    return AidPackageFactory(package_name="Food basket", validity_period_days=30)


@pytest.fixture
def stocked(center, package, admin_staff):
    return restock(center=center, package=package, quantity=20, staff=admin_staff)


@pytest.fixture
def named_worker(worker):
    worker.first_name, worker.last_name = OLD_NAME
    worker.save()
    return worker


def kept(row):
    return row.staff_name, row.staff_role


def as_named_now(staff):
    return f"{staff.first_name} {staff.last_name}", staff.role


def test_every_distribution_writer_keeps_the_staff_member_as_named_then(
    center, package, stocked, named_worker, manager
):
    served = distribute_package(
        household=HouseholdFactory(), package=package, center=center, staff=named_worker
    )
    with pytest.raises(DistributionRefused) as refused:
        distribute_package(
            household=served.household, package=package, center=center, staff=named_worker
        )
    visit = serve_household(
        household=HouseholdFactory(), center=center, staff=named_worker, lines=[(package, 2)]
    )
    void = void_distribution(log=served, staff=manager, reason="Entered twice")

    rows = [served, refused.value.log, *visit.logs, void]
    assert len(rows) == 4
    for row in rows[:3]:
        assert kept(row) == ("Amina Yusuf", StaffMember.Role.WORKER)
        assert kept(DistributionLog.objects.get(pk=row.pk)) == kept(row)
    assert kept(DistributionLog.objects.get(pk=void.pk)) == as_named_now(manager)


def test_a_refusal_without_a_staff_member_keeps_no_name(center, package, stocked):
    with pytest.raises(DistributionRefused) as refused:
        distribute_package(household=HouseholdFactory(), package=package, center=center, staff=None)
    row = DistributionLog.objects.get(pk=refused.value.log.pk)
    assert row.staff_id is None
    assert kept(row) == ("", "")


def test_every_stock_writer_keeps_the_staff_member_as_named_then(
    center, other_center, package, stocked, admin_staff, manager, other_manager
):
    inventory = Inventory.objects.get(center=center, package=package)
    adjust_stock(inventory=inventory, delta=-1, reason=StockMovement.Reason.DAMAGED, staff=manager)
    received = dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=4, staff=manager
    )
    receive_transfer(
        transfer=received,
        quantity_received=3,
        staff=other_manager,
        notes="One box crushed",
        loss_reason=StockMovement.Reason.DAMAGED,
    )
    cancelled = dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=2, staff=manager
    )
    cancel_transfer(transfer=cancelled, staff=admin_staff)

    movements = list(StockMovement.objects.order_by("pk").select_related("staff"))
    assert [movement.kind for movement in movements] == [
        "restock",
        "adjustment",
        "transfer_out",
        "transfer_in",
        "transit_loss",
        "transfer_out",
        "transfer_cancelled",
    ]
    for movement in movements:
        assert kept(movement) == as_named_now(movement.staff), movement


def test_the_snapshot_is_taken_from_the_staff_member_in_hand(center, package, stocked, worker):
    """Serving reads the staff member once, as it always did: the name and role come
    from the object the caller loaded, not from another query."""
    with CaptureQueriesContext(connection) as queries:
        distribute_package(
            household=HouseholdFactory(), package=package, center=center, staff=worker
        )
    reads_of_staff = [query for query in queries if "Staff_Members" in query["sql"]]
    assert len(reads_of_staff) == 1  # the rules' read_facts


def test_renaming_a_staff_member_rewrites_no_page_about_past_rows(
    client, center, other_center, package, stocked, named_worker, manager, admin_staff
):
    household = HouseholdFactory()
    log = distribute_package(
        household=household, package=package, center=center, staff=named_worker
    )
    visit = serve_household(
        household=HouseholdFactory(), center=center, staff=named_worker, lines=[(package, 1)]
    )
    named_worker.role = StaffMember.Role.MANAGER  # promoted
    named_worker.save()
    inventory = Inventory.objects.get(center=center, package=package)
    adjust_stock(
        inventory=inventory, delta=1, reason=StockMovement.Reason.FOUND, staff=named_worker
    )
    transfer = dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=1, staff=named_worker
    )
    cancelled = dispatch_transfer(
        source=center, destination=other_center, package=package, quantity=1, staff=named_worker
    )
    cancel_transfer(transfer=cancelled, staff=named_worker)
    card = issue_card(household=household, staff=named_worker)
    assert card.issued_by_name == "Amina Yusuf"

    named_worker.first_name, named_worker.last_name = NEW_NAME
    named_worker.save()

    manager_pages = [
        reverse("distribution:log"),
        reverse("distribution:receipt", args=[log.pk]),
        reverse("distribution:visit_receipt", args=[visit.pk]),
        reverse("inventory:stock"),
        reverse("inventory:transfer_detail", args=[transfer.pk]),
        reverse("inventory:transfer_waybill", args=[transfer.pk]),
        reverse("reports:subject_access", args=[household.pk]),
        reverse("reports:subject_access", args=[household.pk]) + "?format=json",
    ]
    admin_pages = [
        reverse("admin:distribution_distributionlog_changelist"),
        reverse("admin:inventory_stockmovement_changelist"),
        reverse("admin:inventory_transfer_change", args=[transfer.pk]),
        reverse("admin:inventory_transfer_change", args=[cancelled.pk]),
    ]
    for staff, urls in ((manager, manager_pages), (admin_staff, admin_pages)):
        client.force_login(staff.user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            assert "Amina Yusuf" in page, url
            assert "Kowalczyk" not in page, url


def test_the_database_refuses_to_change_a_kept_name(center, package, stocked, worker):
    log = distribute_package(
        household=HouseholdFactory(), package=package, center=center, staff=worker
    )
    movement = StockMovement.objects.get(inventory=stocked)
    for table, key, row in (
        ("Distribution_Log", "log_id", log),
        ("Stock_Movements", "movement_id", movement),
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                f"UPDATE {table} SET staff_name = %s, staff_role = %s WHERE {key} = %s",
                ["Someone Else", "admin", row.pk],
            )
        assert kept(type(row).objects.get(pk=row.pk)) == kept(row) != ("", "")


def failed_row(log, **snapshot):
    """An unsaved refusal like `log`, with the staff snapshot given (saved as sent)."""
    return DistributionLog(
        household_id=log.household_id,
        package_id=log.package_id,
        center_id=log.center_id,
        staff_id=log.staff_id,
        transaction_status=DistributionLog.Status.FAILED,
        failure_reason="Refused in a test.",
        **snapshot,
    )


@pytest.mark.parametrize(
    ("staff", "snapshot"),
    [
        pytest.param("worker", {}, id="staff-without-snapshot"),
        pytest.param("worker", {"staff_role": "worker"}, id="role-without-name"),
        pytest.param("worker", {"staff_name": "A Name"}, id="name-without-role"),
        pytest.param("worker", {"staff_name": "A Name", "staff_role": "boss"}, id="unknown-role"),
        pytest.param(None, {"staff_name": "A Name", "staff_role": "worker"}, id="nobody-with-role"),
    ],
)
def test_the_database_refuses_a_row_whose_snapshot_does_not_fit(
    center, package, stocked, worker, staff, snapshot
):
    log = distribute_package(
        household=HouseholdFactory(), package=package, center=center, staff=worker
    )
    row = failed_row(log, **snapshot)
    row.staff_id = worker.pk if staff else None
    with refused_by("chk_log_staff_snapshot"):
        DistributionLog.objects.bulk_create([row])  # no save(): the row as sent
    fitting = failed_row(log, staff_name=worker.full_name, staff_role=worker.role)
    DistributionLog.objects.bulk_create([fitting])


def test_the_database_refuses_a_movement_without_its_snapshot(stocked, worker):
    movement = StockMovement(
        inventory=stocked,
        kind=StockMovement.Kind.ADJUSTMENT,
        reason=StockMovement.Reason.FOUND,
        quantity_change=1,
        quantity_after=21,
        staff=worker,
    )
    with refused_by("chk_movement_staff_snapshot"):
        StockMovement.objects.bulk_create([movement])


def test_the_database_refuses_a_card_without_its_issuers_name(worker):
    card = HouseholdCard(household=HouseholdFactory(), code="ABCDEFGHJKMN", issued_by=worker)
    with refused_by("chk_card_issued_by_name"):
        HouseholdCard.objects.bulk_create([card])
