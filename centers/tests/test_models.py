"""Database-level rules of Distribution_Centers and Staff_Members.

Every write here bypasses model validation (`QuerySet.update`, `bulk_create`) so the
database itself must refuse the bad row. Each refusal runs in its own savepoint so
the test transaction survives it.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from centers.models import CENTER_REQUIRED_MESSAGE, DistributionCenter, StaffMember
from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory
from devtools.assertions import refused_by
from inventory.models import Inventory
from inventory.tests.factories import InventoryFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("column", "bad_value", "constraint_name"),
    [
        ("capacity", 0, "chk_capacity"),
        ("capacity", -10, "chk_capacity"),
        ("status", "closed", "chk_center_status"),
        ("status", "", "chk_center_status"),
    ],
)
def test_center_check_rejects_bad_value(column, bad_value, constraint_name):
    center = DistributionCenterFactory()
    with refused_by(constraint_name):
        DistributionCenter.objects.filter(pk=center.pk).update(**{column: bad_value})
    center.refresh_from_db()
    assert getattr(center, column) != bad_value


@pytest.mark.parametrize(
    ("column", "good_value"),
    [("capacity", 1), *(("status", value) for value in DistributionCenter.Status.values)],
)
def test_center_check_accepts_boundary_and_every_choice(column, good_value):
    center = DistributionCenterFactory()
    DistributionCenter.objects.filter(pk=center.pk).update(**{column: good_value})
    center.refresh_from_db()
    assert getattr(center, column) == good_value


@pytest.mark.parametrize(
    ("column", "bad_value", "constraint_name"),
    [
        ("role", "superuser", "chk_staff_role"),
        ("role", "", "chk_staff_role"),
        ("status", "fired", "chk_staff_status"),
        ("status", "", "chk_staff_status"),
    ],
)
def test_staff_check_rejects_bad_value(column, bad_value, constraint_name):
    staff = StaffMemberFactory()
    with refused_by(constraint_name):
        StaffMember.objects.filter(pk=staff.pk).update(**{column: bad_value})


@pytest.mark.parametrize(
    ("column", "good_value"),
    [
        *(("role", value) for value in StaffMember.Role.values),
        *(("status", value) for value in StaffMember.Status.values),
    ],
)
def test_staff_check_accepts_every_choice(column, good_value):
    staff = StaffMemberFactory()
    StaffMember.objects.filter(pk=staff.pk).update(**{column: good_value})
    staff.refresh_from_db()
    assert getattr(staff, column) == good_value


@pytest.mark.parametrize(
    ("model", "factory", "column", "constraint_name"),
    [
        (DistributionCenter, DistributionCenterFactory, "status", "chk_center_status"),
        (StaffMember, StaffMemberFactory, "role", "chk_staff_role"),
        (StaffMember, StaffMemberFactory, "status", "chk_staff_status"),
    ],
)
def test_enum_check_rejects_case_variant_of_a_member(model, factory, column, constraint_name):
    row = factory()
    with refused_by(constraint_name):
        model.objects.filter(pk=row.pk).update(**{column: getattr(row, column).upper()})


def test_staff_email_is_unique():
    first = StaffMemberFactory(email="ana@example.org")
    second = StaffMemberFactory(email="ben@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMember.objects.filter(pk=second.pk).update(email=first.email)
    second.refresh_from_db()
    assert second.email == "ben@example.org"


def test_staff_email_duplicate_insert_is_refused():
    StaffMemberFactory(email="ana@example.org")
    duplicate = StaffMemberFactory.build(email="ana@example.org", user=None)
    duplicate.center.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMember.objects.bulk_create([duplicate])
    assert StaffMember.objects.filter(email="ana@example.org").count() == 1


def test_deleting_center_without_staff_cascades_inventory():
    center = DistributionCenterFactory()
    other_center = DistributionCenterFactory()
    doomed = InventoryFactory.create_batch(2, center=center)
    kept = InventoryFactory(center=other_center)

    center.delete()

    assert not DistributionCenter.objects.filter(pk=center.pk).exists()
    assert not Inventory.objects.filter(pk__in=[row.pk for row in doomed]).exists()
    assert Inventory.objects.filter(pk=kept.pk).exists()


def test_center_with_staff_cannot_be_deleted():
    """Its staff would be left with no center; move them first."""
    staff = StaffMemberFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        staff.center.delete()
    staff.refresh_from_db()
    assert staff.center is not None


@pytest.mark.parametrize("role", ["volunteer", "worker", "manager"])
def test_only_admins_may_have_no_center(role):
    staff = StaffMemberFactory(role=role)
    with refused_by("chk_staff_center_unless_admin"):
        StaffMember.objects.filter(pk=staff.pk).update(center=None)
    staff.center = None
    with pytest.raises(ValidationError) as excinfo:
        staff.full_clean()
    assert excinfo.value.message_dict["center"] == [CENTER_REQUIRED_MESSAGE]


def test_an_admin_may_have_no_center():
    staff = StaffMemberFactory(role="admin")
    StaffMember.objects.filter(pk=staff.pk).update(center=None)
    staff.refresh_from_db()
    staff.full_clean()
    assert staff.center is None
