import pytest

from centers import policies
from centers.models import StaffMember

pytestmark = pytest.mark.django_db

ROLES = ("volunteer", "worker", "manager", "admin_staff")

# The role matrix (docs/ARCHITECTURE.md, "Roles"): expected answer per role, at the staff
# member's own center and at another center.
MATRIX = {
    "record distribution (own)": (
        lambda s, own, other: policies.can_record_distribution(s, own),
        (1, 1, 1, 1),
    ),
    "record distribution (other)": (
        lambda s, own, other: policies.can_record_distribution(s, other),
        (0, 0, 0, 1),
    ),
    "edit households": (lambda s, own, other: policies.can_edit_households(s), (0, 1, 1, 1)),
    "change household status": (
        lambda s, own, other: policies.can_change_household_status(s),
        (0, 0, 1, 1),
    ),
    "manage center (own)": (lambda s, own, other: policies.can_manage_center(s, own), (0, 0, 1, 1)),
    "manage center (other)": (
        lambda s, own, other: policies.can_manage_center(s, other),
        (0, 0, 0, 1),
    ),
    "reports (own)": (lambda s, own, other: policies.can_view_reports(s, own), (0, 0, 1, 1)),
    "reports (other)": (lambda s, own, other: policies.can_view_reports(s, other), (0, 0, 0, 1)),
    "send stock (own)": (lambda s, own, other: policies.can_send_stock(s, own), (0, 0, 1, 1)),
    "send stock (other)": (lambda s, own, other: policies.can_send_stock(s, other), (0, 0, 0, 1)),
    "receive stock (own)": (
        lambda s, own, other: policies.can_receive_stock(s, own),
        (0, 0, 1, 1),
    ),
    "receive stock (other)": (
        lambda s, own, other: policies.can_receive_stock(s, other),
        (0, 0, 0, 1),
    ),
}


@pytest.mark.parametrize("action", MATRIX)
@pytest.mark.parametrize("role_index", range(len(ROLES)))
def test_role_matrix(request, center, other_center, action, role_index):
    staff = request.getfixturevalue(ROLES[role_index])
    check, expected = MATRIX[action]
    assert check(staff, center, other_center) is bool(expected[role_index])


@pytest.mark.parametrize("action", MATRIX)
def test_inactive_staff_may_do_nothing(admin_staff, center, other_center, action):
    admin_staff.status = StaffMember.Status.INACTIVE
    check, _ = MATRIX[action]
    assert check(admin_staff, center, other_center) is False
