"""Database-level rules of Distribution_Log and the seed's delete rules around it.

Log rows can only be inserted (triggers refuse UPDATE), so the CHECKs are exercised
with `bulk_create`, which skips model validation; each refusal runs in its own
savepoint so the test transaction survives it.
"""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from centers.models import DistributionCenter
from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory
from devtools.assertions import refused_by
from distribution.models import DistributionLog
from distribution.tests.factories import DistributionLogFactory
from households.models import Household
from households.tests.factories import HouseholdFactory
from inventory.models import AidPackage
from inventory.tests.factories import AidPackageFactory

pytestmark = pytest.mark.django_db

SUCCESS = DistributionLog.Status.SUCCESS
FAILED = DistributionLog.Status.FAILED
CANCELLED = DistributionLog.Status.CANCELLED


@pytest.fixture
def success_row():
    return DistributionLogFactory(transaction_status=SUCCESS)


def log_row(original, **overrides):
    """Return an unsaved valid success row for `original`'s household, package and center."""
    values = {
        "household": original.household,
        "package": original.package,
        "center": original.center,
        "staff": original.staff,
        "staff_name": original.staff_name,
        "staff_role": original.staff_role,
        "quantity_distributed": 1,
        "transaction_status": SUCCESS,
        **overrides,
    }
    return DistributionLog(**values)


def bulk_insert(row):
    DistributionLog.objects.bulk_create([row])


@pytest.mark.parametrize(
    ("overrides", "constraint_name"),
    [
        pytest.param({"quantity_distributed": 0}, "chk_quantity_distributed", id="zero-qty"),
        pytest.param({"quantity_distributed": -2}, "chk_quantity_distributed", id="negative-qty"),
        pytest.param({"transaction_status": "pending"}, "chk_log_status", id="unknown-status"),
        pytest.param({"transaction_status": ""}, "chk_log_status", id="empty-status"),
        pytest.param(
            {"transaction_status": CANCELLED},
            "chk_void_points_at_original",
            id="void-without-original",
        ),
        pytest.param(
            {"transaction_status": SUCCESS, "voided_log": "original"},
            "chk_void_points_at_original",
            id="success-pointing-at-original",
        ),
        pytest.param(
            {"transaction_status": FAILED, "failure_reason": "x", "voided_log": "original"},
            "chk_void_points_at_original",
            id="failed-pointing-at-original",
        ),
        pytest.param(
            {"transaction_status": FAILED, "failure_code": "not_eligible"},
            "chk_failure_has_reason",
            id="failed-without-reason",
        ),
    ],
)
def test_log_check_rejects_bad_row(success_row, overrides, constraint_name):
    if overrides.get("voided_log") == "original":
        overrides = {**overrides, "voided_log": success_row}
    with refused_by(constraint_name):
        bulk_insert(log_row(success_row, **overrides))
    assert list(DistributionLog.objects.values_list("pk", flat=True)) == [success_row.pk]


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"quantity_distributed": 1}, id="success"),
        pytest.param({"quantity_distributed": 3}, id="success-qty-3"),
        pytest.param(
            {
                "transaction_status": FAILED,
                "failure_reason": "Not eligible until 2025-02-01.",
                "failure_code": "not_eligible",
            },
            id="failed-with-reason",
        ),
        pytest.param({"transaction_status": CANCELLED, "voided_log": "original"}, id="void"),
    ],
)
def test_log_check_accepts_valid_row(success_row, overrides):
    if overrides.get("voided_log") == "original":
        overrides = {**overrides, "voided_log": success_row}
    bulk_insert(log_row(success_row, **overrides))
    assert DistributionLog.objects.count() == 2


def test_log_status_check_rejects_case_variant_of_a_member(success_row):
    with refused_by("chk_log_status"):
        bulk_insert(log_row(success_row, transaction_status="SUCCESS"))


def test_each_success_can_be_voided_only_once(success_row):
    bulk_insert(log_row(success_row, transaction_status=CANCELLED, voided_log=success_row))
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(log_row(success_row, transaction_status=CANCELLED, voided_log=success_row))
    assert DistributionLog.objects.filter(voided_log=success_row).count() == 1


# --- Delete rules -----------------------------------------------------------------

REFERENCED = [
    pytest.param("household", Household, "Households", "household_id", id="household"),
    pytest.param("package", AidPackage, "Aid_Packages", "package_id", id="package"),
    pytest.param("center", DistributionCenter, "Distribution_Centers", "center_id", id="center"),
]


@pytest.mark.parametrize(("attribute", "model", "table", "pk_column"), REFERENCED)
def test_row_with_distribution_history_cannot_be_deleted(
    success_row, attribute, model, table, pk_column
):
    referenced = getattr(success_row, attribute)
    with pytest.raises(ProtectedError):
        referenced.delete()
    assert model.objects.filter(pk=referenced.pk).exists()
    assert DistributionLog.objects.filter(pk=success_row.pk).exists()


def raw_delete_with_foreign_key_check(table, pk_column, pk):
    """DELETE one row with raw SQL, then check foreign keys (SQLite defers them to commit)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {pk_column} = %s", [pk])
    connection.check_constraints()


@pytest.mark.parametrize(("attribute", "model", "table", "pk_column"), REFERENCED)
def test_database_refuses_raw_delete_of_row_with_distribution_history(
    attribute, model, table, pk_column
):
    # No staff member, so only the log row holds the center back.
    referenced = getattr(DistributionLogFactory(staff=None), attribute)
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_delete_with_foreign_key_check(table, pk_column, referenced.pk)
    assert model.objects.filter(pk=referenced.pk).exists()


def test_staff_member_with_distribution_history_cannot_be_deleted():
    """Their audit rows keep naming them: deactivate them instead."""
    center = DistributionCenterFactory()
    staff = StaffMemberFactory(center=center)
    served = DistributionLogFactory(center=center, staff=staff, notes="two adults, one child")
    before = {row["id"]: row for row in DistributionLog.objects.values()}

    with pytest.raises(ProtectedError), transaction.atomic():
        staff.delete()

    assert {row["id"]: row for row in DistributionLog.objects.values()} == before
    assert DistributionLog.objects.get(pk=served.pk).staff_id == staff.pk
    assert type(staff).objects.filter(pk=staff.pk).exists()


def test_staff_member_without_history_can_be_deleted():
    staff = StaffMemberFactory()
    staff.delete()
    assert not type(staff).objects.filter(pk=staff.pk).exists()


def test_household_package_and_center_without_history_can_be_deleted():
    household, package, center = (
        HouseholdFactory(),
        AidPackageFactory(),
        DistributionCenterFactory(),
    )
    for row in (household, package, center):
        row.delete()
        assert not type(row).objects.filter(pk=row.pk).exists()
