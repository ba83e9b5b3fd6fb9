"""The rollups equal the log after the services, the stored procedure and backdated rows."""

import datetime
import io
import random
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection

from distribution.models import DistributionLog
from distribution.services import DistributionRefused, distribute_package, void_distribution
from households.tests.factories import HouseholdFactory
from inventory.services import restock
from inventory.tests.factories import AidPackageFactory
from reports import rollup, selectors

from .factories import expected_summary
from .rollup_checks import assert_rollups_match_the_log, served_months


class Clock:
    """A UTC clock the test moves forward, for services that call timezone.now()."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


@pytest.fixture
def world(center, other_center, manager, other_manager, admin_staff):
    packages = [
        AidPackageFactory(category="food", validity_period_days=30, estimated_cost="45.00"),
        AidPackageFactory(category="food", validity_period_days=14, estimated_cost="12.30"),
        AidPackageFactory(category="hygiene", validity_period_days=7, estimated_cost="9.99"),
    ]
    households = [HouseholdFactory() for _ in range(8)]
    return {
        "centers": [center, other_center],
        "managers": {center.pk: manager, other_center.pk: other_manager},
        "admin": admin_staff,
        "packages": packages,
        "households": households,
    }


@pytest.mark.django_db
def test_rollups_equal_the_log_after_random_services_over_several_months(world):
    rng = random.Random(20250101)
    clock = Clock(datetime.datetime(2025, 1, 3, 9, tzinfo=datetime.UTC))
    outcomes = {"success": 0, "refused": 0, "void": 0, "void_later_month": 0, "status": 0}
    with mock.patch("django.utils.timezone.now", clock):
        for center in world["centers"]:
            for package in world["packages"]:
                restock(center=center, package=package, quantity=6, staff=world["admin"])
        for _ in range(160):
            clock.now += datetime.timedelta(hours=rng.uniform(0, 60))
            action = rng.random()
            if action < 0.7:
                center = rng.choice(world["centers"])
                try:
                    distribute_package(
                        household=rng.choice(world["households"]),
                        package=rng.choice(world["packages"]),
                        center=center,
                        staff=world["managers"][center.pk],
                        quantity=rng.randint(1, 3),
                    )
                    outcomes["success"] += 1
                except DistributionRefused:
                    outcomes["refused"] += 1
            elif action < 0.9:
                candidates = list(
                    DistributionLog.objects.filter(
                        transaction_status="success", void__isnull=True
                    ).select_related("center")
                )
                if candidates:
                    log = rng.choice(candidates)
                    void_distribution(log=log, staff=world["admin"], reason="Entered twice")
                    outcomes["void"] += 1
                    if log.distribution_date.month != clock.now.month:
                        outcomes["void_later_month"] += 1
            elif action < 0.95:
                restock(
                    center=rng.choice(world["centers"]),
                    package=rng.choice(world["packages"]),
                    quantity=rng.randint(1, 8),
                    staff=world["admin"],
                )
            else:
                household = rng.choice(world["households"])
                household.status = rng.choice(["active", "active", "suspended", "inactive"])
                household.save()
                outcomes["status"] += 1
            if rng.random() < 0.1:
                assert rollup.verify().ok  # with changes pending
                rollup.fold()
    assert all(outcomes.values()), outcomes  # the mix has every kind of event
    first, last = served_months()
    assert (last.year - first.year) * 12 + last.month - first.month >= 3
    assert_rollups_match_the_log(world["centers"], ["food", "hygiene"])
    call_command("check_stock", stdout=io.StringIO())


# The procedure commits its own transaction, so the test cannot run inside one.
@pytest.mark.django_db(transaction=True)
@pytest.mark.mysql(reason="stored procedures are MySQL-only")
def test_the_stored_procedure_keeps_the_rollups_right(world):
    center, package = world["centers"][0], world["packages"][0]
    restock(center=center, package=package, quantity=10, staff=world["admin"])
    staff = world["managers"][center.pk]
    with connection.cursor() as cursor:
        for household in world["households"][:4] + world["households"][:1]:
            cursor.execute(
                "CALL sp_distribute_package(%s, %s, %s, %s, 2, @log_id, @status, @reason)",
                [household.pk, package.pk, center.pk, staff.pk],
            )
    statuses = list(DistributionLog.objects.values_list("transaction_status", flat=True))
    assert statuses.count("success") == 4
    assert statuses.count("failed") == 1
    void_distribution(
        log=DistributionLog.objects.filter(transaction_status="success").first(),
        staff=world["admin"],
        reason="Wrong household",
    )
    assert_rollups_match_the_log(world["centers"], ["food"])


@pytest.mark.django_db(transaction=True)
def test_control_verify_sees_a_distribution_the_triggers_did_not_count(world):
    """Without the triggers the rollups fall behind the log, and verify says so."""
    from devtools.triggers import append_only_triggers_lifted

    center, package = world["centers"][0], world["packages"][0]
    restock(center=center, package=package, quantity=5, staff=world["admin"])
    distribute_package(
        household=world["households"][0], package=package, center=center, staff=world["admin"]
    )
    assert rollup.verify().ok
    # Lifting the append-only triggers lifts every trigger on Distribution_Log.
    with append_only_triggers_lifted(connection):
        distribute_package(
            household=world["households"][1], package=package, center=center, staff=world["admin"]
        )
    result = rollup.verify()
    assert not result.ok
    assert any("Distribution_Monthly_Rollup" in problem for problem in result.problems)
    rollup.rebuild()
    assert rollup.verify().ok


@pytest.mark.django_db
def test_rollups_equal_the_log_when_rows_arrive_out_of_order(center, other_center):
    """Backdated rows and voids in any order: each household's months are re-linked."""
    from distribution.tests.factories import DistributionLogFactory

    rng = random.Random(7)
    packages = [
        AidPackageFactory(category="food"),
        AidPackageFactory(category="food"),
        AidPackageFactory(category="medical"),
    ]
    households = [HouseholdFactory() for _ in range(4)]
    successes = []
    for _ in range(60):
        when = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
            days=rng.randrange(0, 200), hours=rng.randrange(24)
        )
        successes.append(
            DistributionLogFactory(
                household=rng.choice(households),
                package=rng.choice(packages),
                center=rng.choice([center, other_center]),
                staff=None,
                quantity_distributed=rng.randint(1, 3),
                distribution_date=when,
            )
        )
        if rng.random() < 0.3:
            original = rng.choice(successes)
            if not DistributionLog.objects.filter(voided_log=original).exists():
                DistributionLogFactory(
                    household=original.household,
                    package=original.package,
                    center=original.center,
                    staff=None,
                    quantity_distributed=original.quantity_distributed,
                    transaction_status="cancelled",
                    voided_log=original,
                    distribution_date=when,
                )
        assert rollup.verify().ok
    assert_rollups_match_the_log([center, other_center], ["food", "medical"])
    for month_from, month_to in ((datetime.date(2025, 2, 1), datetime.date(2025, 5, 1)),):
        report = selectors.monthly_summary(month_from=month_from, month_to=month_to)
        assert (
            report.overall.households
            == expected_summary(month_from=month_from, month_to=month_to)[2][1]
        )


@pytest.mark.django_db
def test_every_rollup_trigger_is_installed():
    if connection.vendor == "mysql":
        sql = (
            "SELECT trigger_name, event_object_table FROM information_schema.triggers "
            "WHERE trigger_schema = DATABASE()"
        )
    else:
        sql = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        triggers = set(cursor.fetchall())
    assert triggers >= {
        ("trg_distribution_log_rollup_success", "Distribution_Log"),
        ("trg_distribution_log_rollup_void", "Distribution_Log"),
        ("trg_households_coverage_insert", "Households"),
        ("trg_households_coverage_status", "Households"),
        ("trg_households_coverage_delete", "Households"),
    }
