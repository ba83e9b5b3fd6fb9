import datetime

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centers.models import DistributionCenter, StaffMember
from centers.tests.factories import StaffMemberFactory
from distribution.models import DistributionLog
from distribution.services import (
    FAILURE_CODES,
    FAILURE_MESSAGES,
    MAX_QUANTITY,
    DistributionRefused,
    VoidRefused,
    distribute_package,
    eligibility_cutoff,
    void_distribution,
)
from distribution.statements import statements_for
from households.models import Household
from households.tests.factories import HouseholdFactory
from inventory.models import AidPackage, Inventory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def package():
    return AidPackageFactory(validity_period_days=30)


@pytest.fixture
def household():
    return HouseholdFactory()


@pytest.fixture
def stocked(center, package, admin_staff):
    return restock(center=center, package=package, quantity=10, staff=admin_staff)


def distribute(household, package, center, staff, quantity=1):
    return distribute_package(
        household=household, package=package, center=center, staff=staff, quantity=quantity
    )


def refusal_code(household, package, center, staff, quantity=1):
    with pytest.raises(DistributionRefused) as refused:
        distribute(household, package, center, staff, quantity)
    return refused.value


def test_success_decrements_stock_and_logs_the_acting_staff(
    household, package, center, worker, stocked
):
    log = distribute(household, package, center, worker, quantity=2)

    assert log.transaction_status == DistributionLog.Status.SUCCESS
    assert (log.household_id, log.package_id, log.center_id, log.staff_id) == (
        household.pk,
        package.pk,
        center.pk,
        worker.pk,
    )
    assert log.quantity_distributed == 2
    stocked.refresh_from_db()
    assert stocked.quantity_on_hand == 8


def test_returned_rows_match_what_the_database_stored(household, package, center, worker, stocked):
    """The service builds its return values from the INSERT; they must equal a fresh read."""
    success = distribute(household, package, center, worker, quantity=2)
    failed = refusal_code(household, package, center, worker).log

    for log in (success, failed):
        stored = DistributionLog.objects.get(pk=log.pk)
        assert model_to_dict(log) == model_to_dict(stored)
        assert log.distribution_date == stored.distribution_date
        assert not log._state.adding


def test_failure_codes_are_the_contract():
    assert FAILURE_CODES == (
        "invalid_quantity",
        "household_inactive",
        "package_inactive",
        "center_inactive",
        "staff_not_allowed",
        "not_eligible",
        "no_inventory",
        "insufficient_stock",
    )


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY + 1, 10**12, "2", 1.5, True, None])
def test_invalid_quantity_is_refused_and_logged(
    household, package, center, worker, stocked, quantity
):
    refused = refusal_code(household, package, center, worker, quantity)

    assert refused.code == "invalid_quantity"
    assert refused.log.transaction_status == DistributionLog.Status.FAILED
    assert refused.log.failure_reason == FAILURE_MESSAGES["invalid_quantity"]
    assert refused.log.quantity_distributed == 1
    assert str(quantity)[:20] in refused.log.notes
    stocked.refresh_from_db()
    assert stocked.quantity_on_hand == 10


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (
            lambda ctx: ctx["household"].__setattr__("status", Household.Status.SUSPENDED),
            "household_inactive",
        ),
        (lambda ctx: ctx["package"].__setattr__("is_active", False), "package_inactive"),
        (
            lambda ctx: ctx["center"].__setattr__("status", DistributionCenter.Status.MAINTENANCE),
            "center_inactive",
        ),
        (
            lambda ctx: ctx["worker"].__setattr__("status", StaffMember.Status.ON_LEAVE),
            "staff_not_allowed",
        ),
    ],
)
def test_inactive_parties_are_refused(household, package, center, worker, stocked, setup, code):
    ctx = {"household": household, "package": package, "center": center, "worker": worker}
    setup(ctx)
    for obj in ctx.values():
        obj.save()

    refused = refusal_code(household, package, center, worker)

    assert refused.code == code
    assert refused.log.failure_code == code
    assert refused.log.failure_reason == FAILURE_MESSAGES[code]
    stocked.refresh_from_db()
    assert stocked.quantity_on_hand == 10


def test_staff_of_another_center_is_refused(
    household, package, center, other_center, stocked, admin_staff
):
    outsider = StaffMemberFactory(center=other_center, role=StaffMember.Role.MANAGER)
    assert refusal_code(household, package, center, outsider).code == "staff_not_allowed"


def test_admin_may_distribute_at_any_center(household, package, other_center, admin_staff):
    restock(center=other_center, package=package, quantity=3, staff=admin_staff)
    assert distribute(household, package, other_center, admin_staff).transaction_status == "success"


def test_repeat_within_validity_is_refused_at_any_center(
    household, package, center, other_center, worker, admin_staff, stocked
):
    restock(center=other_center, package=package, quantity=5, staff=admin_staff)
    distribute(household, package, center, worker)

    assert refusal_code(household, package, center, worker).code == "not_eligible"
    assert refusal_code(household, package, other_center, admin_staff).code == "not_eligible"


def test_failed_attempt_does_not_block_eligibility(household, package, center, worker, stocked):
    refusal_code(household, package, center, worker, quantity=50)
    assert distribute(household, package, center, worker).transaction_status == "success"


def test_no_inventory_and_insufficient_stock(household, package, center, worker, stocked):
    other_package = AidPackageFactory()
    assert refusal_code(household, other_package, center, worker).code == "no_inventory"
    assert (
        refusal_code(household, package, center, worker, quantity=11).code == "insufficient_stock"
    )


def test_checks_run_in_contract_order(household, package, center, worker):
    household.status = Household.Status.INACTIVE
    household.save()
    package.is_active = False
    package.save()
    # Inactive household outranks inactive package and the missing inventory row.
    assert refusal_code(household, package, center, worker).code == "household_inactive"
    assert refusal_code(household, package, center, worker, quantity=0).code == "invalid_quantity"


def test_eligibility_uses_utc_calendar_days():
    today = datetime.date(2026, 3, 31)
    cutoff = eligibility_cutoff(30, today=today)
    assert cutoff == datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
    assert eligibility_cutoff(1, today=today) == datetime.datetime(2026, 3, 31, tzinfo=datetime.UTC)


def test_distribution_older_than_validity_no_longer_blocks(
    household, package, center, worker, stocked
):
    old = DistributionLog.objects.create(
        household=household,
        package=package,
        center=center,
        staff=worker,
        distribution_date=timezone.now() - datetime.timedelta(days=30),
    )
    assert old.pk
    assert distribute(household, package, center, worker).transaction_status == "success"


def test_void_restores_stock_and_eligibility(household, package, center, worker, manager, stocked):
    log = distribute(household, package, center, worker, quantity=3)

    void = void_distribution(log=log, staff=manager, reason="Handed to the wrong family")

    assert void.transaction_status == DistributionLog.Status.CANCELLED
    assert void.voided_log_id == log.pk
    assert void.staff_id == manager.pk
    assert void.quantity_distributed == 3
    stocked.refresh_from_db()
    assert stocked.quantity_on_hand == 10
    assert distribute(household, package, center, worker).transaction_status == "success"


def test_void_refusals(household, package, center, worker, manager, other_manager, stocked):
    log = distribute(household, package, center, worker)
    failed = refusal_code(household, package, center, worker).log

    cases = [
        (dict(log=log, staff=worker, reason="x"), "staff_not_allowed"),
        (dict(log=log, staff=other_manager, reason="x"), "staff_not_allowed"),
        (dict(log=log, staff=manager, reason="  "), "reason_required"),
        (dict(log=failed, staff=manager, reason="x"), "not_voidable"),
    ]
    for kwargs, code in cases:
        with pytest.raises(VoidRefused) as refused:
            void_distribution(**kwargs)
        assert refused.value.code == code

    void = void_distribution(log=log, staff=manager, reason="duplicate entry")
    with pytest.raises(VoidRefused) as refused:
        void_distribution(log=log, staff=manager, reason="again")
    assert refused.value.code == "already_voided"
    with pytest.raises(VoidRefused):
        void_distribution(log=void, staff=manager, reason="void the void")
    stocked.refresh_from_db()
    assert stocked.quantity_on_hand == 10


# The lot step, under the inventory row's lock: read the row's unexpired lots, take
# from the first to expire, record the take for a void. Three statements when one lot
# serves the distribution (one UPDATE more per further lot it needs).
LOT_STEP = 3


@pytest.mark.django_db(transaction=True)
def test_distribution_issues_at_most_six_queries_and_the_lot_step(center, worker, admin_staff):
    household = HouseholdFactory()
    package = AidPackageFactory()
    restock(center=center, package=package, quantity=5, staff=admin_staff)

    with CaptureQueriesContext(connection) as queries:
        distribute(household, package, center, worker)

    # Transaction control (SQLite's BEGIN IMMEDIATE / COMMIT) is not a query on a table.
    statements = [q["sql"] for q in queries if q["sql"].split()[0] not in ("BEGIN", "COMMIT")]
    assert len(statements) <= 6 + LOT_STEP, statements
    assert not any("JOIN" in sql and "FOR UPDATE" in sql for sql in statements), statements
    assert Inventory.objects.get(center=center, package=package).quantity_on_hand == 4


@pytest.mark.mysql(reason="MariaDB's UPDATE plan")
def test_taking_stock_locks_one_inventory_row_through_the_unique_index(center, package):
    """An UPDATE through the package_id index would lock that package at every center."""
    take_stock = statements_for(connection.vendor).take_stock
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {take_stock}", [1, timezone.now(), center.pk, package.pk, 1])
        columns = [column[0] for column in cursor.description]
        plan = dict(zip(columns, cursor.fetchone(), strict=True))
    assert plan["key"] == "uq_center_package"


def test_package_category_choices_match_seed():
    assert set(AidPackage.Category.values) == {
        "food",
        "medical",
        "shelter",
        "hygiene",
        "education",
        "emergency",
    }
