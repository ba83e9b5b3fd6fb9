import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centers.backends import ActiveStaffBackend, load_staff_user
from centers.models import StaffMember
from centers.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_active_staff_can_sign_in(worker):
    assert (
        authenticate(
            RequestFactory().post("/accounts/login/"),
            username="worker",
            password="correct-horse-battery",
        )
        == worker.user
    )


@pytest.mark.parametrize("status", [StaffMember.Status.INACTIVE, StaffMember.Status.ON_LEAVE])
def test_staff_not_active_cannot_sign_in(worker, status):
    worker.status = status
    worker.save()
    assert (
        authenticate(
            RequestFactory().post("/accounts/login/"),
            username="worker",
            password="correct-horse-battery",
        )
        is None
    )


def test_user_without_staff_record_cannot_sign_in():
    UserFactory(username="nobody")
    assert (
        authenticate(
            RequestFactory().post("/accounts/login/"),
            username="nobody",
            password="correct-horse-battery",
        )
        is None
    )


def test_deactivation_ends_open_session(client, worker):
    client.force_login(worker.user)
    assert client.get("/").status_code == 200
    worker.status = StaffMember.Status.INACTIVE
    worker.save()
    assert client.get("/").status_code == 302


# --- the per-request read of the user, their staff record and its center ---


def concrete_values(instance):
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


def assert_same_instance(loaded, expected):
    assert type(loaded) is type(expected)
    values, wanted = concrete_values(loaded), concrete_values(expected)
    assert values == wanted
    # The same Python types too: aware datetimes, bools, dates, decimals.
    assert {name: type(value) for name, value in values.items()} == {
        name: type(value) for name, value in wanted.items()
    }
    assert loaded._state.adding is False
    assert loaded._state.db == expected._state.db


@pytest.mark.parametrize("center_of_staff", [True, False], ids=["with center", "no center"])
def test_load_staff_user_reads_what_select_related_reads(worker, center_of_staff):
    """One statement, and the same three instances the ORM's select_related() gives."""
    if not center_of_staff:  # only admins may have no center
        worker.role, worker.center = StaffMember.Role.ADMIN, None
        worker.save()
    worker.user.last_login = timezone.now()
    worker.user.save()
    expected = (
        get_user_model()
        ._default_manager.select_related("staff_member__center")
        .get(pk=worker.user_id)
    )

    with CaptureQueriesContext(connection) as queries:
        user = load_staff_user(worker.user_id)
        staff, center = user.staff_member, user.staff_member.center
        assert staff.user is user
    assert len(queries) == 1

    assert_same_instance(user, expected)
    assert_same_instance(staff, expected.staff_member)
    if center_of_staff:
        assert_same_instance(center, expected.staff_member.center)
    else:
        assert center is None


def test_load_staff_user_without_staff_record_or_user_is_none(db):
    assert load_staff_user(UserFactory().pk) is None
    assert load_staff_user(2_000_000_000) is None


@pytest.mark.parametrize("session_value", ["not-a-number", None])
def test_get_user_with_a_broken_session_value_is_anonymous(db, session_value):
    assert ActiveStaffBackend().get_user(session_value) is None
