"""Fixtures shared by every app's tests: one signed-in-able staff member per role."""

import pytest

from centers.models import StaffMember
from centers.tests.factories import DistributionCenterFactory, StaffMemberFactory


@pytest.fixture
def center(db):
    return DistributionCenterFactory(center_name="Riverside", city="Springfield")


@pytest.fixture
def other_center(db):
    return DistributionCenterFactory(center_name="Hillcrest", city="Shelbyville")


def _staff(role, center, username):
    return StaffMemberFactory(role=role, center=center, user__username=username)


@pytest.fixture
def volunteer(center):
    return _staff(StaffMember.Role.VOLUNTEER, center, "volunteer")


@pytest.fixture
def worker(center):
    return _staff(StaffMember.Role.WORKER, center, "worker")


@pytest.fixture
def manager(center):
    return _staff(StaffMember.Role.MANAGER, center, "manager")


@pytest.fixture
def admin_staff(center):
    staff = _staff(StaffMember.Role.ADMIN, center, "admin")
    staff.user.is_staff = staff.user.is_superuser = True
    staff.user.save()
    return staff


@pytest.fixture
def other_manager(other_center):
    return _staff(StaffMember.Role.MANAGER, other_center, "other-manager")
