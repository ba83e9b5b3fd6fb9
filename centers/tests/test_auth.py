import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

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
