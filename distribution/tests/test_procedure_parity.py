"""The parity table: `distribute_package` against `CALL sp_distribute_package` (MySQL/MariaDB only).

Every scenario of the table is played twice on identical fresh fixtures, once
through `distribute_package` and once through `CALL sp_distribute_package`, and
the two outcomes must be equal. The procedures COMMIT inside, so every test here
is transactional.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from centers.models import DistributionCenter, StaffMember
from distribution.models import DistributionLog, OwedItem
from distribution.selectors import owed_items
from distribution.services import (
    FAILURE_MESSAGES,
    DistributionRefused,
    distribute_package,
    eligibility_cutoff,
    serve_household,
    void_distribution,
)
from distribution.tests.procedures import PROCEDURE_TEST_MARKS, build_world, call_distribute
from households.models import Household
from inventory.models import AidPackage, Inventory
from inventory.services import restock

pytestmark = PROCEDURE_TEST_MARKS


# --- The two ways to distribute ---------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    log: DistributionLog
    status: str
    reason: str | None


def via_service(*, household, package, center, staff, quantity):
    try:
        log = distribute_package(
            household=household, package=package, center=center, staff=staff, quantity=quantity
        )
    except DistributionRefused as refused:
        return Attempt(refused.log, refused.code, refused.message)
    return Attempt(log, "success", None)


def via_procedure(*, household, package, center, staff, quantity):
    log_id, status, reason = call_distribute(
        household.pk, package.pk, center.pk, staff.pk if staff else None, quantity
    )
    return Attempt(DistributionLog.objects.get(pk=log_id), status, reason)


# --- Scenario steps (run before the attempt under test, with the same runner) ------


def update(name, **fields):
    """Change fields of one world object and save it."""

    def step(world, distribute):
        obj = getattr(world, name)
        for field, value in fields.items():
            setattr(obj, field, value)
        obj.save()

    return step


def earlier(*, household="household", center="center", staff="worker", quantity=1):
    """An earlier attempt through the same runner (service or procedure)."""

    def step(world, distribute):
        return distribute(
            household=getattr(world, household),
            package=world.package,
            center=getattr(world, center),
            staff=getattr(world, staff),
            quantity=quantity,
        )

    return step


def voided_earlier(world, distribute):
    """An earlier success, voided with the service by the center's manager."""
    attempt = earlier()(world, distribute)
    assert attempt.status == "success"
    void_distribution(log=attempt.log, staff=world.manager, reason="Handed to the wrong family")


def backdated_success(offset):
    """A success row dated `offset` after the eligibility cutoff of `package`."""

    def step(world, distribute):
        DistributionLog.objects.create(
            household=world.household,
            package=world.package,
            center=world.center,
            staff=world.worker,
            distribution_date=eligibility_cutoff(world.package.validity_period_days) + offset,
            transaction_status=DistributionLog.Status.SUCCESS,
        )

    return step


def restocked(package, quantity, *, center="other_center"):
    """Units of a world package delivered to a center (by the admin)."""

    def step(world, distribute):
        restock(
            center=getattr(world, center),
            package=getattr(world, package),
            quantity=quantity,
            staff=world.admin,
        )

    return step


def short_visit(package="package", *, units_per_household=8):
    """A visit at `other_center` asks for what is due and gets less: the rest is owed.

    `package` is due `units_per_household` units; `other_center` holds fewer (5 of
    `package`), so the visit hands them all out and records the shortfall as owed.
    """

    def step(world, distribute):
        due = getattr(world, package)
        due.units_per_household = units_per_household
        due.save()
        visit = serve_household(
            household=world.household,
            center=world.other_center,
            staff=world.admin,
            lines=[(due, None)],
        )
        (log,) = visit.logs
        assert log.transaction_status == DistributionLog.Status.SUCCESS
        assert log.owed.quantity_owed == units_per_household - log.quantity_distributed

    return step


def owed_item(expires_in, *, quantity_owed=3):
    """A success by the service, then an owed item for it written directly (to date it)."""

    def step(world, distribute):
        log = distribute_package(
            household=world.household,
            package=world.package,
            center=world.center,
            staff=world.worker,
            quantity=1,
        )
        now = timezone.now()
        OwedItem.objects.create(
            household=world.household,
            package=world.package,
            center=world.center,
            log=log,
            quantity_owed=quantity_owed,
            expires_at=now + expires_in,
            created_at=now,
        )

    return step


def void_owing_success(world, distribute):
    """Void (as the admin) the success that created the household's owed item."""
    (owed,) = OwedItem.objects.filter(household=world.household)
    void_distribution(log=owed.log, staff=world.admin, reason="Recorded for the wrong family")


@dataclass(frozen=True)
class Scenario:
    expected: str
    steps: tuple = ()
    quantity: int | None = 1
    staff: str | None = "worker"
    center: str = "center"
    package: str = "package"
    # The household's owed item (by creation order) the resulting row points at.
    owed_item: int | None = None


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str | None
    transaction_status: str
    failure_code: str | None
    failure_reason: str | None
    quantity_distributed: int
    notes: str | None
    parties: tuple
    quantity_on_hand: int | None
    owed_item: int | None  # the household's owed items, numbered in creation order
    still_owed: tuple  # (owed item, units) of the household's open owed items after


def play(scenario, distribute):
    """Build a fresh world, run the scenario's steps, then the attempt; describe the result."""
    world = build_world()
    for step in scenario.steps:
        step(world, distribute)
    center = getattr(world, scenario.center)
    package = getattr(world, scenario.package)
    attempt = distribute(
        household=world.household,
        package=package,
        center=center,
        staff=getattr(world, scenario.staff) if scenario.staff else None,
        quantity=scenario.quantity,
    )
    log = DistributionLog.objects.get(pk=attempt.log.pk)
    # Naive UTC DATETIME(6) on MySQL: the procedure must write UTC too.
    assert abs(log.distribution_date - timezone.now()) < datetime.timedelta(minutes=1)
    owed_ids = list(
        OwedItem.objects.filter(household=world.household)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return Outcome(
        status=attempt.status,
        reason=attempt.reason,
        transaction_status=log.transaction_status,
        failure_code=log.failure_code,
        failure_reason=log.failure_reason,
        quantity_distributed=log.quantity_distributed,
        notes=log.notes,
        parties=(
            world.name_of(Household, log.household_id),
            world.name_of(AidPackage, log.package_id),
            world.name_of(DistributionCenter, log.center_id),
            world.name_of(StaffMember, log.staff_id),
        ),
        quantity_on_hand=Inventory.objects.filter(center=center, package=package)
        .values_list("quantity_on_hand", flat=True)
        .first(),
        owed_item=None if log.owed_item_id is None else owed_ids.index(log.owed_item_id),
        still_owed=tuple(
            (owed_ids.index(item.pk), item.quantity) for item in owed_items(world.household)
        ),
    )


MICROSECOND = datetime.timedelta(microseconds=1)
HOUSEHOLD_SUSPENDED = update("household", status=Household.Status.SUSPENDED)
PACKAGE_INACTIVE = update("package", is_active=False)
WORKER_ON_LEAVE = update("worker", status=StaffMember.Status.ON_LEAVE)

SCENARIOS = [
    pytest.param(Scenario("success"), id="success"),
    pytest.param(Scenario("success", quantity=3), id="success-three-units"),
    pytest.param(Scenario("success", quantity=10), id="success-takes-the-last-units"),
    pytest.param(
        Scenario("success", staff="admin", center="other_center"), id="success-admin-any-center"
    ),
    pytest.param(Scenario("invalid_quantity", quantity=0), id="invalid-quantity-zero"),
    pytest.param(Scenario("invalid_quantity", quantity=-1), id="invalid-quantity-negative"),
    pytest.param(Scenario("invalid_quantity", quantity=101), id="invalid-quantity-over-max"),
    pytest.param(Scenario("invalid_quantity", quantity=None), id="invalid-quantity-null"),
    pytest.param(
        Scenario(
            "invalid_quantity",
            steps=(HOUSEHOLD_SUSPENDED, PACKAGE_INACTIVE),
            quantity=0,
            staff=None,
        ),
        id="invalid-quantity-is-checked-first",
    ),
    pytest.param(
        Scenario("household_inactive", steps=(HOUSEHOLD_SUSPENDED,)), id="household-suspended"
    ),
    pytest.param(
        Scenario("household_inactive", steps=(update("household", status="inactive"),)),
        id="household-inactive",
    ),
    pytest.param(
        Scenario(
            "household_inactive",
            steps=(HOUSEHOLD_SUSPENDED, update("unstocked_package", is_active=False)),
            package="unstocked_package",
            staff=None,
        ),
        id="household-inactive-outranks-later-checks",
    ),
    pytest.param(Scenario("package_inactive", steps=(PACKAGE_INACTIVE,)), id="package-inactive"),
    pytest.param(
        Scenario("center_inactive", steps=(update("center", status="maintenance"),)),
        id="center-maintenance",
    ),
    pytest.param(
        Scenario("center_inactive", steps=(update("center", status="inactive"), WORKER_ON_LEAVE)),
        id="center-inactive-outranks-staff",
    ),
    pytest.param(Scenario("staff_not_allowed", steps=(WORKER_ON_LEAVE,)), id="staff-on-leave"),
    pytest.param(Scenario("staff_not_allowed", staff="outsider"), id="staff-of-another-center"),
    pytest.param(Scenario("staff_not_allowed", staff=None), id="staff-missing"),
    pytest.param(
        Scenario(
            "staff_not_allowed", steps=(earlier(), update("worker", status="inactive")), quantity=50
        ),
        id="staff-not-allowed-outranks-eligibility-and-stock",
    ),
    pytest.param(Scenario("not_eligible", steps=(earlier(),)), id="repeat-within-validity"),
    pytest.param(
        Scenario("not_eligible", steps=(earlier(),), staff="admin", center="other_center"),
        id="repeat-at-another-center",
    ),
    pytest.param(
        Scenario("not_eligible", steps=(earlier(),), quantity=50),
        id="not-eligible-outranks-insufficient-stock",
    ),
    pytest.param(
        Scenario("not_eligible", steps=(backdated_success(datetime.timedelta(0)),)),
        id="success-at-the-cutoff-blocks",
    ),
    pytest.param(
        Scenario("success", steps=(backdated_success(-MICROSECOND),)),
        id="success-before-the-cutoff-does-not-block",
    ),
    pytest.param(
        Scenario(
            "not_eligible",
            steps=(update("package", validity_period_days=1), backdated_success(MICROSECOND)),
        ),
        id="one-day-validity-blocks-today",
    ),
    pytest.param(
        Scenario(
            "success",
            steps=(update("package", validity_period_days=1), backdated_success(-MICROSECOND)),
        ),
        id="one-day-validity-frees-tomorrow",
    ),
    pytest.param(Scenario("no_inventory", package="unstocked_package"), id="no-inventory"),
    pytest.param(Scenario("insufficient_stock", quantity=11), id="insufficient-stock"),
    pytest.param(
        Scenario("insufficient_stock", steps=(earlier(household="other_household", quantity=10),)),
        id="stock-exhausted-after-the-last-unit",
    ),
    pytest.param(
        Scenario("success", steps=(earlier(quantity=11),)), id="failed-attempt-does-not-block"
    ),
    pytest.param(
        Scenario("success", steps=(earlier(quantity=0),)), id="invalid-attempt-does-not-block"
    ),
    pytest.param(Scenario("success", steps=(voided_earlier,)), id="voided-success-does-not-block"),
    # Owed items: inside the validity period, up to what an open owed item still owes.
    pytest.param(
        Scenario("success", steps=(short_visit(),), quantity=2, owed_item=0),
        id="owed-item-lets-a-blocked-household-receive",
    ),
    pytest.param(
        Scenario("success", steps=(short_visit(),), quantity=3, owed_item=0),
        id="owed-item-hands-out-all-it-owes",
    ),
    pytest.param(
        Scenario("not_eligible", steps=(short_visit(),), quantity=4),
        id="owed-item-refuses-more-than-it-owes",
    ),
    pytest.param(
        Scenario("success", steps=(short_visit(), earlier(quantity=2)), owed_item=0),
        id="owed-item-partly-fulfilled-hands-out-the-rest",
    ),
    pytest.param(
        Scenario("not_eligible", steps=(short_visit(), earlier(quantity=2)), quantity=2),
        id="owed-item-partly-fulfilled-refuses-more-than-is-left",
    ),
    pytest.param(
        Scenario("not_eligible", steps=(short_visit(), earlier(quantity=3))),
        id="owed-item-fully-fulfilled-blocks",
    ),
    pytest.param(
        Scenario("success", steps=(owed_item(datetime.timedelta(hours=1)),), owed_item=0),
        id="owed-item-open-until-it-expires",
    ),
    pytest.param(
        Scenario("not_eligible", steps=(owed_item(-datetime.timedelta(seconds=1)),)),
        id="owed-item-lapsed-blocks",
    ),
    pytest.param(
        Scenario("not_eligible", steps=(short_visit(), earlier(), void_owing_success)),
        id="owed-item-of-a-voided-success-is-cancelled",
    ),
    pytest.param(
        Scenario("success", steps=(short_visit(), void_owing_success), quantity=4),
        id="voided-owing-success-frees-the-household-afresh",
    ),
    pytest.param(
        Scenario(
            "insufficient_stock", steps=(short_visit(),), center="other_center", staff="admin"
        ),
        id="owed-units-still-need-stock",
    ),
    pytest.param(
        Scenario(
            "no_inventory",
            steps=(restocked("unstocked_package", 1), short_visit("unstocked_package")),
            package="unstocked_package",
        ),
        id="owed-units-still-need-an-inventory-row",
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_procedure_matches_service(scenario):
    by_service = play(scenario, via_service)
    by_procedure = play(scenario, via_procedure)

    assert by_service.status == scenario.expected
    assert by_service.owed_item == scenario.owed_item
    assert by_procedure == by_service
    if scenario.expected != "success":
        assert by_procedure.reason == FAILURE_MESSAGES[scenario.expected]


def test_every_failure_code_is_in_the_table():
    expected = {param.values[0].expected for param in SCENARIOS}
    assert expected == {"success", *FAILURE_MESSAGES}
